# partscan — top-level build.
#
#   make            build build/partscan (and build/partscan-milter once it exists)
#   make check      install missing dependencies, build, run every test
#   make demo       build and scan the bundled samples with the bundled test signatures
#   make bench      benchmarks that print figures
#   make format     clang-format every source file; make format-check fails on a difference
#
# Variables: CC, CFLAGS_EXTRA, SAN=1 (ASan+UBSan), WERROR=1, PREFIX, DESTDIR.

CC ?= cc
VERSION := $(shell cat VERSION 2>/dev/null || echo 0.0.0)
BUILD ?= build
PKGS := gmime-3.0 libcrypto libarchive json-glib-1.0 libgsf-1 zlib liblzma sqlite3 libpq
PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS = $(shell pkg-config --libs $(PKGS) 2>/dev/null)
CHECK_CFLAGS = $(shell pkg-config --cflags check 2>/dev/null)
CHECK_LIBS = $(shell pkg-config --libs check 2>/dev/null)

WARN := -Wall -Wextra -Wformat=2 -Wshadow -Wmissing-prototypes -Wstrict-prototypes \
	-Wpointer-arith -Wno-unused-parameter
OPT ?= -O2 -g
CFLAGS := -std=c11 -D_GNU_SOURCE -D_FILE_OFFSET_BITS=64 $(OPT) $(WARN) -I. $(PKG_CFLAGS) \
	-DPARTSCAN_VERSION=\"$(VERSION)\" $(CFLAGS_EXTRA)
LDFLAGS ?=
LIBS := $(PKG_LIBS) -lbz2 -lpthread -lm

ifeq ($(WERROR),1)
CFLAGS += -Werror
endif
ifeq ($(SAN),1)
CFLAGS += -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
LDFLAGS += -fsanitize=address,undefined
BUILD := build-san
endif

