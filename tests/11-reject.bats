#!/usr/bin/env bats
# cdp-ingest: every class of bad input is rejected with file:line, the
# good records around it are stored, and the run goes on.

load test_helper
bats_require_minimum_version 1.5.0

@test "cdp-ingest: bad NDJSON lines are rejected with their line numbers" {
	run --separate-stderr cdp-ingest -s bad -i id -r rej.ndjson \
	    "$FIX/bad.ndjson"
	assert_equal "$status" 3
	output=$stderr expect <<-EOF
	cdp-ingest: $FIX/bad.ndjson:2: invalid JSON at column 20: premature EOF
	cdp-ingest: $FIX/bad.ndjson:3: top-level value is not an object
	cdp-ingest: $FIX/bad.ndjson:4: top-level value is not an object
	cdp-ingest: $FIX/bad.ndjson:6: trailing content after the object at column 14
	cdp-ingest: $FIX/bad.ndjson:7: invalid UTF-8 at column 23
	cdp-ingest: $FIX/bad.ndjson:8: NUL byte at column 21
	cdp-ingest: bad: 9 read, 3 inserted, 0 updated, 0 unchanged, 6 rejected
	EOF
	run q "SELECT record_id, email FROM record ORDER BY 1"
	expect <<-'EOF'
	g1|good1@example.com
	g2|good2@example.com
	g3|good3@example.com
	EOF
	run q "SELECT line, reason, length(raw) FROM reject ORDER BY line"
	expect <<-'EOF'
	2|invalid JSON at column 20: premature EOF|19
	3|top-level value is not an object|7
	4|top-level value is not an object|15
	6|trailing content after the object at column 14|20
	7|invalid UTF-8 at column 23|23
	8|NUL byte at column 21|24
	EOF
	run jq -c '[.line, .reason, .raw]' rej.ndjson
	expect <<-'EOF'
	[2,"invalid JSON at column 20: premature EOF","{\"id\":\"b1\",\"email\":"]
	[3,"top-level value is not an object","[1,2,3]"]
	[4,"top-level value is not an object","\"just a string\""]
	[6,"trailing content after the object at column 14","{\"id\":\"b2\"} trailing"]
	[7,"invalid UTF-8 at column 23","{\"id\":\"b3\",\"name\":\"caf�"]
	[8,"NUL byte at column 21","{\"id\":\"b4\",\"name\":\"a\u0000b\"}"]
	EOF
}

@test "cdp-ingest: bad CSV rows: column counts and an unterminated quote" {
	run --separate-stderr cdp-ingest -s bad -i id "$FIX/bad.csv"
	assert_equal "$status" 3
	output=$stderr expect <<-EOF
	cdp-ingest: $FIX/bad.csv:3: expected 3 fields, got 4
	cdp-ingest: $FIX/bad.csv:4: expected 3 fields, got 2
	cdp-ingest: $FIX/bad.csv:6: unterminated quoted field
	cdp-ingest: bad: 7 read, 4 inserted, 0 updated, 0 unchanged, 3 rejected
	EOF
	run q "SELECT record_id FROM record ORDER BY 1"
	expect <<-'EOF'
	1
	4
	6
	7
	EOF
}

@test "cdp-ingest: a malformed quote in a CSV row" {
	printf 'a,b,c\n1,"x"y,z\n2,ok,fine\n' >q.csv
	run --separate-stderr cdp-ingest -s q -i a q.csv
	assert_equal "$status" 3
	assert_equal "${stderr_lines[0]}" "cdp-ingest: q.csv:2: malformed quote"
	run q "SELECT record_id, raw FROM record"
	assert_output '2|{"a":"2","b":"ok","c":"fine"}'
}

@test "cdp-ingest: a 10 MB line is rejected, the next line stored" {
	{
		printf '{"id":"a","email":"a@x.fr"}\n{"id":"big","v":"'
		head -c 10485760 /dev/zero | tr '\0' x
		printf '"}\n{"id":"c","email":"c@x.fr"}\n'
	} >big.ndjson
	run --separate-stderr cdp-ingest -s big -i id big.ndjson
	assert_equal "$status" 3
	assert_equal "${stderr_lines[0]}" "cdp-ingest: big.ndjson:2: line longer than 4194304 bytes (10485780)"
	run q "SELECT group_concat(record_id) FROM record"
	assert_output "a,c"
	run q "SELECT line, raw IS NULL FROM reject"
	assert_output "2|1"
}

