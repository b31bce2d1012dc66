#!/usr/bin/env bats
# cdp-segment: define, list, eval, members, changes, drop; enter and exit
# deltas over successive evaluations; segments on scores and on other
# segments; cycles; errors with positions; injection attempts.

load test_helper
bats_require_minimum_version 1.5.0

# The fixture of 50-score.bats: customer cN is profile N; profile 8 has
# no record.
fixture() {
	cdp-ingest -q -s shop -i id -m event_type=type -m ts=ts \
	    -m customer_id=customer_id -m amount=amount \
	    "$FIX/score-shop.csv"
	cdp-ingest -q -s web -i id -m event_type=type -m ts=ts \
	    -m customer_id=customer_id "$FIX/score-web.csv"
	q "INSERT INTO profile(id, created_run, updated_run, nrecords,
	    customer_id, city) SELECT CAST(ltrim(customer_id, 'c') AS INTEGER),
	    1, 1, count(*), customer_id, CASE WHEN customer_id IN ('c1', 'c2')
	    THEN 'Paris' ELSE 'Lyon' END FROM record GROUP BY customer_id;
	  INSERT INTO profile(id, created_run, updated_run) VALUES (8, 1, 1);
	  INSERT INTO member(record, profile, run) SELECT r.id, p.id, 1
	    FROM record r JOIN profile p ON p.customer_id = r.customer_id"
}

lastrun() {
	q "SELECT max(id) FROM run WHERE tool = 'cdp-segment'"
}

@test "cdp-segment: define, eval, members, list" {
	fixture
	run --separate-stderr cdp-segment define parisians "city = 'Paris'"
	assert_equal "$status" 0
	assert_equal "$stderr" "cdp-segment: parisians defined"
	run --separate-stderr cdp-segment --as-of 2024-06-30 eval
	assert_equal "$status" 0
	assert_equal "$stderr" "cdp-segment: parisians: 2 members, 2 entered, 0 exited"
	r=$(lastrun)
	run cdp-segment members parisians
	assert_equal "$status" 0
	expect <<-EOF
	profile,since_run
	1,$r
	2,$r
	EOF
	run cdp-segment -f ndjson members parisians
	expect <<-EOF
	{"profile":1,"since_run":$r}
	{"profile":2,"since_run":$r}
	EOF
	run cdp-segment list
	assert_equal "$status" 0
	run cut -d, -f1,2,3,5,6 <<<"$output"
	expect <<-EOF
	name,size,evaluated_run,as_of,definition
	parisians,2,$r,2024-06-30,city = 'Paris'
	EOF
	# the definition is stored with what it compiles to, values apart
	run q "SELECT compiled, params FROM segment"
	assert_output "SELECT p.id FROM profile p WHERE (p.city = ?) ORDER BY p.id|[[\"Paris\"]]"
}