ENGINE_SRC := $(sort $(wildcard engine/*.c))
MIME_SRC := $(sort $(wildcard mime/*.c))
CONF_SRC := $(sort $(wildcard conf/*.c))
# policy/: reports -> action plan, shared by the milter and the CLI (uses conf/, mime/)
POLICY_SRC := $(sort $(wildcard policy/*.c))
# index/: the part-hash index (SQLite, PostgreSQL), shared by the milter and `partscan hunt`
INDEX_SRC := $(sort $(wildcard index/*.c))
CLI_SRC := $(sort $(wildcard cli/*.c))
# milter/: everything but the libmilter glue is a library the tests link too
MILTER_GLUE := milter/main.c milter/callbacks.c
MILTER_SRC := $(filter-out $(MILTER_GLUE),$(sort $(wildcard milter/*.c)))
TEST_SRC := $(sort $(wildcard tests/check_*.c))
TESTLIB_SRC := $(sort $(wildcard tests/lib/*.c))

obj = $(patsubst %.c,$(BUILD)/obj/%.o,$(1))

LIBPARTSCAN := $(BUILD)/libpartscan.a
LIBMILTER := $(BUILD)/libpartscan-milter.a
# libmicrohttpd: the metrics endpoint (milter/metrics.c, in the library the tests link)
HTTP_LIBS := -lmicrohttpd
MILTER_LIBS := -lmilter -lsystemd $(HTTP_LIBS)
TESTS := $(patsubst tests/%.c,$(BUILD)/tests/%,$(TEST_SRC))

.PHONY: all check check-unit check-cli check-asan check-valgrind fuzz fuzz-run soak demo run \
	bench evasions format format-check deps clean install deb

all: $(BUILD)/partscan $(BUILD)/partscan-milter

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -MMD -MP -c -o $@ $<

$(LIBPARTSCAN): $(call obj,$(ENGINE_SRC) $(MIME_SRC) $(CONF_SRC) $(POLICY_SRC) $(INDEX_SRC))
	@mkdir -p $(dir $@)
	rm -f $@
	ar rcs $@ $^

$(LIBMILTER): $(call obj,$(MILTER_SRC))
	@mkdir -p $(dir $@)
	rm -f $@
	ar rcs $@ $^

$(BUILD)/partscan: $(call obj,$(CLI_SRC)) $(LIBPARTSCAN)
	$(CC) $(LDFLAGS) -o $@ $^ $(LIBS)

$(BUILD)/partscan-milter: $(call obj,$(MILTER_GLUE)) $(LIBMILTER) $(LIBPARTSCAN)
	$(CC) $(LDFLAGS) -o $@ $^ $(LIBS) $(MILTER_LIBS)

$(BUILD)/tests/check_%: $(BUILD)/obj/tests/check_%.o $(call obj,$(TESTLIB_SRC)) $(LIBMILTER) \
		$(LIBPARTSCAN)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(LIBS) $(CHECK_LIBS) $(HTTP_LIBS)

$(BUILD)/obj/tests/%.o: CFLAGS += $(CHECK_CFLAGS) -DTEST_DATA=\"$(CURDIR)/tests/data\"

deps:
	@contrib/install-deps.sh

# The one command: dependencies, build with -Werror, format check, unit suites, CLI tests.
check: deps
	$(MAKE) WERROR=1 all $(TESTS)
	$(MAKE) format-check
	$(MAKE) check-unit check-cli

check-unit: $(TESTS)
	@set -e; for t in $(TESTS); do echo "== $$t"; $$t; done

# The whole suite under AddressSanitizer + UBSan (objects in build-san/). The libcheck suites
# run without fork so that LeakSanitizer sees every leak of the process.
check-asan:
	$(MAKE) SAN=1 WERROR=1 all $(patsubst $(BUILD)/%,build-san/%,$(TESTS))
	@set -e; for t in $(patsubst $(BUILD)/%,build-san/%,$(TESTS)); do \
		echo "== $$t (CK_FORK=no)"; CK_FORK=no $$t; done
	$(MAKE) SAN=1 check-cli

# The libcheck suites under valgrind (no fork): no invalid access, no definite leak.
VALGRIND := valgrind -q --error-exitcode=1 --leak-check=full --errors-for-leak-kinds=definite \
	--suppressions=tests/valgrind.supp
check-valgrind: $(TESTS)
	@set -e; for t in $(TESTS); do echo "== valgrind $$t"; CK_FORK=no CK_DEFAULT_TIMEOUT=600 \
		PARTSCAN_VALGRIND=1 $(VALGRIND) $$t; done

# libFuzzer targets (clang): build-fuzz/fuzz_*; `make fuzz-run SECONDS=N` runs each for N
# seconds on its seeds (tests/data and the shared corpus); a crash fails and is kept in
# build-fuzz/ to become a regression fixture.
FUZZ_SRC := $(sort $(wildcard tests/fuzz/fuzz_*.c))
FUZZERS := $(patsubst tests/fuzz/%.c,build-fuzz/%,$(FUZZ_SRC))
FUZZ_LIBSRC := $(ENGINE_SRC) $(MIME_SRC) $(CONF_SRC) $(POLICY_SRC) $(INDEX_SRC) $(MILTER_SRC)
FUZZ_CFLAGS := -g -O1 -std=c11 -D_GNU_SOURCE -DPARTSCAN_VERSION=\"$(VERSION)\" -I. \
	-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined $(PKG_CFLAGS)
SECONDS ?= 30
FUZZ_OBJ := $(patsubst %.c,build-fuzz/obj/%.o,$(FUZZ_LIBSRC))
fuzz: $(FUZZERS)
build-fuzz/obj/%.o: %.c
	@mkdir -p $(dir $@)
	clang $(FUZZ_CFLAGS) -c -o $@ $<
build-fuzz/%: tests/fuzz/%.c $(FUZZ_OBJ)
	@mkdir -p $(dir $@)
	clang $(FUZZ_CFLAGS) -o $@ $< $(FUZZ_OBJ) $(PKG_LIBS) -lbz2 -lm $(HTTP_LIBS)
fuzz-run: $(FUZZERS)
	@contrib/fuzz-run.sh $(SECONDS) $(FUZZERS)

# A private Postfix and partscan-milter under load; prints figures (not part of check).
soak: all
	@sh tests/soak/soak.sh $(BUILD)

check-cli: all
	@set -e; for t in tests/cli/test_*.sh; do echo "== $$t"; BUILD=$(BUILD) sh $$t; done

demo: all
	@contrib/demo.sh $(BUILD)/partscan

# Start partscan-milter in the foreground on conf/partscan-dev.conf (runtime files under run/,
# the bundled test signatures) and print how to point Postfix at it.
run: deps
	$(MAKE) all
	@contrib/run.sh $(BUILD)/partscan-milter $(RUN_ARGS)

PREFIX ?= /usr/local
SBINDIR ?= $(PREFIX)/sbin
BINDIR ?= $(PREFIX)/bin
MANDIR ?= $(PREFIX)/share/man
SYSCONFDIR ?= /etc
UNITDIR ?= /lib/systemd/system

install: all
	install -d $(DESTDIR)$(SBINDIR) $(DESTDIR)$(BINDIR) $(DESTDIR)$(SYSCONFDIR)/partscan \
		$(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(MANDIR)/man5 $(DESTDIR)$(MANDIR)/man8 \
		$(DESTDIR)$(UNITDIR) $(DESTDIR)$(SYSCONFDIR)/logrotate.d
	install -m 0755 $(BUILD)/partscan-milter $(DESTDIR)$(SBINDIR)/partscan-milter
	install -m 0755 $(BUILD)/partscan $(DESTDIR)$(BINDIR)/partscan
	[ -e $(DESTDIR)$(SYSCONFDIR)/partscan/partscan.conf ] || \
		install -m 0644 conf/partscan.conf $(DESTDIR)$(SYSCONFDIR)/partscan/partscan.conf
	install -m 0644 conf/partscan.conf $(DESTDIR)$(SYSCONFDIR)/partscan/partscan.conf.sample
	install -m 0644 contrib/man/partscan.1 $(DESTDIR)$(MANDIR)/man1/partscan.1
	install -m 0644 contrib/man/partscan.conf.5 $(DESTDIR)$(MANDIR)/man5/partscan.conf.5
	install -m 0644 contrib/man/partscan-milter.8 $(DESTDIR)$(MANDIR)/man8/partscan-milter.8
	sed -e 's|/usr/local/sbin|$(SBINDIR)|; s|/etc/partscan|$(SYSCONFDIR)/partscan|' \
		contrib/systemd/partscan-milter.service > $(DESTDIR)$(UNITDIR)/partscan-milter.service
	install -m 0644 contrib/logrotate/partscan $(DESTDIR)$(SYSCONFDIR)/logrotate.d/partscan

# The Debian package: $(BUILD)/partscan_VERSION_ARCH.deb (debhelper, contrib/debian), lintian
# checked. tests/cli/test_deb.sh installs it and runs it behind a private Postfix.
deb:
	@contrib/make-deb.sh $(BUILD)

BENCH_SRC := $(sort $(wildcard tests/bench/bench_*.c))
BENCHES := $(patsubst tests/bench/%.c,$(BUILD)/bench/%,$(BENCH_SRC))
# the sources a bench program includes (one source file per program)
BENCH_INC := $(filter-out $(BENCH_SRC) tests/bench/noop_milter.c,$(wildcard tests/bench/*.c))

# Every tests/bench/bench_*.c is a program that prints figures; none asserts a time.
# bench_milter drives partscan-milter, the floor (noop_milter) and clamav-milter if installed.
# bench_retro's index is 30 days x 10,000 messages here (built once, kept in build/bench-data);
# BENCH_RETRO_PER_DAY=100000 make bench measures the 3M-message index (building it takes long).
bench: all $(BENCHES) $(BUILD)/bench/noop_milter
	@set -e; for b in $(BENCHES); do echo "== $$b"; \
		BENCH_RETRO_PER_DAY=$${BENCH_RETRO_PER_DAY:-10000} $$b; done
	@echo "== evasions"; BUILD=$(BUILD) sh tests/evasions/run.sh

# The evasion scoreboard: each message of tests/evasions/gen.py hides a harmless file behind one
# evasion; prints what partscan and clamscan (when installed, same hashes) find, and the totals.
evasions: all
	@BUILD=$(BUILD) sh tests/evasions/run.sh

$(BUILD)/bench/%: tests/bench/%.c $(BENCH_INC) $(LIBPARTSCAN)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -o $@ $< $(LIBPARTSCAN) $(LIBS)

$(BUILD)/bench/noop_milter: tests/bench/noop_milter.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -o $@ $< -lmilter -lpthread

# Tracked files and new ones not yet added (a new file is formatted before its first commit);
# $(wildcard) drops a tracked file deleted from the tree.
FORMAT_SRC = $(wildcard $(shell git ls-files --cached --others --exclude-standard '*.c' '*.h' \
	2>/dev/null || ls */*.c */*.h))

format:
	clang-format -i $(FORMAT_SRC)

format-check:
	@clang-format --dry-run --Werror $(FORMAT_SRC) && echo "format: clean"

clean:
	rm -rf build build-san build-fuzz run

-include $(shell find $(BUILD)/obj -name '*.d' 2>/dev/null)
