# Makefile - builds the hook dispatcher, the helpers and the tests of migrate-hooks.

PREFIX        ?= /usr/local
SBINDIR       ?= $(PREFIX)/sbin
MANDIR        ?= $(PREFIX)/share/man
DOCDIR        ?= $(PREFIX)/share/doc/migrate-hooks
SYSCONFDIR    ?= /etc
LOCALSTATEDIR ?= /var
HOOKDIR       ?= $(SYSCONFDIR)/libvirt/hooks
SYSTEMDUNITDIR ?= $(PREFIX)/lib/systemd/system
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
EXPAT_CFLAGS := $(shell $(PKG_CONFIG) --cflags expat)
JSON_LIBS    := $(shell $(PKG_CONFIG) --libs jansson)
VIRT_LIBS    := $(shell $(PKG_CONFIG) --libs libvirt 2>/dev/null)
CMOCKA_LIBS  := $(shell $(PKG_CONFIG) --libs cmocka 2>/dev/null)

ALL_CFLAGS = -std=c11 -D_GNU_SOURCE $(WARNINGS) $(PATHS) -Ilib $(XML_CFLAGS) $(EXPAT_CFLAGS) $(CFLAGS)

# libxml2, expat, libcrypto and libcurl are loaded with dlopen() by lib/mh_dl.c only
# on the stages that need them (see lib/mh_dl.h): the dispatcher links libc
# and jansson alone, so a hook call with nothing to do stays as cheap as cat.
HOOK_LIBS   = $(JSON_LIBS)
HELPER_LIBS = $(JSON_LIBS) $(VIRT_LIBS)

