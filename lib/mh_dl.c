/* mh_dl.c - load a heavy shared library only when a stage needs it. */
#include "mh_dl.h"
#include "mh_error.h"

#include <dlfcn.h>
#include <stddef.h>

int
mh_dl_load(const char *soname, void **handle, const struct mh_dl_symbol *symbols,
           struct mh_error *err)
{
    void *library;

    if (*handle)
        return 0;
    library = dlopen(soname, RTLD_NOW | RTLD_LOCAL);
    if (!library) {
        const char *reason = dlerror();
        mh_error_set(err, "cannot load %s: %s", soname, reason ? reason : "unknown error");
        return -1;
    }
    for (const struct mh_dl_symbol *s = symbols; s->name; s++) {
        void *address;

        dlerror();
        address = dlsym(library, s->name);
        if (!address) {
            mh_error_set(err, "%s has no symbol %s; is it too old?", soname, s->name);
            dlclose(library);
            return -1;
        }
        *s->slot = address;
    }
    *handle = library;
    return 0;
}