@test "cdp-segment: enter and exit over three evaluations" {
	fixture
	cdp-segment -q define active 'count(90d) > 0'
	# 2024-03-01: events from 2023-12-03: c1 (01-05, 03-01), c3 (02-01)
	cdp-segment -q --as-of 2024-03-01 eval
	r1=$(lastrun)
	run cdp-segment changes active
	expect <<-EOF
	{"segment":"active","run":$r1,"change":"enter","profile":1}
	{"segment":"active","run":$r1,"change":"enter","profile":3}
	EOF
	# 2024-06-30: from 2024-04-02: c1, c2, c5, c6 in; c3 out
	run --separate-stderr cdp-segment --as-of 2024-06-30 eval active
	assert_equal "$stderr" "cdp-segment: active: 4 members, 3 entered, 1 exited"
	r2=$(lastrun)
	run cdp-segment changes active
	expect <<-EOF
	{"segment":"active","run":$r2,"change":"enter","profile":2}
	{"segment":"active","run":$r2,"change":"enter","profile":5}
	{"segment":"active","run":$r2,"change":"enter","profile":6}
	{"segment":"active","run":$r2,"change":"exit","profile":3}
	EOF
	# new data, then 2024-10-15: from 2024-07-18 only c4's new event
	printf 'id,customer_id,type,ts,amount\no20,c4,purchase,%s,15\n' \
	    2024-10-01T09:00:00Z >new.csv
	cdp-ingest -q -s shop -i id -m event_type=type -m ts=ts \
	    -m customer_id=customer_id -m amount=amount new.csv
	q "INSERT INTO member(record, profile, run) SELECT id, 4, 1
	    FROM record WHERE record_id = 'o20'"
	cdp-segment -q --as-of 2024-10-15 eval active
	r3=$(lastrun)
	run cdp-segment changes active
	expect <<-EOF
	{"segment":"active","run":$r3,"change":"enter","profile":4}
	{"segment":"active","run":$r3,"change":"exit","profile":1}
	{"segment":"active","run":$r3,"change":"exit","profile":2}
	{"segment":"active","run":$r3,"change":"exit","profile":5}
	{"segment":"active","run":$r3,"change":"exit","profile":6}
	EOF
	# an earlier delta stays available, byte for byte
	run cdp-segment changes active --run "$r2"
	expect <<-EOF
	{"segment":"active","run":$r2,"change":"enter","profile":2}
	{"segment":"active","run":$r2,"change":"enter","profile":5}
	{"segment":"active","run":$r2,"change":"enter","profile":6}
	{"segment":"active","run":$r2,"change":"exit","profile":3}
	EOF
	cdp-segment changes active --run "$r2" >a
	cdp-segment changes active --run "$r2" >b
	cmp a b
	run cdp-segment members active
	expect <<-EOF
	profile,since_run
	4,$r3
	EOF
	# an evaluation that changes nothing records nothing
	run --separate-stderr cdp-segment --as-of 2024-10-15 eval
	assert_equal "$stderr" "cdp-segment: active: 1 members, 0 entered, 0 exited"
	run cdp-segment changes active
	assert_output ""
	run q "SELECT count(*) FROM segment_change"
	assert_output 11
}

@test "cdp-segment: segments use scores and other segments" {
	fixture
	cdp-score -q --as-of 2024-06-30 rfm_segment monetary
	cdp-segment -q define loyal "rfm_segment in ('Champions', 'Loyal', 'Potential loyalist')"
	cdp-segment -q define big_paris "in_segment(loyal) and city = 'Paris' and score.monetary >= 100"
	cdp-segment -q define others 'not in_segment(loyal) and count(purchase) > 0'
	run --separate-stderr cdp-segment --as-of 2024-06-30 eval
	assert_equal "$status" 0
	assert_output ""
	output=$stderr expect <<-'EOF'
	cdp-segment: big_paris: 1 members, 1 entered, 0 exited
	cdp-segment: loyal: 2 members, 2 entered, 0 exited
	cdp-segment: others: 3 members, 3 entered, 0 exited
	EOF
	run cdp-segment members others
	expect <<-EOF
	profile,since_run
	2,$(lastrun)
	3,$(lastrun)
	4,$(lastrun)
	EOF
}

@test "cdp-segment: has_consent through a record, an identifier or the id" {
	fixture
	# c3 by an email identifier of one of its records, 5 by its id, c1
	# by a record then denied by its id later (the latest wins), 6 only
	# after the as-of date
	q "INSERT INTO ident(kind, value, record) SELECT 'email',
	    'c3@example.com', min(id) FROM record WHERE customer_id = 'c3';
	  INSERT INTO consent(record, kind, value, purpose, granted, ts, run)
	  VALUES (NULL, 'email', 'c3@example.com', 'email', 1,
	    '2024-01-01T00:00:00Z', 1),
	  (NULL, 'profile', '5', 'email', 1, '2024-01-02T00:00:00Z', 1),
	  ((SELECT min(id) FROM record WHERE customer_id = 'c1'), NULL, NULL,
	    'email', 1, '2024-01-03T00:00:00Z', 1),
	  (NULL, 'profile', '1', 'email', 0, '2024-02-01T00:00:00Z', 1),
	  (NULL, 'profile', '6', 'email', 1, '2024-07-01T00:00:00Z', 1),
	  (NULL, 'profile', '2', 'sms', 1, '2024-01-01T00:00:00Z', 1)"
	cdp-segment -q define ok 'has_consent(email)'
	cdp-segment -q --as-of 2024-06-30 eval
	r=$(lastrun)
	run cdp-segment members ok
	expect <<-EOF
	profile,since_run
	3,$r
	5,$r
	EOF
	# the view of cdp-schema(5) says the same
	run q "SELECT profile FROM profile_consent WHERE purpose = 'email'
	    AND granted = 1 AND ts < '2024-07-01' ORDER BY profile"
	expect <<-EOF
	3
	5
	EOF
}

