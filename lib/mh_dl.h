/* mh_dl.h - load a heavy shared library only when a stage needs it.
 *
 * Debian's libxml2 pulls in ICU and libstdc++; linking it (or libcrypto,
 * libcurl) into the hook dispatcher would make every hook call, most of
 * which have nothing to do, cost twice a plain `cat`. Modules that use such
 * a library declare a table of its functions (see mh_libxml.h), typed with
 * __typeof__ of the library's own prototypes so calls stay type-checked, and
 * fill it here on first use. */
#ifndef MH_DL_H
#define MH_DL_H

struct mh_error;

struct mh_dl_symbol {
    const char *name;
    void **slot;
};

/* dlopen(soname) once and resolve every symbol of the NULL-terminated list
 * into its slot. Loading again after success is a cheap no-op (*handle is
 * kept). Returns 0, or -1 naming the library or the missing symbol. */
int mh_dl_load(const char *soname, void **handle, const struct mh_dl_symbol *symbols,
               struct mh_error *err);

#endif
