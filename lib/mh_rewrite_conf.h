/* mh_rewrite_conf.h - the "rewrite" section of the configuration: typed
 * rules that map host-side parts of a domain XML (bridges, networks, disk
 * and chardev paths, graphics listen addresses, emulator, CPU pinning, NUMA
 * nodes) from the source host's names to this host's. Rules that would
 * touch a guest-visible part are refused when the configuration is loaded.
 * docs/rewrite.md describes every key. */
#ifndef MH_REWRITE_CONF_H
#define MH_REWRITE_CONF_H

#include "mh_cpuset.h"

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

struct mh_conf_context;
struct mh_error;

/* Rule kinds, in the order the engine applies them; their names are the
 * config keys and the keys of the journal's counts. */
enum mh_rewrite_kind {
    MH_REWRITE_BRIDGES,
    MH_REWRITE_NETWORKS,
    MH_REWRITE_DISKS,
    MH_REWRITE_CHARDEVS,
    MH_REWRITE_GRAPHICS,
    MH_REWRITE_EMULATOR,
    MH_REWRITE_CPUS,
    MH_REWRITE_NODES,
    MH_REWRITE_ATTRIBUTES,
    MH_REWRITE_KINDS,
};

extern const char *const mh_rewrite_kind_names[MH_REWRITE_KINDS];

/* What an interface is plugged into: <interface type='bridge'> with
 * <source bridge=...>, or type='network' with <source network=...>. */
enum mh_rewrite_link { MH_REWRITE_LINK_BRIDGE, MH_REWRITE_LINK_NETWORK };

/* What happens to an interface's <virtualport>. */
enum mh_rewrite_port {
    MH_REWRITE_PORT_KEEP,           /* leave it as it is */
    MH_REWRITE_PORT_OPENVSWITCH,    /* make it <virtualport type='openvswitch'> */
    MH_REWRITE_PORT_NONE,           /* remove it: a Linux bridge has none */
};

struct mh_rewrite_interface {
    enum mh_rewrite_kind kind;      /* MH_REWRITE_BRIDGES or MH_REWRITE_NETWORKS */
    enum mh_rewrite_link from_link;
    const char *from;
    enum mh_rewrite_link to_link;
    const char *to;
    enum mh_rewrite_port virtualport;
};

/* from -> to: exact values, or path prefixes (see mh_rewrite_prefix). */
struct mh_rewrite_pair {
    const char *from;
    const char *to;
};

struct mh_rewrite_map {
    struct mh_rewrite_pair *pairs;
    size_t count;
};

/* A rule on one attribute (or element text) of the host-side whitelist. */
struct mh_rewrite_attribute {
    const char *path;               /* normalized: "devices/interface/source/@dev" */
    const char *from;
    const char *to;
    bool prefix;                    /* from/to are path prefixes */
};

/* Compiled rules. Strings point into the JSON section they were compiled
 * from and live as long as it does (the struct mh_conf that holds it). */
struct mh_rewrite_rules {
    bool enabled;
    struct mh_rewrite_interface *interfaces;
    size_t interface_count;
    struct mh_rewrite_map disk_prefixes;
    struct mh_rewrite_map chardev_prefixes;
    struct mh_rewrite_map graphics_listen;  /* from "*" matches any address */
    const char *emulator;                   /* set always, when not NULL */
    struct mh_rewrite_map emulators;        /* or mapped by the current path */
    struct mh_cpuset_map *cpus;             /* NULL when not configured */
    struct mh_cpuset_map *nodes;
    struct mh_rewrite_attribute *attributes;
    size_t attribute_count;
};

/* The field-table parser for the "rewrite" key of mh_conf.c: compiles the
 * section to check it (errors at the offending value, so the loader can
 * name file:line:column) and stores the section, borrowed, in
 * *(json_t **)target. */
int mh_rewrite_conf_parse(json_t *value, void *target, struct mh_conf_context *context);

/* Compile a section already checked by mh_rewrite_conf_parse (NULL: no
 * rules) into new rules the caller frees with mh_rewrite_rules_free(). */
struct mh_rewrite_rules *mh_rewrite_rules_new(json_t *section, struct mh_error *err);

void mh_rewrite_rules_free(struct mh_rewrite_rules *rules);

/* True when no rule could change anything (disabled or none configured):
 * the hook then does not even look at the XML for rewriting. */
bool mh_rewrite_rules_empty(const struct mh_rewrite_rules *rules);

/* The host-side paths an "attributes" rule may name, NULL-terminated. */
extern const char *const mh_rewrite_host_paths[];

#endif
