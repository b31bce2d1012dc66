#!/usr/bin/env bats
# Man pages: every built tool has one, mandoc -Tlint is clean on all of
# them, and each tool's SYNOPSIS says exactly what its --help usage says.
# The comparison is itself tested against broken copies of a page and
# fake tools, so that a difference cannot slip through unnoticed.

load test_helper
bats_require_minimum_version 1.5.0

# The cdp-*.c tools of cmd/ that are built, at the top of the checkout
# or in $BIN, one name a line.
built_tools() {
	local c t
	for c in "$CDP_TOP"/cmd/cdp-*.c; do
		[ -e "$c" ] || continue
		t=$(basename "$c" .c)
		if [ -x "${BIN%/}/$t" ] || [ -x "$CDP_TOP/$t" ]; then
			echo "$t"
		fi
	done
}

# The binary of tool $1 under test: $BIN's, else the top-level one.
tool_bin() {
	if [ -x "${BIN%/}/$1" ]; then
		echo "${BIN%/}/$1"
	else
		echo "$CDP_TOP/$1"
	fi
}

# One line: "usage: " dropped, white space collapsed, no space around '|'
# (mdoc renders "csv|ndjson" and "A | B" alike from one source form).
normalise() {
	sed 's/^usage:[[:space:]]*//' | tr '\n\t' '  ' |
	    sed -E 's/ +/ /g; s/ ?\| ?/|/g; s/^ //; s/ $//'
}

# The --help usage of binary $1, which must go to stdout alone with
# exit status 0.
usage_of() {
	local out rc=0
	out=$("$1" --help 2>/dev/null) || rc=$?
	if [ "$rc" -ne 0 ]; then
		echo "$1 --help: exit status $rc, not 0" >&2
		return 1
	fi
	printf '%s\n' "$out"
}

# The SYNOPSIS section of page $1 as rendered, overstrike removed.
synopsis_of() {
	mandoc -Tascii "$1" | sed 's/.\x08//g' |
	    awk '/^[A-Z]/ { insyn = ($0 == "SYNOPSIS"); next } insyn'
}

# Whether the SYNOPSIS of page $1 is the --help usage of binary $2; on a
# difference, both are shown on stderr.
synopsis_matches() {
	local want got
	want=$(usage_of "$2" | normalise) || return 1
	got=$(synopsis_of "$1" | normalise)
	if [ -z "$want" ] || [ "$want" != "$got" ]; then
		printf '%s --help:\n  %s\n%s SYNOPSIS:\n  %s\n' "$2" "$want" \
		    "$1" "$got" >&2
		return 1
	fi
}

# mutate MODE SRC DST: a copy of page SRC with one change in its
# SYNOPSIS: "letter" adds Z to the first flag, "operand" renames the
# first operand, "drop" deletes the second .Op Fl line, "swap" swaps the
# first two consecutive .Op lines.
mutate() {
	awk -v mode="$1" '
	/^\.Sh / { insyn = ($0 == ".Sh SYNOPSIS") }
	insyn && !done && mode == "letter" && /^\.Op Fl [A-Za-z]/ {
		sub(/^\.Op Fl [A-Za-z]+/, "&Z"); done = 1
	}
	insyn && !done && mode == "operand" && / Ar [A-Za-z_]/ {
		sub(/ Ar [A-Za-z_]+/, "&X"); done = 1
	}
	insyn && !done && mode == "drop" && /^\.Op Fl / {
		if (++nop == 2) { done = 1; next }
	}
	insyn && !done && mode == "swap" && /^\.Op / {
		if (held != "") { print; print held; held = ""; done = 1; next }
		held = $0; next
	}
	held != "" { print held; held = "" }
	{ print }' "$2" >"$3"
}

@test "man: every built tool has a page in man1" {
	local t n=0 missing=
	for t in $(built_tools); do
		n=$((n + 1))
		[ -f "$CDP_TOP/man/man1/$t.1" ] || missing="$missing $t"
	done
	[ "$n" -gt 0 ] || { echo "no built tool found" >&2; return 1; }
	assert_equal "$missing" ""
}