@test "cdp-segment: a cycle is an error, not a hang" {
	fixture
	cdp-segment -q define a 'id > 1'
	cdp-segment -q define b 'in_segment(a) and id < 5'
	run --separate-stderr cdp-segment define a 'in_segment(b)'
	assert_equal "$status" 1
	assert_equal "$stderr" "cdp-segment: 1:12: segment cycle: a -> b -> a"
	run --separate-stderr cdp-segment define c 'in_segment(c)'
	assert_equal "$status" 1
	assert_equal "$stderr" "cdp-segment: 1:12: segment cycle: c -> c"
	# nothing changed
	run q "SELECT name, definition FROM segment ORDER BY 1"
	expect <<-'EOF'
	a|id > 1
	b|in_segment(a) and id < 5
	EOF
	run --separate-stderr cdp-segment --as-of 2024-06-30 eval b
	assert_equal "$stderr" "cdp-segment: b: 3 members, 3 entered, 0 exited"
}

@test "cdp-segment: a syntax error and an unknown field, with positions" {
	fixture
	run --separate-stderr cdp-segment define x "nrecords > 1 or cty = 'x'"
	assert_equal "$status" 1
	assert_equal "$stderr" 'cdp-segment: 1:17: unknown field "cty" (did you mean "city"?)'
	run --separate-stderr cdp-segment define x "city = 'Paris' and (count(purchase, 90d) > 1"
	assert_equal "$status" 1
	assert_equal "$stderr" 'cdp-segment: 1:45: syntax error: expected ")", found end of expression'
	run --separate-stderr cdp-segment define x $'city = \'Paris\'\n  and frequncy > 2'
	assert_equal "$status" 1
	assert_equal "$stderr" 'cdp-segment: 2:7: unknown field "frequncy" (did you mean "frequency"?)'
	run --separate-stderr cdp-segment define x "score.monetary"
	assert_equal "$status" 1
	assert_equal "$stderr" 'cdp-segment: 1:1: a segment is a condition, not a number'
	run q "SELECT count(*) FROM segment"
	assert_output 0
}

@test "cdp-segment: injection attempts are data or errors" {
	fixture
	before=$(q "SELECT type, name FROM sqlite_master ORDER BY 2")
	cdp-segment -q define q1 "city = 'x'' OR 1=1 --'"
	cdp-segment -q define q2 "city = \"Paris'); DROP TABLE profile; --\""
	cdp-segment -q define q3 "city like '%'' OR ''a''=''a'"
	cdp-segment -q define q4 "attr.page = '/home'' UNION SELECT id FROM profile --'"
	run --separate-stderr cdp-segment --as-of 2024-06-30 eval
	assert_equal "$status" 0
	output=$stderr expect <<-'EOF'
	cdp-segment: q1: 0 members, 0 entered, 0 exited
	cdp-segment: q2: 0 members, 0 entered, 0 exited
	cdp-segment: q3: 0 members, 0 entered, 0 exited
	cdp-segment: q4: 0 members, 0 entered, 0 exited
	EOF
	# the text is in the parameters, never in the SQL
	run q "SELECT count(*) FROM segment WHERE compiled LIKE '%DROP%'
	    OR compiled LIKE '%UNION%' OR compiled LIKE '%1=1%'"
	assert_output 0
	run q "SELECT params FROM segment WHERE name = 'q2'"
	assert_output "[[\"Paris'); DROP TABLE profile; --\"]]"
	local d
	for d in "city = 'x'; DROP TABLE profile" "city = 'x' -- comment" \
	    "city = 'x' /* c */" "city = 'x' union select 1" \
	    "attach('/tmp/evil.db') = 1" "sqlite_master.name = 'profile'" \
	    "load_extension('x') = 1" "city = x'41'"; do
		run cdp-segment define bad "$d"
		assert_equal "$status" 1
	done
	[ ! -e /tmp/evil.db ]
	run q "SELECT type, name FROM sqlite_master ORDER BY 2"
	assert_output "$before"
	run q "SELECT count(*) FROM profile"
	assert_output 8
}

