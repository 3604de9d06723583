# Makefile - builds the hook dispatcher, the helpers and the tests of migrate-hooks.

PREFIX        ?= /usr/local
SBINDIR       ?= $(PREFIX)/sbin
MANDIR        ?= $(PREFIX)/share/man
DOCDIR        ?= $(PREFIX)/share/doc/migrate-hooks
SYSCONFDIR    ?= /etc
LOCALSTATEDIR ?= /var
HOOKDIR       ?= $(SYSCONFDIR)/libvirt/hooks
DESTDIR       ?=
CFLAGS        ?= -O2 -g
PKG_CONFIG    ?= pkg-config
VERSION       := $(shell cat VERSION)

WARNINGS = -Wall -Wextra -Werror -Wshadow -Wformat=2 -Wstrict-prototypes \
           -Wmissing-prototypes -Wpointer-arith -Wvla -Wundef

# Paths are compiled in: libvirt scrubs the environment of hooks.
PATHS = -DMH_VERSION='"$(VERSION)"' \
        -DMH_SYSCONFDIR='"$(SYSCONFDIR)"' \
        -DMH_LOCALSTATEDIR='"$(LOCALSTATEDIR)"'

XML_CFLAGS   := $(shell $(PKG_CONFIG) --cflags libxml-2.0)
JSON_LIBS    := $(shell $(PKG_CONFIG) --libs jansson)
VIRT_LIBS    := $(shell $(PKG_CONFIG) --libs libvirt 2>/dev/null)
CMOCKA_LIBS  := $(shell $(PKG_CONFIG) --libs cmocka 2>/dev/null)

ALL_CFLAGS = -std=c11 -D_GNU_SOURCE $(WARNINGS) $(PATHS) -Ilib $(XML_CFLAGS) $(CFLAGS)

# libxml2, libcrypto and libcurl are loaded with dlopen() by lib/mh_dl.c only
# on the stages that need them (see lib/mh_dl.h): the dispatcher links libc
# and jansson alone, so a hook call with nothing to do stays as cheap as cat.
HOOK_LIBS   = $(JSON_LIBS)
HELPER_LIBS = $(JSON_LIBS) $(VIRT_LIBS)

B = build
LIB_SOURCES    := $(sort $(wildcard lib/*.c))
HELPER_SOURCES := $(sort $(wildcard helpers/mh-*.c))
UNIT_SOURCES   := $(sort $(wildcard tests/unit/test_*.c))
BENCH_SOURCES  := $(sort $(wildcard bench/*.c))

LIB_OBJECTS  = $(LIB_SOURCES:%.c=$(B)/%.o)
HELPERS      = $(HELPER_SOURCES:helpers/%.c=$(B)/%)
HOOK         = $(B)/migrate-hooks
UNIT_TESTS   = $(UNIT_SOURCES:tests/unit/%.c=$(B)/tests/%)
BENCHES      = $(BENCH_SOURCES:bench/%.c=$(B)/bench-%)
ASAN_TESTS   = $(UNIT_SOURCES:tests/unit/%.c=$(B)/asan/tests/%)
ASAN_OBJECTS = $(LIB_SOURCES:%.c=$(B)/asan/%.o)
ASAN_FLAGS   = -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all

all: $(HOOK) $(HELPERS)

$(B)/%.o: %.c $(wildcard lib/*.h) VERSION
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(B)/libmh.a: $(LIB_OBJECTS)
	@rm -f $@
	$(AR) rcs $@ $^

$(HOOK): $(B)/hooks/migrate-hooks.o $(B)/libmh.a
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(HOOK_LIBS)

$(B)/mh-%: $(B)/helpers/mh-%.o $(B)/libmh.a
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(HELPER_LIBS)

$(B)/tests/%: $(B)/tests/unit/%.o $(B)/libmh.a
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(HELPER_LIBS) $(CMOCKA_LIBS)

# Benchmarks print ratios to their peers; they are not tests (make bench).
$(B)/bench-%: $(B)/bench/%.o $(B)/libmh.a
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(HOOK_LIBS)

# The same unit tests again under AddressSanitizer and UBSan.
$(B)/asan/%.o: %.c $(wildcard lib/*.h) VERSION
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) $(ASAN_FLAGS) -O1 -c -o $@ $<

$(B)/asan/libmh.a: $(ASAN_OBJECTS)
	@rm -f $@
	$(AR) rcs $@ $^

$(B)/asan/tests/%: $(B)/asan/tests/unit/%.o $(B)/asan/libmh.a
	@mkdir -p $(@D)
	$(CC) $(ASAN_FLAGS) $(LDFLAGS) -o $@ $^ $(HELPER_LIBS) $(CMOCKA_LIBS)

unit: $(UNIT_TESTS) $(ASAN_TESTS)

# make check: unit tests (plain and sanitized) and the CLI tests; the e2e
# suite needs two simulated hosts and runs from tests/run (make test).
check: all unit
	tests/run unit cli

test: all unit
	tests/run

bench: all $(BENCHES)
	bench/lease.sh

install: all
	install -d $(DESTDIR)$(SBINDIR) $(DESTDIR)$(HOOKDIR)/qemu.d
	install -m 0755 $(HELPERS) $(DESTDIR)$(SBINDIR)/
	install -m 0755 $(HOOK) $(DESTDIR)$(HOOKDIR)/qemu.d/.50-migrate-hooks.new
	mv -f $(DESTDIR)$(HOOKDIR)/qemu.d/.50-migrate-hooks.new $(DESTDIR)$(HOOKDIR)/qemu.d/50-migrate-hooks
	install -d -m 0755 $(DESTDIR)$(SYSCONFDIR)/migrate-hooks/conf.d $(DESTDIR)$(SYSCONFDIR)/migrate-hooks/checks.d
	install -d -m 0750 $(DESTDIR)$(LOCALSTATEDIR)/lib/migrate-hooks
	test -e $(DESTDIR)$(SYSCONFDIR)/migrate-hooks/migrate-hooks.json || \
		install -m 0644 etc/migrate-hooks.json $(DESTDIR)$(SYSCONFDIR)/migrate-hooks/migrate-hooks.json

clean:
	rm -rf $(B)

.PHONY: all unit check test bench install clean
.SECONDARY:
