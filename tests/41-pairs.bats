#!/usr/bin/env bats
# The pair stream between cdp-match and cdp-merge (cdp-pairs(5)): its
# trailer, cdp-merge's refusal of a stream that is not complete (missing
# trailer, cut, count mismatch, lines after it, a failed match), one
# threshold, and the watermark: records that arrive between the match and
# the merge stay pending and the next run gives an uninterrupted run's
# profiles.

load test_helper
bats_require_minimum_version 1.5.0

# people: two sources whose records share emails (identifier links);
# web2.csv comes later: W4 is A3's, W5 is W3's, W6 is new.
people() {
	cat >crm.csv <<-'EOF'
	id,first_name,last_name,email
	A1,Jean,Dupont,jean@mail.test
	A2,Marie,Curie,marie@mail.test
	A3,Paul,Martin,paul@mail.test
	EOF
	cat >web.csv <<-'EOF'
	id,first_name,last_name,email
	W1,Jean,Dupont,jean@mail.test
	W2,Marie,Curie,marie@mail.test
	W3,Luc,Petit,luc@mail.test
	EOF
	cat >web2.csv <<-'EOF'
	id,first_name,last_name,email
	W4,Paul,Martin,paul@mail.test
	W5,Luc,Petit,luc@mail.test
	W6,Anne,Roux,anne@mail.test
	EOF
}

ingest() {
	cdp-ingest -q -s crm -i id "$@" crm.csv
	cdp-ingest -q -s web -i id "$@" web.csv
}

# partition: the profiles as their sorted record keys, one a line.
partition() {
	sqlite3 -batch "${1:-$CDP_DB}" "SELECT group_concat(k, ' ') FROM
	    (SELECT m.profile AS p, s.name || ':' || r.record_id AS k
	     FROM member m JOIN record r ON r.id = m.record
	     JOIN source s ON s.id = r.source_id ORDER BY p, k)
	    GROUP BY p ORDER BY 1"
}

# pending: the records no profile holds yet, or changed since.
pending() {
	q "SELECT s.name || ':' || r.record_id FROM record r
	    JOIN source s ON s.id = r.source_id
	    LEFT JOIN member m ON m.record = r.id
	    WHERE m.record IS NULL OR r.run > m.run ORDER BY r.id"
}

# unchanged: the identity tables are still empty.
unchanged() {
	run q "SELECT (SELECT count(*) FROM member), (SELECT count(*) FROM
	    profile), (SELECT count(*) FROM link), (SELECT count(*) FROM
	    merge_log)"
	assert_output "0|0|0|0"
}

@test "cdp-pairs: cdp-match ends with its trailer; cdp-merge applies it" {
	people
	ingest
	run --separate-stderr cdp-match
	assert_equal "$status" 0
	printf '%s\n' "$output" >p.nd
	assert_equal "${#lines[@]}" 3
	assert_equal "${lines[2]}" '{"trailer":"cdp-match","run":3,"pairs":2,"threshold":0.5,"threshold_from":"config","watermark":6,"watermark_run":2,"status":"ok"}'
	run --separate-stderr cdp-merge -v p.nd
	assert_equal "$status" 0
	assert_equal "${stderr_lines[0]}" "cdp-merge: p.nd: threshold 0.5, from the pairs' trailer"
	assert_equal "${stderr_lines[1]}" "cdp-merge: pairs of cdp-match run 3: records up to rowid 6 (run 2) resolved"
	assert_equal "${stderr_lines[3]}" "cdp-merge: 2 pairs read, 2 kept, 0 below the threshold, 0 rejected; 4 profiles created, 0 merged, 0 records added, 0 refused"
	run partition
	expect <<-'EOF'
	crm:A1 web:W1
	crm:A2 web:W2
	crm:A3
	web:W3
	EOF
	run q "SELECT value FROM state WHERE key = 'cdp-merge.applied'"
	assert_output 4
}

@test "cdp-pairs: ': | cdp-merge' changes nothing, fails, and cdp-status shows the records pending" {
	people
	ingest
	run --separate-stderr cdp-merge </dev/null
	assert_equal "$status" 1
	output=$stderr expect <<-'EOF'
	cdp-merge: stdin: no trailer: the pair stream is incomplete (cdp-match failed, was killed or cut short)
	cdp-merge: input refused: nothing changed
	EOF
	unchanged
	run q "SELECT tool, outcome, message FROM run WHERE id = 3"
	assert_output "cdp-merge|failed|stdin: no trailer: the pair stream is incomplete (cdp-match failed, was killed or cut short)"
	run pending
	assert_equal "${#lines[@]}" 6
	run cdp-status -f ndjson
	assert_equal "$status" 4
	run jq -r 'select(.record == "anomaly") | "\(.kind) \(.run) \(.evidence | sub("at [-0-9]+T[0-9:]+Z"; "at T"))"' <<<"$output"
	expect <<-'EOF'
	failed 3 cdp-merge failed at T: stdin: no trailer: the pair stream is incomplete (cdp-match failed, was killed or cut short)
	identity 3 cdp-merge failed at T, after the last complete cdp-match | cdp-merge: 6 records wait for identity resolution
	EOF
	# -q keeps the errors, drops the summary.
	run --separate-stderr cdp-merge -q </dev/null
	assert_equal "$status" 1
	assert_equal "$stderr" "cdp-merge: stdin: no trailer: the pair stream is incomplete (cdp-match failed, was killed or cut short)"
	# A complete run repairs it all.
	cdp-match -q | cdp-merge -q
	run pending
	assert_output ""
	run cdp-status
	assert_equal "$status" 0
	assert_equal "${lines[-1]}" "no anomalies"
	# A split afterwards is no pair stream, but no failure either.
	cdp-merge -q split web:W1
	run cdp-status
	assert_equal "$status" 0
}

@test "cdp-pairs: a configuration error of cdp-match piped into cdp-merge changes nothing" {
	people
	ingest
	run --separate-stderr bash -c 'cdp-match -C nosuch.conf | cdp-merge; echo "${PIPESTATUS[*]}"'
	assert_output "2 1"
	output=$stderr expect <<-'EOF'
	cdp-match: nosuch.conf: No such file or directory
	cdp-merge: stdin: no trailer: the pair stream is incomplete (cdp-match failed, was killed or cut short)
	cdp-merge: input refused: nothing changed
	EOF
	unchanged
	run cdp-status
	assert_equal "$status" 4
	# The next complete run gives what a run without the failure gives.
	cdp-match -q | cdp-merge -q
	run partition
	expect <<-'EOF'
	crm:A1 web:W1
	crm:A2 web:W2
	crm:A3
	web:W3
	EOF
}

@test "cdp-pairs: a stream cut anywhere (cdp-match killed) is refused" {
	people
	ingest
	cdp-match -q >full.nd
	size=$(wc -c <full.nd)
	tlen=$(tail -1 full.nd | wc -c)
	# Every cut before the trailer's last byte, at every 7th byte and
	# at each line's end.
	cuts=$(seq 0 7 $((size - 2)); awk '{ n += length($0) + 1; print n }' full.nd | sed '$d')
	for n in $cuts; do
		head -c "$n" full.nd >cut.nd
		run cdp-merge -q cut.nd
		[ "$status" -eq 1 ] || { echo "cut at $n: exit $status"; return 1; }
		[[ ${lines[-1]} == "cdp-merge: cut.nd"*"stream is incomplete"* ]] ||
		    { echo "cut at $n: $output"; return 1; }
	done
	unchanged
	run q "SELECT count(*), count(*) FILTER (WHERE outcome = 'failed')
	    FROM run WHERE tool = 'cdp-merge'"
	assert_output "$(echo $cuts | wc -w)|$(echo $cuts | wc -w)"
	# Cut inside the trailer: the line is bad and there is no trailer.
	head -c $((size - tlen + 10)) full.nd >cut.nd
	run --separate-stderr cdp-merge cut.nd
	assert_equal "$status" 1
	output=$stderr expect <<-'EOF'
	cdp-merge: cut.nd:3: invalid JSON at column 11: premature EOF
	cdp-merge: cut.nd: no trailer: the pair stream is incomplete (cdp-match failed, was killed or cut short)
	cdp-merge: input refused: nothing changed
	EOF
	# A line lost before the trailer: the count says so.
	sed 1d full.nd >lost.nd
	run --separate-stderr cdp-merge -q lost.nd
	assert_equal "$status" 1
	assert_equal "$stderr" "cdp-merge: lost.nd:2: the trailer counts 2 pairs, 1 line came before it: the stream is incomplete"
	unchanged
	# cdp-match's pairs cut before their trailer: -P takes them, and says
	# what that does.
	sed '$d' full.nd >cut.nd
	cp "$CDP_DB" before.db
	run --separate-stderr cdp-merge -q -P cut.nd
	assert_equal "$status" 0
	assert_equal "$stderr" "cdp-merge: cut.nd: no trailer, taken as complete (-P): if these pairs are cdp-match's cut short, the records it did not reach are resolved alone (cdp-match -a | cdp-merge -a repairs it)"
	cp before.db "$CDP_DB"
	rm -f "$CDP_DB-wal" "$CDP_DB-shm"
	# Only the final newline missing: the stream is whole.
	head -c $((size - 1)) full.nd >whole.nd
	run cdp-merge -q whole.nd
	assert_equal "$status" 0
}

@test "cdp-pairs: cdp-match killed mid-stream changes nothing; cdp-status says so until a complete run" {
	# Enough pairs (about 1 MB) that the match is killed writing them.
	awk 'BEGIN { print "id,first_name,email"
	    for (i = 1; i <= 9000; i++) printf "r%d,F%d,p%d@mail.test\n", i, i % 1500, i % 1500 }' >many.csv
	cdp-ingest -q -s many -i id many.csv
	run bash -c 'cdp-match -q 2>err | head -c 20000 >p.nd; echo "${PIPESTATUS[0]}"'
	# The reader gone: said, exit 1, the run failed (not left running).
	assert_output 1
	run -0 cat err
	assert_output "cdp-match: stdout: reader closed the pipe"
	run --separate-stderr cdp-merge -q p.nd
	assert_equal "$status" 1
	[[ ${stderr_lines[-1]} == "cdp-merge: p.nd: no trailer: the pair stream is incomplete (cdp-match failed, was killed or cut short)" ]]
	unchanged
	run cdp-status -f ndjson
	assert_equal "$status" 4
	run jq -r 'select(.kind == "identity") | "\(.run) \(.evidence | split(" ")[0]) \(.evidence | sub(".*: "; ""))"' <<<"$output"
	assert_output "3 cdp-merge 9000 records wait for identity resolution"
	run q "SELECT tool, outcome <> 'ok' FROM run WHERE id = 2"
	assert_output "cdp-match|1"
	cdp-match -q | cdp-merge -q
	run q "SELECT count(DISTINCT profile), count(*) FROM member"
	assert_output "1500|9000"
	run cdp-status
	assert_equal "$status" 0
}

@test "cdp-pairs: lines after the trailer, a failed match, a foreign run, a bad trailer: refused" {
	people
	ingest
	cdp-match -q >full.nd
	cat full.nd full.nd >twice.nd
	run --separate-stderr cdp-merge -q twice.nd
	assert_equal "$status" 1
	assert_equal "$stderr" "cdp-merge: twice.nd:4: a line after the trailer"
	{ cat full.nd; echo garbage; } >garbage.nd
	run --separate-stderr cdp-merge -q garbage.nd
	assert_equal "$stderr" "cdp-merge: garbage.nd:4: a line after the trailer"
	# Blank lines after it are no content.
	{ cat full.nd; printf '\n  \n'; } >blank.nd
	sed 's/"status":"ok"/"status":"failed"/' full.nd >failed.nd
	run --separate-stderr cdp-merge -q failed.nd
	assert_equal "$status" 1
	assert_equal "$stderr" "cdp-merge: failed.nd:3: cdp-match failed: its pairs are not applied"
	sed 's/"run":3,/"run":99,/' full.nd >foreign.nd
	run --separate-stderr cdp-merge -q foreign.nd
	assert_equal "$status" 1
	assert_equal "$stderr" "cdp-merge: foreign.nd:3: the pairs are not of this database: no cdp-match run 99 here"
	sed 's/"pairs":2,/"pairs":"2",/' full.nd >bad.nd
	run --separate-stderr cdp-merge -q bad.nd
	assert_equal "$status" 1
	output=$stderr expect <<-'EOF'
	cdp-merge: bad.nd:3: trailer: pairs is not a count
	cdp-merge: bad.nd: no trailer: the pair stream is incomplete (cdp-match failed, was killed or cut short)
	EOF
	unchanged
	run q "SELECT count(*) FROM run WHERE tool = 'cdp-merge' AND outcome <> 'failed'"
	assert_output 0
	run cdp-merge -q blank.nd
	assert_equal "$status" 0
}

@test "cdp-pairs: several inputs each need their trailer; -P takes hand-made pairs" {
	people
	ingest
	cdp-match -q >full.nd
	printf '{"a":{"source":"crm","record_id":"A3"},"b":{"source":"web","record_id":"W3"},"prob":0.9,"rule":"hand"}\n' >hand.nd
	run --separate-stderr cdp-merge -q full.nd hand.nd
	assert_equal "$status" 1
	assert_equal "$stderr" "cdp-merge: hand.nd: no trailer: the pair stream is incomplete (cdp-match failed, was killed or cut short)"
	unchanged
	# -P: an input may lack its trailer; those that have one are checked.
	sed 1d full.nd >lost.nd
	run --separate-stderr cdp-merge -q -P hand.nd lost.nd
	assert_equal "$status" 1
	assert_equal "$stderr" "cdp-merge: lost.nd:2: the trailer counts 2 pairs, 1 line came before it: the stream is incomplete"
	unchanged
	# cdp-match's pairs cut before their trailer: -P takes them, and says
	# what that does.
	sed '$d' full.nd >cut.nd
	cp "$CDP_DB" before.db
	run --separate-stderr cdp-merge -q -P cut.nd
	assert_equal "$status" 0
	assert_equal "$stderr" "cdp-merge: cut.nd: no trailer, taken as complete (-P): if these pairs are cdp-match's cut short, the records it did not reach are resolved alone (cdp-match -a | cdp-merge -a repairs it)"
	cp before.db "$CDP_DB"
	rm -f "$CDP_DB-wal" "$CDP_DB-shm"
	run --separate-stderr cdp-merge -v -P full.nd hand.nd
	assert_equal "$status" 0
	assert_equal "${stderr_lines[0]}" "cdp-merge: full.nd: threshold 0.5, from the pairs' trailer"
	assert_equal "${stderr_lines[1]}" "cdp-merge: hand.nd: threshold 0.5, from the default (no trailer)"
	run partition
	expect <<-'EOF'
	crm:A1 web:W1
	crm:A2 web:W2
	crm:A3 web:W3
	EOF
}

@test "cdp-pairs: records ingested between cdp-match and cdp-merge stay pending; the next run equals a sequential one" {
	people
	# The reference: each run completes before the next ingest.
	ingest
	cdp-match -q | cdp-merge -q
	cdp-ingest -q -s web -i id web2.csv
	cdp-match -q | cdp-merge -q
	partition >sequential
	run cat sequential
	expect <<-'EOF'
	crm:A1 web:W1
	crm:A2 web:W2
	crm:A3 web:W4
	web:W3 web:W5
	web:W6
	EOF
	# The same with web2.csv arriving after cdp-match read the store.
	export CDP_DB=$BATS_TEST_TMPDIR/late.db
	ingest
	cdp-match -q >p.nd
	cdp-ingest -q -s web -i id web2.csv
	run --separate-stderr cdp-merge -v p.nd
	assert_equal "$status" 0
	assert_equal "${stderr_lines[1]}" "cdp-merge: pairs of cdp-match run 3: records up to rowid 6 (run 2) resolved"
	run pending
	expect <<-'EOF'
	web:W4
	web:W5
	web:W6
	EOF
	run cdp-status
	assert_equal "$status" 0
	cdp-match -q | cdp-merge -q
	run pending
	assert_output ""
	partition >late
	diff -u sequential late
	# A record changed in place after the match read it keeps its
	# rowid, but its run is past the watermark: pending too.
	cdp-match -q >p2.nd
	sed 's/W3,Luc,Petit,luc@mail.test/W3,Luc,Petit,jean@mail.test/' web.csv >web3.csv
	cdp-ingest -q -s web -i id web3.csv
	cdp-merge -q p2.nd
	run pending
	assert_output "web:W3"
	cdp-match -q | cdp-merge -q
	run pending
	assert_output ""
}

@test "cdp-pairs: a match of an empty store resolves none of the records ingested after it" {
	people
	printf 'id\n' >empty.csv
	cdp-ingest -q -s crm -i id empty.csv
	cdp-match -q >p.nd
	run cat p.nd
	assert_output '{"trailer":"cdp-match","run":2,"pairs":0,"threshold":0.5,"threshold_from":"config","watermark":0,"watermark_run":0,"status":"ok"}'
	ingest
	run --separate-stderr cdp-merge p.nd
	assert_equal "$status" 0
	assert_equal "$stderr" "cdp-merge: 0 pairs read, 0 kept, 0 below the threshold, 0 rejected; 0 profiles created, 0 merged, 0 records added, 0 refused"
	run pending
	assert_equal "${#lines[@]}" 6
	cdp-match -q | cdp-merge -q
	run partition
	expect <<-'EOF'
	crm:A1 web:W1
	crm:A2 web:W2
	crm:A3
	web:W3
	EOF
}

@test "cdp-pairs: one threshold: the stream's, unless a higher -t; a lower -t is told" {
	cat >q.nd <<-'EOF'
	{"a":{"source":"x","record_id":"1"},"b":{"source":"x","record_id":"2"},"prob":0.4,"rule":"fs"}
	{"a":{"source":"x","record_id":"3"},"b":{"source":"x","record_id":"4"},"prob":0.9,"rule":"fs"}
	{"trailer":"cdp-match","run":null,"pairs":2,"threshold":0.3,"threshold_from":"option","watermark":null,"watermark_run":null,"status":"ok"}
	EOF
	run --separate-stderr cdp-merge -v -o - q.nd
	assert_equal "$status" 0
	assert_equal "${stderr_lines[0]}" "cdp-merge: q.nd: threshold 0.3, from the pairs' trailer"
	assert_equal "${stderr_lines[1]}" "cdp-merge: 2 pairs read, 2 kept, 0 below the threshold, 0 rejected; 4 records in 2 clusters, 0 links refused"
	expect <<-'EOF'
	cluster_id,source,record_id
	1,x,1
	1,x,2
	3,x,3
	3,x,4
	EOF
	run --separate-stderr cdp-merge -v -t 0.6 -o - q.nd
	assert_equal "${stderr_lines[0]}" "cdp-merge: q.nd: threshold 0.6, from -t"
	assert_equal "${stderr_lines[1]}" "cdp-merge: 2 pairs read, 1 kept, 1 below the threshold, 0 rejected; 4 records in 3 clusters, 0 links refused"
	run --separate-stderr cdp-merge -t 0.2 -o - q.nd
	assert_equal "$status" 0
	assert_equal "${stderr_lines[0]}" "cdp-merge: q.nd: -t 0.2 is below the threshold cdp-match used, 0.3: pairs below 0.3 were never written"
	assert_equal "${stderr_lines[1]}" "cdp-merge: 2 pairs read, 2 kept, 0 below the threshold, 0 rejected; 4 records in 2 clusters, 0 links refused"
	# Hand-made, without the trailer: -t, else 0.5.
	sed '$d' q.nd >h.nd
	run --separate-stderr cdp-merge -P -v -o - h.nd
	assert_equal "${stderr_lines[0]}" "cdp-merge: h.nd: threshold 0.5, from the default (no trailer)"
	assert_equal "${stderr_lines[1]}" "cdp-merge: 2 pairs read, 1 kept, 1 below the threshold, 0 rejected; 4 records in 3 clusters, 0 links refused"
	run --separate-stderr cdp-merge -P -v -t 0.3 -o - h.nd
	assert_equal "${stderr_lines[0]}" "cdp-merge: h.nd: threshold 0.3, from -t"
	assert_equal "${stderr_lines[1]}" "cdp-merge: 2 pairs read, 2 kept, 0 below the threshold, 0 rejected; 4 records in 2 clusters, 0 links refused"
	# The pipeline: each tool names its threshold and where it came from.
	people
	run --separate-stderr bash -c 'cdp-match -v -t 0.3 -i id crm.csv web.csv 2>match.err | cdp-merge -v -t 0.2 -o - 2>merge.err'
	assert_equal "$status" 0
	assert_equal "$(head -1 match.err)" "cdp-match: threshold 0.3, from -t"
	assert_equal "$(head -2 merge.err)" "cdp-merge: stdin: -t 0.2 is below the threshold cdp-match used, 0.3: pairs below 0.3 were never written
cdp-merge: stdin: threshold 0.3, from the pairs' trailer"
}

