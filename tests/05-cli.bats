#!/usr/bin/env bats
# The conventions every tool's command line keeps: -h and --help print
# the full usage on stdout and exit 0; a bad option prints the same usage
# on stderr after the reason and exits 2; --version and -V print
# "TOOL VERSION"; long steps draw a progress line on stderr only when it
# is a terminal, and erase it.

load test_helper
bats_require_minimum_version 1.5.0

# Every cdp-*.c of cmd/, one name a line.
tools() {
	local c
	for c in "$CDP_TOP"/cmd/cdp-*.c; do
		basename "$c" .c
	done
}

@test "cli: --help and -h print the whole usage on stdout and exit 0" {
	local t n=0
	for t in $(tools); do
		n=$((n + 1))
		run --separate-stderr "$t" --help
		assert_equal "$status" 0
		assert_equal "$stderr" ""
		[[ "$output" == "usage: $t "* ]] || { echo "$t: $output" >&2; return 1; }
		printf '%s\n' "$output" >help.txt
		run --separate-stderr "$t" -h
		assert_equal "$status" 0
		assert_equal "$stderr" ""
		printf '%s\n' "$output" >h.txt
		diff -u help.txt h.txt
	done
	[ "$n" -ge 9 ]
}

@test "cli: a bad option prints the reason and the usage on stderr, exit 2" {
	local t
	for t in $(tools); do
		"$t" --help >help.txt
		run --separate-stderr "$t" --no-such-option
		assert_equal "$status" 2
		assert_equal "$output" ""
		printf '%s\n' "$stderr" >err.txt
		{ echo "$t: unrecognized option '--no-such-option'"; cat help.txt; } >want.txt
		diff -u want.txt err.txt
	done
}

@test "cli: --version and -V print the tool and its version" {
	local t
	for t in $(tools); do
		run --separate-stderr "$t" --version
		assert_equal "$status" 0
		assert_equal "$stderr" ""
		assert_equal "$output" "$t 0.1.0"
		run --separate-stderr "$t" -V
		assert_equal "$output" "$t 0.1.0"
	done
	run cdp --version
	assert_output "cdp-ingest 0.1.0"
}

@test "cli: --help on a closed stdout fails" {
	run --separate-stderr bash -c 'exec cdp-export --help >/dev/full'
	assert_equal "$status" 1
	assert_equal "$stderr" "cdp-export: stdout: No space left on device"
}

# on_tty CMD: run CMD with a terminal as stdin, stdout and stderr; its
# terminal output in $output, control bytes shown by cat -v.
on_tty() {
	command -v script >/dev/null || skip "no script(1) here"
	run script -qec "$1" /dev/null
	output=$(printf '%s' "$output" | cat -v)
}

@test "cli: cdp-merge draws its progress on a terminal and erases it" {
	on_tty "cdp-merge -o clusters.csv $FIX/merge-pairs.ndjson"
	assert_equal "$status" 0
	assert_output '^Mcdp-merge: pairs read 1^[[K^M^[[Kcdp-merge: 4 pairs read, 3 kept, 1 below the threshold, 0 rejected; 6 records in 3 clusters, 0 links refused^M'
	cp clusters.csv tty.csv
	# Not a terminal: no progress at all, the same clusters.
	run --separate-stderr cdp-merge -o clusters.csv "$FIX/merge-pairs.ndjson"
	assert_equal "$status" 0
	assert_equal "$stderr" "cdp-merge: 4 pairs read, 3 kept, 1 below the threshold, 0 rejected; 6 records in 3 clusters, 0 links refused"
	cmp clusters.csv tty.csv
	# -q: none either, even on a terminal.
	on_tty "cdp-merge -q -o clusters.csv $FIX/merge-pairs.ndjson"
	assert_equal "$status" 0
	assert_output ""
}

@test "cli: cdp-run takes --help, -h and --version too" {
	run --separate-stderr cdp-run --help
	assert_equal "$status" 0
	assert_equal "$stderr" ""
	assert_output "usage: cdp-run [-v] [-c CONF]"
	run --separate-stderr cdp-run -h
	assert_equal "$status" 0
	assert_output "usage: cdp-run [-v] [-c CONF]"
	run --separate-stderr cdp-run --version
	assert_equal "$status" 0
	assert_output "cdp-run 0.1.0"
	run --separate-stderr cdp-run -x
	assert_equal "$status" 2
	assert_output ""
	[[ "$stderr" == *"usage: cdp-run [-v] [-c CONF]" ]]
}
