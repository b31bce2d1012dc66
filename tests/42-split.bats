#!/usr/bin/env bats
# cdp-merge split and unsplit: a record taken out of its profile leaves
# the others together (a hub too), and unsplit puts back what split took:
# its links, without the never-links and bridges it added.  Refusals of
# later runs go to the merge log and the summary, quietly with -q.

load test_helper
bats_require_minimum_version 1.5.0

# star: x:H is the hub of x:A, x:B and x:C, each linked to it alone;
# x:D stands apart.
star() {
	printf 'id,first_name,email\nH,Hub,h@mail.test\nA,Ann,a@mail.test\nB,Bob,b@mail.test\nC,Cid,c@mail.test\nD,Dan,d@mail.test\n' >x.csv
	cdp-ingest -q -s x -i id x.csv
	pairs A:0.9 B:0.8 C:0.95 >star.nd
	cdp-merge -q star.nd
}

# pairs OTHER:PROB...: pairs of x:H with each, then their trailer.
pairs() {
	local p
	for p in "$@"; do
		printf '{"a":{"source":"x","record_id":"H"},"b":{"source":"x","record_id":"%s"},"prob":%s,"rule":"fs","evidence":[{"field":"first_name","a":"hub","b":"x","level":"else","weight":-1}]}\n' \
		    "${p%%:*}" "${p#*:}"
	done
	printf '{"trailer":"cdp-match","run":null,"pairs":%d,"threshold":0.5,"threshold_from":"config","watermark":null,"watermark_run":null,"status":"ok"}\n' $#
}

# partition: profile id and its sorted records, one profile a line.
partition() {
	q "SELECT p, group_concat(k, ' ') FROM (SELECT m.profile AS p,
	    r.record_id AS k FROM member m JOIN record r ON r.id = m.record
	    ORDER BY p, k) GROUP BY p ORDER BY p"
}

links() {
	q "SELECT a, b, rule, prob, weight, evidence FROM link ORDER BY a, b"
}

@test "cdp-merge split: a hub taken out leaves its profile whole; unsplit puts it back" {
	star
	run partition
	expect <<-'EOF'
	1|A B C H
	2|D
	EOF
	links >before
	run --separate-stderr cdp-merge split x:H
	assert_equal "$status" 0
	assert_equal "$stderr" "cdp-merge: record 1 split off profile 1 into profile 3; 2 bridge links keep the rest together"
	run partition
	expect <<-'EOF'
	1|A B C
	2|D
	3|H
	EOF
	# Bridges from the part of the oldest record (A) to each other
	# part, as strong as the weaker link through H.
	run q "SELECT a, b, rule, prob FROM link ORDER BY a, b"
	expect <<-'EOF'
	2|3|bridge:1|0.8
	2|4|bridge:1|0.9
	EOF
	run q "SELECT a, b FROM never_link ORDER BY a, b"
	expect <<-'EOF'
	1|2
	1|3
	1|4
	EOF
	run q "SELECT nrecords FROM profile ORDER BY id"
	expect <<-'EOF'
	3
	1
	1
	EOF
	run --separate-stderr cdp-merge unsplit x:H
	assert_equal "$status" 0
	assert_equal "$stderr" "cdp-merge: split of record 1 undone: it is in profile 1"
	run partition
	expect <<-'EOF'
	1|A B C H
	2|D
	EOF
	links >after
	diff -u before after
	run q "SELECT count(*) FROM never_link"
	assert_output 0
	run q "SELECT id, nrecords FROM profile ORDER BY id"
	expect <<-'EOF'
	1|4
	2|1
	EOF
	run q "SELECT run, action, profile, other, record, reason, evidence
	    FROM merge_log WHERE action = 'unsplit'"
	assert_output "4|unsplit|1|3|1|split of record 1 undone by request|{\"undoes\":3}"
	run q "SELECT action FROM merge_log WHERE id = 3"
	assert_output split
	# Nothing more to undo: refused before any run is logged.
	run --separate-stderr cdp-merge unsplit x:H
	assert_equal "$status" 1
	assert_equal "$stderr" "cdp-merge: no split of record 1 to undo"
	run q "SELECT count(*), count(*) FILTER (WHERE outcome = 'ok') FROM run
	    WHERE tool = 'cdp-merge'"
	assert_output "3|3"
	# Split again, undo again.
	cdp-merge -q split x:H
	cdp-merge -q unsplit x:H
	run partition
	expect <<-'EOF'
	1|A B C H
	2|D
	EOF
	links >again
	diff -u before again
}