@test "cdp-ingest: a 10 MB CSV line is rejected, the next line stored" {
	{
		printf 'id,v\n1,one\n2,'
		head -c 10485760 /dev/zero | tr '\0' x
		printf '\n3,three\n'
	} >big.csv
	run --separate-stderr cdp-ingest -s big -i id big.csv
	assert_equal "$status" 3
	assert_equal "${#stderr_lines[@]}" 2
	[[ "${stderr_lines[0]}" == "cdp-ingest: big.csv:3: "*"longer than 4194304 bytes"* ]]
	run q "SELECT group_concat(record_id) FROM record"
	assert_output "1,3"
}

@test "cdp-ingest: nesting 10,000 deep is rejected without a crash" {
	{
		printf '{"id":"ok1"}\n{"id":"deep","v":'
		head -c 10000 /dev/zero | tr '\0' '['
		head -c 10000 /dev/zero | tr '\0' ']'
		printf '}\n{"id":"ok2"}\n'
	} >deep.ndjson
	run --separate-stderr cdp-ingest -s d -i id deep.ndjson
	assert_equal "$status" 3
	assert_equal "${stderr_lines[0]}" "cdp-ingest: deep.ndjson:2: nesting deeper than 64 levels"
	run q "SELECT group_concat(record_id) FROM record"
	assert_output "ok1,ok2"
}

@test "cdp-ingest: an empty file is one reject" {
	: >empty.csv
	: >empty.ndjson
	run --separate-stderr cdp-ingest -s e empty.csv empty.ndjson
	assert_equal "$status" 3
	output=$stderr expect <<-'EOF'
	cdp-ingest: empty.csv:1: empty file
	cdp-ingest: empty.ndjson:1: empty file
	cdp-ingest: e: 2 read, 0 inserted, 0 updated, 0 unchanged, 2 rejected
	EOF
	run q "SELECT file, line, reason FROM reject ORDER BY id"
	expect <<-'EOF'
	empty.csv|1|empty file
	empty.ndjson|1|empty file
	EOF
}

@test "cdp-ingest: a header-only CSV is no records and no reject" {
	printf 'id,email\n' >h.csv
	run cdp-ingest -s h h.csv
	assert_equal "$status" 0
	assert_output "cdp-ingest: h: 0 read, 0 inserted, 0 updated, 0 unchanged, 0 rejected"
}

@test "cdp-ingest: a binary file is rejected line by line, never crashes" {
	# A fixed pseudo-random binary file (no /dev/urandom: reproducible).
	awk 'BEGIN { srand(7); for (i = 0; i < 200000; i++)
	    printf "%c", int(rand() * 256) }' >bin.dat
	run --separate-stderr cdp-ingest -s b -f ndjson bin.dat
	assert_equal "$status" 3
	run q "SELECT count(*) = 0 FROM record"
	assert_output 1
	run q "SELECT count(*) > 100 FROM reject"
	assert_output 1
	run --separate-stderr cdp-ingest -s b2 -f csv bin.dat
	[ "$status" -eq 3 ] || [ "$status" -eq 0 ]
	run q "PRAGMA integrity_check"
	assert_output ok
}

@test "cdp-ingest: at most 100 diagnostics per file on stderr, all in the table" {
	for i in $(seq 1 150); do printf '[%d]\n' "$i"; done >many.ndjson
	run --separate-stderr cdp-ingest -s m many.ndjson
	assert_equal "$status" 3
	assert_equal "${#stderr_lines[@]}" 102
	assert_equal "${stderr_lines[100]}" "cdp-ingest: many.ndjson: more problems not shown (see the reject table, or -r)"
	run q "SELECT count(*) FROM reject"
	assert_output 150
}

