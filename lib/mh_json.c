/* mh_json.c - parse JSON with limits, and locate values in the source text. */
#include "mh_json.h"
#include "mh_error.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

struct cursor {
    const char *text;
    size_t length;
    size_t at;
};

static void skip_space(struct cursor *c);
static int skip_string(struct cursor *c);
static int read_key(struct cursor *c, char *key, size_t size);
static int skip_value(struct cursor *c, size_t depth);
static int next_token(const char **pointer, char *token, size_t size);

json_t *
mh_json_parse(const char *text, size_t length, size_t max_depth, const char *name,
              struct mh_error *err)
{
    json_error_t jerr;
    json_t *value;

    if (memchr(text, '\0', length)) {
        mh_error_set(err, "%s: contains a NUL byte", name);
        return NULL;
    }
    value = json_loadb(text, length, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &jerr);
    if (!value) {
        mh_error_set(err, "%s:%d:%d: %s", name, jerr.line, jerr.column, jerr.text);
        return NULL;
    }
    if (mh_json_depth(value) > max_depth) {
        mh_error_set(err, "%s: nested deeper than %zu levels", name, max_depth);
        json_decref(value);
        return NULL;
    }
    return value;
}

size_t
mh_json_depth(const json_t *value)
{
    size_t deepest = 0;

    if (json_is_object(value)) {
        const char *key;
        json_t *member;
        json_object_foreach((json_t *)value, key, member) {
            size_t depth = mh_json_depth(member);
            if (depth > deepest)
                deepest = depth;
        }
        return deepest + 1;
    }
    if (json_is_array(value)) {
        size_t index;
        json_t *member;
        json_array_foreach(value, index, member) {
            size_t depth = mh_json_depth(member);
            if (depth > deepest)
                deepest = depth;
        }
        return deepest + 1;
    }
    return 0;
}

char *
mh_json_line(const json_t *value)
{
    return json_dumps(value, JSON_COMPACT | JSON_ENSURE_ASCII | JSON_ENCODE_ANY);
}

int
mh_json_locate(const char *text, size_t length, const char *pointer, int *line, int *column)
{
    struct cursor c = { text, length, 0 };
    size_t target;
    char token[512];
    int more;

    skip_space(&c);
    target = c.at;
    while ((more = next_token(&pointer, token, sizeof(token))) > 0) {
        bool found = false;

        if (c.at >= c.length)
            return -1;
        if (text[c.at] == '{') {
            c.at++;
            skip_space(&c);
            while (c.at < c.length && text[c.at] != '}') {
                char key[512];
                size_t key_at = c.at;

                if (read_key(&c, key, sizeof(key)) < 0)
                    return -1;
                skip_space(&c);
                if (c.at >= c.length || text[c.at] != ':')
                    return -1;
                c.at++;
                skip_space(&c);
                if (strcmp(key, token) == 0) {
                    target = key_at;
                    found = true;
                    break;
                }
                if (skip_value(&c, 0) < 0)
                    return -1;
                skip_space(&c);
                if (c.at < c.length && text[c.at] == ',') {
                    c.at++;
                    skip_space(&c);
                }
            }
        } else if (text[c.at] == '[') {
            char *end;
            unsigned long index = strtoul(token, &end, 10);

            if (*token == '\0' || *end != '\0')
                return -1;
            c.at++;
            skip_space(&c);
            for (unsigned long i = 0; c.at < c.length && text[c.at] != ']'; i++) {
                if (i == index) {
                    target = c.at;
                    found = true;
                    break;
                }
                if (skip_value(&c, 0) < 0)
                    return -1;
                skip_space(&c);
                if (c.at < c.length && text[c.at] == ',') {
                    c.at++;
                    skip_space(&c);
                }
            }
        }
        if (!found)
            return -1;
    }
    if (more < 0)
        return -1;

    *line = 1;
    *column = 1;
    for (size_t i = 0; i < target; i++) {
        if (text[i] == '\n') {
            (*line)++;
            *column = 1;
        } else {
            (*column)++;
        }
    }
    return 0;
}

static void
skip_space(struct cursor *c)
{
    while (c->at < c->length && strchr(" \t\r\n", c->text[c->at]) && c->text[c->at])
        c->at++;
}

/* Skip a string starting at its opening quote. */
static int
skip_string(struct cursor *c)
{
    c->at++;
    while (c->at < c->length) {
        char ch = c->text[c->at++];
        if (ch == '\\')
            c->at++;
        else if (ch == '"')
            return 0;
    }
    return -1;
}

/* Read an object key, decoding the escapes a config key may reasonably
 * hold; \u escapes are kept literally, which only means such keys are not
 * located (the error message then points at the enclosing object). */
static int
read_key(struct cursor *c, char *key, size_t size)
{
    size_t used = 0;

    if (c->at >= c->length || c->text[c->at] != '"')
        return -1;
    c->at++;
    while (c->at < c->length) {
        char ch = c->text[c->at++];
        if (ch == '"') {
            key[used] = '\0';
            return 0;
        }
        if (ch == '\\' && c->at < c->length) {
            char escaped = c->text[c->at++];
            switch (escaped) {
            case 'n': ch = '\n'; break;
            case 't': ch = '\t'; break;
            case 'r': ch = '\r'; break;
            case 'b': ch = '\b'; break;
            case 'f': ch = '\f'; break;
            default: ch = escaped; break;
            }
        }
        if (used + 1 >= size)
            return -1;
        key[used++] = ch;
    }
    return -1;
}

static int
skip_value(struct cursor *c, size_t depth)
{
    char open;

    if (depth > 4096 || c->at >= c->length)
        return -1;
    open = c->text[c->at];
    if (open == '"')
        return skip_string(c);
    if (open == '{' || open == '[') {
        char close = open == '{' ? '}' : ']';
        c->at++;
        skip_space(c);
        while (c->at < c->length && c->text[c->at] != close) {
            if (open == '{') {
                if (skip_string(c) < 0)
                    return -1;
                skip_space(c);
                if (c->at >= c->length || c->text[c->at] != ':')
                    return -1;
                c->at++;
                skip_space(c);
            }
            if (skip_value(c, depth + 1) < 0)
                return -1;
            skip_space(c);
            if (c->at < c->length && c->text[c->at] == ',') {
                c->at++;
                skip_space(c);
            }
        }
        if (c->at >= c->length)
            return -1;
        c->at++;
        return 0;
    }
    while (c->at < c->length && !strchr(",]} \t\r\n", c->text[c->at]))
        c->at++;
    return 0;
}

/* Take the next reference token of a JSON pointer, undoing ~1 and ~0.
 * Returns 1 with a token, 0 at the end, -1 on a malformed pointer. */
static int
next_token(const char **pointer, char *token, size_t size)
{
    const char *p = *pointer;
    size_t used = 0;

    if (*p == '\0')
        return 0;
    if (*p != '/')
        return -1;
    p++;
    while (*p && *p != '/') {
        char ch = *p++;
        if (ch == '~') {
            if (*p == '0')
                ch = '~';
            else if (*p == '1')
                ch = '/';
            else
                return -1;
            p++;
        }
        if (used + 1 >= size)
            return -1;
        token[used++] = ch;
    }
    token[used] = '\0';
    *pointer = p;
    return 1;
}