@test "cdp-merge split: a leaf leaves without bridges; never-links hold against later pairs, quietly with -q" {
	star
	run --separate-stderr cdp-merge split x:A
	assert_equal "$stderr" "cdp-merge: record 2 split off profile 1 into profile 3"
	run partition
	expect <<-'EOF'
	1|B C H
	2|D
	3|A
	EOF
	# A later run meets A and H again: refused, logged once, counted.
	pairs A:0.9 >again.nd
	run --separate-stderr cdp-merge again.nd
	assert_equal "$status" 0
	output=$stderr expect <<-'EOF'
	cdp-merge: link record 1 -- record 2 refused: never-link between record 1 and record 2 (profiles 1 and 3)
	cdp-merge: 1 pairs read, 1 kept, 0 below the threshold, 0 rejected; 0 profiles created, 0 merged, 0 records added, 1 refused
	EOF
	run --separate-stderr cdp-merge -q again.nd
	assert_equal "$status" 0
	assert_equal "$stderr" ""
	run q "SELECT action, profile, other, reason FROM merge_log
	    WHERE action = 'refuse'"
	assert_output "refuse|1|3|link record 1 -- record 2 refused: never-link between record 1 and record 2"
	run q "SELECT warnings FROM run WHERE tool = 'cdp-merge' ORDER BY id DESC LIMIT 2"
	expect <<-'EOF'
	1
	1
	EOF
	run partition
	expect <<-'EOF'
	1|B C H
	2|D
	3|A
	EOF
}

@test "cdp-merge unsplit: profiles joined since are merged back, the oldest id kept" {
	star
	cdp-merge -q split x:H
	# H's new profile takes D in.
	printf '{"a":{"source":"x","record_id":"H"},"b":{"source":"x","record_id":"D"},"prob":0.99,"rule":"fs"}\n' |
	    cdp-merge -q -P
	run partition
	expect <<-'EOF'
	1|A B C
	2|D H
	EOF
	run --separate-stderr cdp-merge unsplit x:H
	assert_equal "$status" 0
	assert_equal "$stderr" "cdp-merge: split of record 1 undone: it is in profile 1"
	run partition
	expect <<-'EOF'
	1|A B C D H
	EOF
	run q "SELECT count(*) FROM profile"
	assert_output 1
	run q "SELECT a, b, rule FROM link ORDER BY a, b"
	expect <<-'EOF'
	1|2|fs
	1|3|fs
	1|4|fs
	1|5|fs
	EOF
}

@test "cdp-merge unsplit: a never-link declared since still holds" {
	star
	cdp-merge -q split x:H
	# A and C, kept together by bridges, are told apart.
	cdp-merge -q never x:A x:C
	run partition
	expect <<-'EOF'
	1|A B
	2|D
	3|H
	4|C
	EOF
	run --separate-stderr cdp-merge unsplit x:H
	assert_equal "$status" 0
	# H's links come back; the weakest on the path from A to C goes.
	run partition
	expect <<-'EOF'
	1|B C H
	2|D
	5|A
	EOF
	run q "SELECT a, b FROM never_link ORDER BY a, b"
	assert_output "2|4"
	run q "SELECT a, b, rule, prob FROM link ORDER BY a, b"
	expect <<-'EOF'
	1|3|fs|0.8
	1|4|fs|0.95
	EOF
}

@test "cdp-merge split and unsplit: usage" {
	star
	run cdp-merge unsplit
	assert_equal "$status" 2
	run cdp-merge unsplit x:H x:A
	assert_equal "$status" 2
	run --separate-stderr cdp-merge unsplit x:Z
	assert_equal "$status" 1
	assert_equal "$stderr" "cdp-merge: no record x:Z"
	run --separate-stderr cdp-merge unsplit x:D
	assert_equal "$status" 1
	assert_equal "$stderr" "cdp-merge: no split of record 5 to undo"
	# never's own re-clustering is no split to undo.
	cdp-merge -q never x:H x:A
	run --separate-stderr cdp-merge unsplit x:A
	assert_equal "$stderr" "cdp-merge: no split of record 2 to undo"
}