@test "cdp-ingest: a missing id value is a reject" {
	printf '{"id":"1","e":"a@x.fr"}\n{"e":"b@x.fr"}\n{"id":"  ","e":"c@x.fr"}\n' >id.ndjson
	run --separate-stderr cdp-ingest -s i -i id id.ndjson
	assert_equal "$status" 3
	output=$stderr expect <<-'EOF'
	cdp-ingest: id.ndjson:2: no record id in id
	cdp-ingest: id.ndjson:3: empty record id in id
	cdp-ingest: i: 3 read, 1 inserted, 0 updated, 0 unchanged, 2 rejected
	EOF
}

@test "cdp-ingest: an id field absent from the CSV header fails that file" {
	printf 'a,b\n1,2\n' >x.csv
	printf 'id,b\n1,2\n' >y.csv
	run --separate-stderr cdp-ingest -s x -i id x.csv y.csv
	assert_equal "$status" 1
	assert_equal "${stderr_lines[0]}" 'cdp-ingest: x.csv: no id field "id" in the header'
	run q "SELECT record_id FROM record"
	assert_output 1
}

@test "cdp-ingest 2>&-: diagnostics never land in the rejects file" {
	run -3 sh -c 'cdp-ingest -s bad -i id -r rej.ndjson "$FIX/bad.ndjson" 2>&-'
	assert_output ""
	# Six rejected records, each one JSON object: no diagnostic lines.
	run -0 grep -c . rej.ndjson
	assert_output 6
	run -0 grep -c '^{' rej.ndjson
	assert_output 6
	run -1 grep -c 'cdp-ingest:' rej.ndjson
	assert_output 0
}

@test "cdp tools refuse a file that is not a cdp store, and leave it as it was" {
	: >empty.db
	sqlite3 foreign.db "CREATE TABLE t (x); INSERT INTO t VALUES (1)"
	cp foreign.db foreign.orig
	run --separate-stderr cdp-export -d empty.db members
	assert_equal "$status" 1
	assert_equal "$stderr" "cdp-export: empty.db: not a cdp database: empty (cdp-ingest creates one)"
	[ ! -s empty.db ]
	for c in "cdp-export members" "cdp-segment list" "cdp-status -f table" \
	    "cdp-privacy access x@example.fr" "cdp-score -q" "cdp-merge -q" \
	    "cdp-ingest -s x -i id /dev/null"; do
		# shellcheck disable=SC2086
		run --separate-stderr ${c%% *} -d foreign.db ${c#* } </dev/null
		assert_equal "$status" 1
		assert_equal "$stderr" "${c%% *}: foreign.db: not a cdp database: another program's SQLite file"
	done
	cmp foreign.db foreign.orig
	[ ! -e foreign.db-wal ]
}

@test "cdp-ingest: a rejected line read again is stored once" {
	# Read whole twice, then cut short (as an interrupted run leaves
	# it) and read whole: each bad line is one reject row, whose run is
	# the last that read it.
	cdp-ingest -q -s bad -i id "$FIX/bad.ndjson" || true
	cdp-ingest -q -s bad -i id "$FIX/bad.ndjson" || true
	head -n 3 "$FIX/bad.ndjson" >part.ndjson
	cdp-ingest -q -s bad -i id part.ndjson || true
	run -0 q "SELECT count(*), count(DISTINCT key) FROM reject"
	assert_output "6|6"
	cp "$FIX/bad.ndjson" again.ndjson
	run -3 cdp-ingest -q -s bad -i id again.ndjson
	run -0 q "SELECT line, file = 'again.ndjson', run FROM reject
	    ORDER BY line"
	expect <<-'EOF'
	2|1|4
	3|1|4
	4|1|4
	6|1|4
	7|1|4
	8|1|4
	EOF
	# Another source's same line is its own reject; so is a line that
	# moved (a line of another file).
	run -3 cdp-ingest -q -s other -i id "$FIX/bad.ndjson"
	{ echo '{"id":"x1"}'; cat "$FIX/bad.ndjson"; } >shifted.ndjson
	run -3 cdp-ingest -q -s bad -i id shifted.ndjson
	run -0 q "SELECT s.name, count(*) FROM reject j JOIN source s
	    ON s.id = j.source_id GROUP BY s.name ORDER BY s.name"
	expect <<-'EOF'
	bad|12
	other|6
	EOF
}