@test "cdp-segment: drop, and a segment in use is kept" {
	fixture
	cdp-segment -q define a 'id > 1'
	cdp-segment -q define b 'in_segment(a) and id < 5'
	cdp-segment -q --as-of 2024-06-30 eval
	run --separate-stderr cdp-segment drop a
	assert_equal "$status" 1
	assert_equal "$stderr" 'cdp-segment: segment "a" is used by "b": drop or redefine that one first'
	run --separate-stderr cdp-segment drop b
	assert_equal "$status" 0
	assert_equal "$stderr" "cdp-segment: b dropped (3 members)"
	run q "SELECT (SELECT count(*) FROM segment), (SELECT count(*) FROM
	    segment_member), (SELECT count(*) FROM segment_change)"
	assert_output "1|7|7"
	run --separate-stderr cdp-segment members b
	assert_equal "$status" 1
	assert_equal "$stderr" 'cdp-segment: no segment "b"'
}

@test "cdp-segment: redefinition, and a definition starting with -" {
	fixture
	cdp-segment -q define s 'id <= 2'
	cdp-segment -q --as-of 2024-06-30 eval
	cdp-segment -q define s '-id < -6'
	run --separate-stderr cdp-segment --as-of 2024-06-30 eval
	assert_equal "$stderr" "cdp-segment: s: 2 members, 2 entered, 2 exited"
	run cdp-segment changes s
	r=$(lastrun)
	expect <<-EOF
	{"segment":"s","run":$r,"change":"enter","profile":7}
	{"segment":"s","run":$r,"change":"enter","profile":8}
	{"segment":"s","run":$r,"change":"exit","profile":1}
	{"segment":"s","run":$r,"change":"exit","profile":2}
	EOF
}

@test "cdp-segment: usage errors" {
	fixture
	cdp-segment -q define vip 'id = 1'
	run --separate-stderr cdp-segment
	assert_equal "$status" 2
	run --separate-stderr cdp-segment frobnicate
	assert_equal "$status" 2
	run --separate-stderr cdp-segment define x
	assert_equal "$status" 2
	run --separate-stderr cdp-segment define 'Bad-Name' 'id = 1'
	assert_equal "$status" 2
	run --separate-stderr cdp-segment changes vip --run 0
	assert_equal "$status" 2
	run --separate-stderr cdp-segment --as-of 2024-13-01 eval
	assert_equal "$status" 2
	run --separate-stderr cdp-segment members vpi
	assert_equal "$status" 1
	assert_equal "$stderr" 'cdp-segment: no segment "vpi" (did you mean "vip"?)'
	run --separate-stderr cdp-segment eval vpi
	assert_equal "$status" 1
	run --separate-stderr cdp-segment -h
	assert_equal "$status" 0
	[[ "$output" == "usage: cdp-segment "* ]]
}