@test "cdp-pairs: cdp-run: a failing match fails the night visibly and changes no profile" {
	people
	mkdir -p spool/crm/incoming
	cp crm.csv spool/crm/incoming/
	printf '@id id\n' >spool/crm/crm.map
	cat >run.conf <<-EOF
	spool	$BATS_TEST_TMPDIR/spool
	log	$BATS_TEST_TMPDIR/log
	match	-C $BATS_TEST_TMPDIR/typo.conf
	EOF
	run --separate-stderr cdp-run -c run.conf
	assert_equal "$status" 1
	output=$stderr expect <<-EOF
	cdp-run: match: failed (exit 2): identities not updated, records left pending; see $(ls "$BATS_TEST_TMPDIR"/log/cdp-run-*.log)
	cdp-run: merge: failed (exit 1); see $(ls "$BATS_TEST_TMPDIR"/log/cdp-run-*.log)
	EOF
	unchanged
	run pending
	assert_equal "${#lines[@]}" 3
	run cdp-status
	assert_equal "$status" 4
	# Fixed, the next night resolves them.
	printf 'threshold 0.5\n' >typo.conf
	run cdp-run -c run.conf
	assert_equal "$status" 0
	run pending
	assert_output ""
	run cdp-status
	assert_equal "$status" 0
}

@test "cdp-pairs: ingests and cdp-match | cdp-merge at once, rounds after rounds, end as a sequential run" {
	# 8 batches of 1500 records of 400 people (an email and a name
	# each), every person in most batches.
	for b in 1 2 3 4 5 6 7 8; do
		awk -v b="$b" 'BEGIN { print "id,first_name,email"
		    for (i = 1; i <= 1500; i++) { p = (i * 7 + b * 13) % 400
		        printf "b%d-%d,F%d,p%d@mail.test\n", b, i, p, p } }' >"b$b.csv"
	done
	export CDP_DB=$BATS_TEST_TMPDIR/seq.db
	for b in 1 2 3 4 5 6 7 8; do
		cdp-ingest -q -s "s$b" -i id "b$b.csv"
		cdp-match -q | cdp-merge -q
	done
	partition >sequential
	[ "$(wc -l <sequential)" -eq 400 ]
	export CDP_DB=$BATS_TEST_TMPDIR/par.db
	( for b in 1 2 3 4 5 6 7 8; do
		cdp-ingest -q -s "s$b" -i id "b$b.csv" || exit 1
		sleep 0.5
	done ) &
	pid=$!
	rounds=0
	while kill -0 "$pid" 2>/dev/null; do
		# (The first may find no store yet: it then changes nothing.)
		cdp-match -q 2>/dev/null | cdp-merge -q 2>/dev/null || :
		rounds=$((rounds + 1))
	done
	wait "$pid"
	cdp-match -q | cdp-merge -q
	echo "# $rounds rounds during the ingests" >&3
	run pending
	assert_output ""
	partition >parallel
	diff -u sequential parallel
}