@test "man: the overview and format pages exist" {
	local p
	for p in man7/cdp.7 man5/cdp-map.5 man5/cdp-schema.5; do
		[ -f "$CDP_TOP/man/$p" ] || { echo "missing $p" >&2; return 1; }
	done
}

@test "man: mandoc -Tlint -Wwarning is clean on every page" {
	local pages=("$CDP_TOP"/man/man[157]/*.[157])
	[ -e "${pages[0]}" ]
	run mandoc -Tlint -Wwarning "${pages[@]}"
	assert_equal "$output" ""
	assert_equal "$status" 0
}

@test "man: mandoc -Tlint -Wwarning catches a broken page" {
	cp "$CDP_TOP/man/man7/cdp.7" broken.7
	printf '.Bl -tag -width Ds\n.It x\nunclosed list\n' >>broken.7
	run mandoc -Tlint -Wwarning broken.7
	[ "$status" -ne 0 ]
	[ -n "$output" ]
}

@test "man: each tool's SYNOPSIS is its --help usage" {
	local t n=0 bad=
	for t in $(built_tools); do
		[ -f "$CDP_TOP/man/man1/$t.1" ] || continue
		n=$((n + 1))
		synopsis_matches "$CDP_TOP/man/man1/$t.1" "$(tool_bin "$t")" ||
		    bad="$bad $t"
	done
	[ "$n" -gt 0 ] || { echo "no tool page to compare" >&2; return 1; }
	assert_equal "$bad" ""
}

@test "man: the SYNOPSIS comparison fails on a changed page" {
	local page="$CDP_TOP/man/man1/cdp-ingest.1" bin m
	bin=$(tool_bin cdp-ingest)
	[ -x "$bin" ]
	# The unchanged copy matches, so each failure below is the change's.
	cp "$page" same.1
	run synopsis_matches same.1 "$bin"
	assert_equal "$status" 0
	for m in letter operand drop swap; do
		mutate "$m" "$page" "$m.1"
		if cmp -s "$page" "$m.1"; then
			echo "mutation $m changed nothing" >&2
			return 1
		fi
		run synopsis_matches "$m.1" "$bin"
		[ "$status" -eq 1 ] || { echo "mutation $m not caught" >&2; return 1; }
	done
}

# fake_tool STATUS: an executable ./cdp-ingest in the test directory
# that prints its standard input (saved now) as usage on stdout and exits
# with STATUS.
fake_tool() {
	cat >fake-usage
	printf '#!/bin/sh\ncat "%s"\nexit %d\n' "$PWD/fake-usage" "$1" \
	    >cdp-ingest
	chmod +x cdp-ingest
}

@test "man: the SYNOPSIS comparison reads --help usage exactly" {
	local page="$CDP_TOP/man/man1/cdp-ingest.1" usage
	usage=$(usage_of "$(tool_bin cdp-ingest)")
	# The same usage wrapped elsewhere, with tabs: still a match.
	printf '%s\n' "$usage" | tr '\n' ' ' | fold -s -w 37 | tr ' ' '\t' |
	    fake_tool 0
	run ! cmp -s fake-usage <(printf '%s\n' "$usage")
	run synopsis_matches "$page" ./cdp-ingest
	assert_equal "$status" 0
	# An option missing from the usage.
	printf '%s\n' "$usage" | sed 's/ \[-r REJECTS\]//' | fake_tool 0
	run grep -c REJECTS fake-usage
	assert_output 0
	run synopsis_matches "$page" ./cdp-ingest
	assert_equal "$status" 1
	# An operand renamed.
	printf '%s\n' "$usage" | sed 's/ID_FIELD/ID/' | fake_tool 0
	run synopsis_matches "$page" ./cdp-ingest
	assert_equal "$status" 1
	# The right usage, but --help exits 2.
	printf '%s\n' "$usage" | fake_tool 2
	run synopsis_matches "$page" ./cdp-ingest
	assert_equal "$status" 1
}

@test "man: cdp(7) shows what cdp help prints" {
	# The example block from "$ cdp help" up to the next "$ " prompt.
	sed -n '/^\$ cdp help$/,/^\$ sqlite3/p' "$CDP_TOP/man/man7/cdp.7" |
	    sed '1d;$d' > want
	[ -s want ]
	"$(tool_bin cdp)" help > got
	diff -u want got
}