@test "cdp-segment eval: a write refused by the database fails the run and stores nothing of it" {
	fixture
	cdp-segment -q define parisians "city = 'Paris'"
	cdp-segment -q define lyonnais "city = 'Lyon'"
	# the first segment's members are written, then its UPDATE fails
	q "CREATE TRIGGER nope BEFORE UPDATE ON segment BEGIN
	    SELECT RAISE(ABORT, 'refused by a trigger'); END"
	run --separate-stderr cdp-segment --as-of 2024-06-30 eval
	assert_equal "$status" 1
	assert_equal "$stderr" "cdp-segment: segment: refused by a trigger"
	run q "SELECT (SELECT count(*) FROM segment_member),
	    (SELECT count(*) FROM segment_change),
	    (SELECT count(*) FROM segment WHERE last_eval_run IS NOT NULL)"
	assert_output "0|0|0"
	run q "SELECT outcome FROM run WHERE tool = 'cdp-segment' AND id =
	    (SELECT max(id) FROM run WHERE tool = 'cdp-segment')"
	assert_output "failed"
	# once the write is allowed, a rerun stores every member
	q "DROP TRIGGER nope"
	run --separate-stderr cdp-segment --as-of 2024-06-30 eval
	assert_equal "$status" 0
	run q "SELECT count(*) FROM segment_member"
	assert_output "$(q "SELECT count(*) FROM profile WHERE city IS NOT NULL")"
}

@test "cdp-segment: a definition is checked when defined; at eval a bad one is skipped, the others stored" {
	fixture
	# Refused when defined, with a clear message; nothing stored.
	run --separate-stderr cdp-segment define ov 'abs(-9223372036854775807 - 1) > 0'
	assert_equal "$status" 1
	assert_equal "$stderr" "cdp-segment: ov: refused: it fails on this store: integer overflow"
	e='city = "x0"'
	for i in $(seq 1 99); do e="$e or city = \"x$i\""; done
	run --separate-stderr cdp-segment define chain "$e"
	assert_equal "$status" 1
	assert_equal "$stderr" "cdp-segment: 1:1012: expression nested too deeply: more than 64 operators in a chain (a list of values is x in (a, b, ...))"
	big=$(head -c 5000 /dev/zero | tr '\0' x)
	run --separate-stderr cdp-segment define big "city = '$big'"
	assert_equal "$status" 1
	assert_equal "$stderr" "cdp-segment: 1:8: text longer than 4096 bytes"
	run -0 q "SELECT count(*) FROM segment"
	assert_output 0
	# Stored before these checks existed: eval skips them, says so,
	# stores the others and exits 1.
	cdp-segment -q define parisians "city = 'Paris'"
	cdp-segment -q define lyon "city = 'Lyon'"
	cdp-segment -q define ov "city = 'Paris'"
	cdp-segment -q define chain "city = 'Lyon'"
	q "UPDATE segment SET definition = 'abs(-9223372036854775807 - 1) > 0'
	   WHERE name = 'ov';
	   UPDATE segment SET definition = '$e' WHERE name = 'chain'"
	run --separate-stderr cdp-segment --as-of 2024-06-30 eval
	assert_equal "$status" 1
	output=$stderr expect <<-'EOF'
	cdp-segment: chain: 1:1012: expression nested too deeply: more than 64 operators in a chain (a list of values is x in (a, b, ...)); skipped, its members unchanged
	cdp-segment: ov: integer overflow; skipped, its members unchanged
	cdp-segment: lyon: 5 members, 5 entered, 0 exited
	cdp-segment: parisians: 2 members, 2 entered, 0 exited
	EOF
	run -0 q "SELECT s.name, count(m.profile) FROM segment s
	  LEFT JOIN segment_member m ON m.segment = s.id GROUP BY s.name
	  ORDER BY s.name"
	expect <<-'EOF'
	chain|0
	lyon|5
	ov|0
	parisians|2
	EOF
	run -0 q "SELECT outcome, message FROM run WHERE id = $(lastrun)"
	assert_output "failed|as of 2024-06-30: 2 segments, 7 members, 7 entered, 0 exited; 2 failed and skipped"
}
