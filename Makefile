# cdp - a Customer Data Platform as a Unix toolchain.
#
#   make            build libcdp.a and every cmd/cdp-*.c tool
#   make check      install missing packages, build, run the unit and bats suites
#   make check SAN=1   the same under ASan + UBSan (objects in san/)
#   make check VALGRIND=1  the suites with the tools under valgrind
#   make fuzz       each libFuzzer harness for FUZZ_SECONDS (default 60)
#   make demo       install missing packages, run the pipeline on share/
#   make bench      benchmarks against sqlite3 .import and jq
#   make bench-match [SIZE=1000000]  accuracy, then speed up to SIZE records
#   make bench-suggest  cdp-catalog suggest against the maps of tests/suggest
#   make bench-stream  cdp-stream's latency from append to change line
#   make bench-scale [SIZES="20000 100000"]  the nightly run, step by step
#   make install    PREFIX=/usr/local DESTDIR= binaries and man pages

PREFIX	?= /usr/local
BINDIR	?= $(PREFIX)/bin
MANDIR	?= $(PREFIX)/share/man
SHAREDIR ?= $(PREFIX)/share/cdp

CC	?= cc
CFLAGS	?= -O2 -g
WARN	= -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes
CPPFLAGS += -D_GNU_SOURCE -Icommon
LDLIBS	+= -pthread -lsqlite3 -lcsv -lyajl -lutf8proc -lnettle -lm

ifeq ($(SAN),1)
O	= san/
CFLAGS	+= -O1 -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=all
LDFLAGS	+= -fsanitize=address,undefined
else
O	=
endif

LIBSRC	= $(sort $(wildcard common/*/*.c))
LIBOBJ	= $(LIBSRC:common/%.c=$(O)obj/%.o)
HDR	= $(wildcard common/*/*.h)
TOOLS	= cdp-ingest cdp-match cdp-merge cdp-export cdp-privacy \
	  cdp-catalog cdp-status cdp-score cdp-segment cdp-report cdp-stream
BINS	= $(TOOLS:%=$(O)%)
UNITSRC	= tests/unit/t-csvr.c tests/unit/t-nd.c tests/unit/t-jw.c \
	  tests/unit/t-norm.c tests/unit/t-compare.c tests/unit/t-fs.c \
	  tests/unit/t-clv.c tests/unit/t-db.c \
	  tests/unit/t-uf.c tests/unit/t-golden.c tests/unit/t-pairs.c \
	  tests/unit/t-catalog.c tests/unit/t-mcfg.c tests/unit/t-mblock.c \
	  tests/unit/t-mdet.c tests/unit/t-mscore.c tests/unit/t-expr.c \
	  tests/unit/t-fuzz-regress.c tests/unit/t-bulk.c tests/unit/t-privacy.c \
	  tests/unit/t-csvw.c tests/unit/t-job.c tests/unit/t-core.c
UNITS	= $(UNITSRC:tests/unit/%.c=$(O)obj/%)

all: $(BINS) cdp cdp-run

$(O)obj/%.o: common/%.c $(HDR)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(WARN) $(CPPFLAGS) -c -o $@ $<

$(O)obj/libcdp.a: $(LIBOBJ)
	rm -f $@
	$(AR) rcs $@ $(LIBOBJ)

$(O)cdp-%: cmd/cdp-%.c $(O)obj/libcdp.a $(HDR)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(WARN) $(CPPFLAGS) $(LDFLAGS) -o $@ $< $(O)obj/libcdp.a $(LDLIBS)

$(O)obj/t-%: tests/unit/t-%.c $(O)obj/libcdp.a $(HDR) tests/unit/tap.h tests/unit/tsql.h
	$(CC) $(CFLAGS) $(WARN) $(CPPFLAGS) -Itests/unit $(LDFLAGS) -o $@ $< $(O)obj/libcdp.a $(LDLIBS)

cdp: scripts/cdp
	cp scripts/cdp $@ && chmod +x $@

cdp-run: scripts/cdp-run
	cp scripts/cdp-run $@ && chmod +x $@

$(O)obj/t-fuzz-regress: tests/fuzz/fuzz.h $(wildcard tests/fuzz/fuzz-*.c)

units: $(UNITS)

# The packages first (scripts/install-deps: nothing to do when they are
# there), then the build, so that a fresh clone's "make check" sets
# itself up as "make demo" does.
check:
	@scripts/install-deps
	@$(MAKE) --no-print-directory all units
	@if [ "$(VALGRIND)" = 1 ]; then \
	    BIN=$(CURDIR)/ UNITS="$(UNITS)" scripts/valgrind-check; \
	else \
	    BIN=$(CURDIR)/$(O) UNITS="$(UNITS)" SAN=$(SAN) scripts/run-tests; \
	fi

fuzz:
	@scripts/fuzz

demo:
	@scripts/install-deps
	@$(MAKE) --no-print-directory all
	@scripts/demo

bench: all
	@scripts/bench

bench-match: all
	@BENCH_MATCH_MAX=$(SIZE) scripts/bench-match

bench-score: all
	@scripts/bench-score

bench-suggest: all
	@scripts/bench-suggest

bench-stream: all
	@scripts/bench-stream

SIZES	?= 20000
bench-scale: all
	@scripts/bench-scale $(SIZES)

install: all
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man1 \
	    $(DESTDIR)$(MANDIR)/man5 $(DESTDIR)$(MANDIR)/man7 $(DESTDIR)$(SHAREDIR)
	install -m 755 $(TOOLS) cdp cdp-run $(DESTDIR)$(BINDIR)
	install -m 644 man/man1/*.1 $(DESTDIR)$(MANDIR)/man1
	install -m 644 man/man5/*.5 $(DESTDIR)$(MANDIR)/man5
	install -m 644 man/man7/*.7 $(DESTDIR)$(MANDIR)/man7
	cp -R share/. $(DESTDIR)$(SHAREDIR)

lint-man:
	mandoc -Tlint -Wwarning man/man*/*.[157]

clean:
	rm -rf obj san fuzz-build $(TOOLS) cdp cdp-run

.PHONY: all check fuzz demo bench bench-match bench-score bench-suggest \
	bench-stream bench-scale install clean units lint-man