B = build
LIB_SOURCES    := $(sort $(wildcard lib/*.c))
HELPER_SOURCES := $(sort $(wildcard helpers/mh-*.c))
UNIT_SOURCES   := $(sort $(wildcard tests/unit/test_*.c))

LIB_OBJECTS  = $(LIB_SOURCES:%.c=$(B)/%.o)
HELPERS      = $(HELPER_SOURCES:helpers/%.c=$(B)/%)
HOOK         = $(B)/migrate-hooks
UNIT_TESTS   = $(UNIT_SOURCES:tests/unit/%.c=$(B)/tests/%)
ASAN_TESTS   = $(UNIT_SOURCES:tests/unit/%.c=$(B)/asan/tests/%)
ASAN_OBJECTS = $(LIB_SOURCES:%.c=$(B)/asan/%.o)
ASAN_FLAGS   = -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all

all: $(HOOK) $(HELPERS)

# Paths are compiled in: rebuild everything when they (or the flags) change.
$(B)/flags: FORCE
	@mkdir -p $(B)
	@echo '$(CC) $(ALL_CFLAGS)' | cmp -s - $@ || echo '$(CC) $(ALL_CFLAGS)' > $@

$(B)/%.o: %.c $(wildcard lib/*.h tests/unit/*.h tests/fuzz/*.h) $(B)/flags
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

# The same unit tests again under AddressSanitizer and UBSan.
$(B)/asan/%.o: %.c $(wildcard lib/*.h tests/unit/*.h tests/fuzz/*.h) $(B)/flags
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) $(ASAN_FLAGS) -O1 -c -o $@ $<

$(B)/asan/libmh.a: $(ASAN_OBJECTS)
	@rm -f $@
	$(AR) rcs $@ $^

$(B)/asan/tests/%: $(B)/asan/tests/unit/%.o $(B)/asan/libmh.a
	@mkdir -p $(@D)
	$(CC) $(ASAN_FLAGS) $(LDFLAGS) -o $@ $^ $(HELPER_LIBS) $(CMOCKA_LIBS)

# The hook and every helper under the same sanitizers, for the CLI suite
# (tests/run cli-asan, tests/wrap.sh), which runs the probe first to see that
# a finding is caught. They dlopen the same libraries as the plain build.
# GCC links UBSan as a shared library beside ASan's, with its own copy of
# the sanitizers' common code: ASan's __sanitizer_set_report_path shadows
# UBSan's, and UBSan reports to stderr whatever its log_path says. Linked in
# statically and kept private to the program, UBSan keeps its own (clang has
# one runtime for both, and no such option).
ASAN_PROGRAMS = $(B)/asan/migrate-hooks $(HELPERS:$(B)/%=$(B)/asan/%) $(B)/asan/tests/sanitizer-probe
ASAN_PROGRAM_FLAGS := $(ASAN_FLAGS) $(if $(findstring clang,$(shell $(CC) --version 2>/dev/null)),,-static-libubsan -Wl,--exclude-libs,libubsan.a)

$(B)/asan/migrate-hooks: $(B)/asan/hooks/migrate-hooks.o $(B)/asan/libmh.a
	$(CC) $(ASAN_PROGRAM_FLAGS) $(LDFLAGS) -o $@ $^ $(HOOK_LIBS)

$(B)/asan/mh-%: $(B)/asan/helpers/mh-%.o $(B)/asan/libmh.a
	$(CC) $(ASAN_PROGRAM_FLAGS) $(LDFLAGS) -o $@ $^ $(HELPER_LIBS)

$(B)/asan/tests/sanitizer-probe: $(B)/asan/tests/cli/sanitizer-probe.o
	$(CC) $(ASAN_PROGRAM_FLAGS) $(LDFLAGS) -o $@ $^

asan: $(ASAN_PROGRAMS)

# Every fuzz target also runs, under the sanitizers of the unit build, over
# its seed corpus and every input a fuzzer once crashed on (tests/fuzz/).
FUZZ_SOURCES := $(sort $(wildcard tests/fuzz/fuzz_*.c))
REPLAYS       = $(FUZZ_SOURCES:tests/fuzz/fuzz_%.c=$(B)/asan/tests/replay_%)

$(B)/asan/tests/replay_%: $(B)/asan/tests/fuzz/fuzz_%.o $(B)/asan/tests/fuzz/replay.o $(B)/asan/libmh.a
	@mkdir -p $(@D)
	$(CC) $(ASAN_FLAGS) $(LDFLAGS) -o $@ $^ $(HELPER_LIBS)

unit: $(UNIT_TESTS) $(ASAN_TESTS) $(REPLAYS)

# make check: the unit tests and the fuzz replays, plain and under
# AddressSanitizer+UBSan; the CLI tests against the plain build, then again
# against the hook and the helpers built with the sanitizers (cli-asan). The
# e2e suite needs two simulated hosts and runs from tests/run (make test).
check: all unit asan
	tests/run unit cli cli-asan

test: all unit asan
	tests/run

install: all
	install -d $(DESTDIR)$(SBINDIR) $(DESTDIR)$(HOOKDIR)/qemu.d
	install -m 0755 $(HELPERS) $(DESTDIR)$(SBINDIR)/
	install -m 0755 $(HOOK) $(DESTDIR)$(HOOKDIR)/qemu.d/.50-migrate-hooks.new
	mv -f $(DESTDIR)$(HOOKDIR)/qemu.d/.50-migrate-hooks.new $(DESTDIR)$(HOOKDIR)/qemu.d/50-migrate-hooks
	install -d -m 0755 $(DESTDIR)$(SYSCONFDIR)/migrate-hooks/conf.d $(DESTDIR)$(SYSCONFDIR)/migrate-hooks/checks.d
	install -d -m 0755 $(DESTDIR)$(LOCALSTATEDIR)/lib/migrate-hooks
	test -e $(DESTDIR)$(SYSCONFDIR)/migrate-hooks/migrate-hooks.json || \
		install -m 0644 etc/migrate-hooks.json $(DESTDIR)$(SYSCONFDIR)/migrate-hooks/migrate-hooks.json
# An example external check, shipped without its execute bit (off); an
# operator's copy, perhaps switched on, is never replaced.
	test -e $(DESTDIR)$(SYSCONFDIR)/migrate-hooks/checks.d/50-disk-space || \
		install -m 0644 etc/migrate-hooks/checks.d/50-disk-space $(DESTDIR)$(SYSCONFDIR)/migrate-hooks/checks.d/
# Inert until libvirtd's local AppArmor override includes it (README).
	install -d $(DESTDIR)$(SYSCONFDIR)/apparmor.d/local
	install -m 0644 etc/apparmor/usr.sbin.libvirtd.migrate-hooks $(DESTDIR)$(SYSCONFDIR)/apparmor.d/local/
	install -d $(DESTDIR)$(MANDIR)/man5 $(DESTDIR)$(MANDIR)/man8
	install -m 0644 $(wildcard packaging/man/*.5) $(DESTDIR)$(MANDIR)/man5/
	install -m 0644 $(wildcard packaging/man/*.8) $(DESTDIR)$(MANDIR)/man8/
	install -d $(DESTDIR)$(SYSTEMDUNITDIR)
	for unit in $(wildcard etc/systemd/*.service etc/systemd/*.timer); do \
		sed 's|@SBINDIR@|$(SBINDIR)|g' $$unit >$(DESTDIR)$(SYSTEMDUNITDIR)/$${unit##*/} && \
		chmod 0644 $(DESTDIR)$(SYSTEMDUNITDIR)/$${unit##*/} || exit 1; \
	done

clean:
	rm -rf $(B)

.PHONY: all unit asan check test install clean FORCE
.SECONDARY:

# Benchmarks print ratios measured side by side in one run (bench/README.md).
# Built and run by "make bench" only, never by "make" or the tests: their
# timings depend on the machine. bench/run runs bench/*.sh and the C ones.
BENCH_SOURCES := $(sort $(filter-out bench/mh-bench.c,$(wildcard bench/*.c)))
BENCHES       = $(BENCH_SOURCES:bench/%.c=$(B)/bench/%)

$(B)/bench/%: $(B)/bench/%.o $(B)/libmh.a
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(HELPER_LIBS)

$(B)/mh-bench: bench/mh-bench.c
	@mkdir -p $(@D)
	$(CC) -std=c11 -D_GNU_SOURCE $(WARNINGS) $(CFLAGS) -o $@ $<

bench: all $(B)/mh-bench $(BENCHES)
	bench/run

# libFuzzer (clang): make fuzz [FUZZ_SECONDS=60] runs every target in turn.
FUZZ_CC      ?= clang
FUZZ_FLAGS    = -fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer -O1 -g
FUZZ_TARGETS  = $(FUZZ_SOURCES:tests/fuzz/%.c=$(B)/fuzz/%)
FUZZ_OBJECTS  = $(LIB_SOURCES:%.c=$(B)/fuzz/%.o)
FUZZ_SECONDS ?= 60

$(B)/fuzz/%.o: %.c $(wildcard lib/*.h tests/fuzz/*.h) $(B)/flags
	@mkdir -p $(@D)
	$(FUZZ_CC) $(ALL_CFLAGS) $(FUZZ_FLAGS) -c -o $@ $<

$(B)/fuzz/libmh.a: $(FUZZ_OBJECTS)
	@rm -f $@
	$(AR) rcs $@ $^

$(B)/fuzz/fuzz_%: $(B)/fuzz/tests/fuzz/fuzz_%.o $(B)/fuzz/libmh.a
	$(FUZZ_CC) -fsanitize=fuzzer,address,undefined $(LDFLAGS) -o $@ $^ $(HELPER_LIBS)

fuzz: $(FUZZ_TARGETS)
	tests/fuzz/run $(FUZZ_SECONDS) $(FUZZ_TARGETS)

# The CLI suite with the hook and every helper under valgrind's memcheck.
valgrind: all
	tests/valgrind

.PHONY: bench fuzz valgrind
