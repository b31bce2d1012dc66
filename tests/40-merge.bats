#!/usr/bin/env bats
# cdp-merge: clusters, stable ids, guards, never-links, split, explain,
# survivorship, idempotence, the file mode, exit codes.
#
# The fixtures: merge-crm.csv (C1..C4, rowids 1-4, run 1) and
# merge-shop.csv (S1..S3, rowids 5-7, run 2); merge-pairs.ndjson links
# C1-S1 (0.99931), S3-S1 (0.97), S2-C2 (1) and C4-C1 below the threshold
# (0.3), some by rowid and some by key only.

load test_helper
bats_require_minimum_version 1.5.0

ingest() {
	cdp-ingest -q -s crm -i id -c FR "$FIX/merge-crm.csv"
	cdp-ingest -q -s shop -i id -c FR "$FIX/merge-shop.csv"
}

# members: "profile|source:record_id" for every record, in record order.
members() {
	q "SELECT m.profile, s.name || ':' || r.record_id FROM record r
	    JOIN source s ON s.id = r.source_id
	    LEFT JOIN member m ON m.record = r.id ORDER BY r.id"
}

# pair A B PROB [RULE]: a pair line naming records by key only.
pair() {
	printf '{"a":{"source":"%s","record_id":"%s"},"b":{"source":"%s","record_id":"%s"},"prob":%s,"rule":"%s"}\n' \
	    "${1%%:*}" "${1#*:}" "${2%%:*}" "${2#*:}" "$3" "${4:-fs}"
}

@test "cdp-merge: pairs become profiles, singletons included" {
	ingest
	run --separate-stderr cdp-merge "$FIX/merge-pairs.ndjson"
	assert_equal "$status" 0
	assert_equal "$stderr" "cdp-merge: 4 pairs read, 3 kept, 1 below the threshold, 0 rejected; 4 profiles created, 0 merged, 0 records added, 0 refused"
	run members
	expect <<-'EOF'
	1|crm:C1
	2|crm:C2
	3|crm:C3
	4|crm:C4
	1|shop:S1
	2|shop:S2
	1|shop:S3
	EOF
	run q "SELECT id, created_run, updated_run, nrecords FROM profile"
	expect <<-'EOF'
	1|3|3|3
	2|3|3|2
	3|3|3|1
	4|3|3|1
	EOF
	# member.run is the merge run: no record is left unresolved.
	run q "SELECT count(*) FROM record r JOIN member m ON m.record = r.id
	    WHERE m.run = 3 AND r.run <= m.run"
	assert_output 7
	# Links keep a < b, with the evidence swapped to match.
	run q "SELECT a, b, rule, weight, prob, evidence, run FROM link"
	expect <<-'EOF'
	1|5|fs|10.52|0.99931|[{"field":"first_name","a":"jean","b":"jean","level":"exact","weight":3.21},{"field":"last_name","a":"dupont","b":"dupont","level":"exact","weight":4.1}]|3
	2|6|ident:email||1.0|[{"field":"email","b":"marie.curie@example.fr","a":"marie.curie@example.fr","level":"exact"}]|3
	5|7|fs|7.5|0.97|[{"field":"street","b":"3 avenue foch","a":"3 avenue foch","level":"exact","weight":5.2},{"field":"email","b":"j.dupont@example.fr","a":"jean.dupont@example.fr","level":"jw>0.88","weight":1.3}]|3
	EOF
	run q "SELECT run, action, profile, other, record, reason FROM merge_log"
	expect <<-'EOF'
	3|create|1||1|new profile of 3 records
	3|create|2||2|new profile of 2 records
	3|create|3||3|new profile of 1 record
	3|create|4||4|new profile of 1 record
	EOF
	run q "SELECT tool, rows_in, rows_ok, rows_rejected, inserted, updated,
	    outcome FROM run WHERE id = 3"
	assert_output "cdp-merge|4|3|0|4|4|ok"
}

@test "cdp-merge: a rerun on the same input changes nothing" {
	ingest
	cdp-merge -q "$FIX/merge-pairs.ndjson"
	q "SELECT * FROM member; SELECT * FROM profile; SELECT * FROM link;
	    SELECT * FROM merge_log" >before
	run --separate-stderr cdp-merge "$FIX/merge-pairs.ndjson"
	assert_equal "$status" 0
	assert_equal "$stderr" "cdp-merge: 4 pairs read, 3 kept, 1 below the threshold, 0 rejected; 0 profiles created, 0 merged, 0 records added, 0 refused"
	q "SELECT * FROM member; SELECT * FROM profile; SELECT * FROM link;
	    SELECT * FROM merge_log" >after
	diff -u before after
	# And with no pairs at all, still nothing to do.
	run cdp-merge -P -q </dev/null
	assert_equal "$status" 0
	q "SELECT * FROM member; SELECT * FROM profile; SELECT * FROM link;
	    SELECT * FROM merge_log" >after
	diff -u before after
}

@test "cdp-merge: -P and no pairs at all still gives every record a profile" {
	ingest
	run cdp-merge -P -q </dev/null
	assert_equal "$status" 0
	run q "SELECT count(*), count(DISTINCT profile) FROM member"
	assert_output "7|7"
}

@test "cdp-merge: an incremental run keeps the ids; new records join" {
	ingest
	cdp-merge -q "$FIX/merge-pairs.ndjson"
	printf 'id,first_name,last_name,email,ts\nS4,Paul,Martin,paul.martin@example.fr,2024-08-01T00:00:00Z\nS5,Zoe,Roy,zoe@example.fr,2024-08-02T00:00:00Z\n' >new.csv
	cdp-ingest -q -s shop -i id new.csv
	run --separate-stderr cdp-merge -P < <(pair shop:S4 crm:C3 1 ident:email)
	assert_equal "$status" 0
	assert_equal "$stderr" "cdp-merge: 1 pairs read, 1 kept, 0 below the threshold, 0 rejected; 1 profiles created, 0 merged, 1 records added, 0 refused"
	run members
	expect <<-'EOF'
	1|crm:C1
	2|crm:C2
	3|crm:C3
	4|crm:C4
	1|shop:S1
	2|shop:S2
	1|shop:S3
	3|shop:S4
	5|shop:S5
	EOF
	run q "SELECT id, created_run, updated_run, nrecords, email FROM profile
	    WHERE id IN (3, 5)"
	expect <<-'EOF'
	3|3|5|2|paul.martin@example.fr
	5|5|5|1|zoe@example.fr
	EOF
	# A record joining an existing profile is logged with its link.
	run q "SELECT run, action, profile, other, record, reason, evidence
	    FROM merge_log WHERE run = 5"
	expect <<-'EOF'
	5|add|3||8|joined by a link: ident:email, probability 1|{"a":{"source":"crm","record_id":"C3"},"b":{"source":"shop","record_id":"S4"},"rule":"ident:email","prob":1}
	5|create|5||9|new profile of 1 record|
	EOF
}

@test "cdp-merge: a changed record is resolved again and its profile rebuilt" {
	ingest
	cdp-merge -q "$FIX/merge-pairs.ndjson"
	sed 's/Paul,Martin,paul.martin@example.fr/Paul,Martin,paul@example.org/' \
	    "$FIX/merge-crm.csv" >crm.csv
	cdp-ingest -q -s crm -i id -c FR crm.csv
	# Unresolved: record.run > member.run.
	run q "SELECT r.record_id FROM record r JOIN member m ON m.record = r.id
	    WHERE r.run > m.run"
	assert_output C3
	cdp-merge -P -q </dev/null
	run q "SELECT count(*) FROM record r JOIN member m ON m.record = r.id
	    WHERE r.run > m.run"
	assert_output 0
	run q "SELECT id, updated_run, email FROM profile WHERE id = 3"
	assert_output "3|5|paul@example.org"
	run q "SELECT count(*) FROM merge_log WHERE run = 5"
	assert_output 0
}

@test "cdp-merge: the oldest id survives a merge" {
	ingest
	cdp-merge -q "$FIX/merge-pairs.ndjson"
	printf 'id,first_name,last_name,email\nS4,P,Martin,pm@example.fr\nS5,Paul,Martin,\n' >new.csv
	cdp-ingest -q -s shop -i id new.csv
	cdp-merge -P -q < <(pair shop:S4 shop:S5 0.8)
	run q "SELECT profile FROM member WHERE record IN (3, 8, 9)"
	expect <<-'EOF'
	3
	5
	5
	EOF
	# Linked from the new profile's side, the old id still wins.
	run --separate-stderr cdp-merge -P < <(pair shop:S5 crm:C3 0.9)
	assert_equal "$status" 0
	assert_equal "$stderr" "cdp-merge: 1 pairs read, 1 kept, 0 below the threshold, 0 rejected; 0 profiles created, 1 merged, 0 records added, 0 refused"
	run q "SELECT profile FROM member WHERE record IN (3, 8, 9)"
	expect <<-'EOF'
	3
	3
	3
	EOF
	run q "SELECT id, nrecords, updated_run FROM profile ORDER BY id"
	expect <<-'EOF'
	1|3|3
	2|2|3
	3|3|6
	4|1|3
	EOF
	run q "SELECT run, action, profile, other, record, reason, evidence
	    FROM merge_log WHERE run = 6"
	assert_output '6|merge|3|5||profile 5 (2 records) merged into profile 3 through 1 link|[{"a":{"source":"crm","record_id":"C3"},"b":{"source":"shop","record_id":"S5"},"rule":"fs","prob":0.9}]'
	# The id of a merged profile is never given out again, even when it
	# was the largest.
	printf 'id,email\nS9,nine@example.fr\n' >s9.csv
	cdp-ingest -q -s shop -i id s9.csv
	cdp-merge -P -q </dev/null
	run q "SELECT m.profile FROM member m JOIN record r ON r.id = m.record
	    WHERE r.record_id = 'S9'"
	assert_output 6
	run q "SELECT value FROM state WHERE key = 'cdp-merge.last_profile'"
	assert_output 6
}

@test "cdp-merge: an over-sized cluster is refused at its weakest link" {
	ingest
	printf 'max-contacts 2\n' >merge.conf
	run --separate-stderr cdp-merge -C merge.conf "$FIX/merge-pairs.ndjson"
	assert_equal "$status" 0
	output=$stderr expect <<-'EOF'
	cdp-merge: link record 5 -- record 7 refused: the cluster would join more than 2 contact records (profiles 1 and 5)
	cdp-merge: 4 pairs read, 3 kept, 1 below the threshold, 0 rejected; 5 profiles created, 0 merged, 0 records added, 1 refused
	EOF
	run q "SELECT profile FROM member WHERE record IN (1, 5, 7)"
	expect <<-'EOF'
	1
	1
	5
	EOF
	run q "SELECT run, action, profile, other, record, reason FROM merge_log
	    WHERE action = 'refuse'"
	assert_output "3|refuse|1|5|5|link record 5 -- record 7 refused: the cluster would join more than 2 contact records"
	run q "SELECT count(*) FROM link WHERE a = 5 AND b = 7"
	assert_output 0
	# Met again, the refusal is reported but not logged twice.
	run --separate-stderr cdp-merge "$FIX/merge-pairs.ndjson"
	assert_equal "${stderr_lines[0]}" "cdp-merge: link record 5 -- record 7 refused: the cluster would join more than 2 contact records (profiles 1 and 5)"
	run q "SELECT count(*) FROM merge_log WHERE action = 'refuse'"
	assert_output 1
}

@test "cdp-merge: cookie events do not count as contacts" {
	printf '{"id":"e1","anonymous_id":"ck1"}\n{"id":"e2","anonymous_id":"ck1"}\n{"id":"e3","anonymous_id":"ck1"}\n{"id":"e4","anonymous_id":"ck1","email":"a@b.fr"}\n' >web.ndjson
	cdp-ingest -q -s web -i id web.ndjson
	printf 'max-contacts 1\n' >merge.conf
	{ pair web:e1 web:e2 1 ident:anonymous_id
	  pair web:e1 web:e3 1 ident:anonymous_id
	  pair web:e1 web:e4 1 ident:anonymous_id; } >p.ndjson
	run cdp-merge -P -q -C merge.conf p.ndjson
	assert_equal "$status" 0
	run q "SELECT count(DISTINCT profile) FROM member"
	assert_output 1
}

@test "cdp-merge: conflicting birth dates are refused, a typo is not" {
	printf 'id,first_name,last_name,birth_date\nX1,Jean,Roy,1985-03-05\nX2,Jean,Roy,1985-03-06\nX3,Jean,Roy,1962-07-01\nY1,Ana,Lee,1990-02-01\nY2,Ana,Lee,1990-01-02\n' >x.csv
	cdp-ingest -q -s x -i id x.csv
	{ pair x:X1 x:X2 0.99; pair x:X2 x:X3 0.9; pair x:Y1 x:Y2 0.95; } >p.ndjson
	run --separate-stderr cdp-merge -P p.ndjson
	assert_equal "$status" 0
	assert_equal "${stderr_lines[0]}" "cdp-merge: link record 2 -- record 3 refused: conflicting birth dates (profiles 1 and 2)"
	run members
	expect <<-'EOF'
	1|x:X1
	1|x:X2
	2|x:X3
	3|x:Y1
	3|x:Y2
	EOF
	# strict: any difference conflicts; off: none does.
	rm -f "$CDP_DB"*
	cdp-ingest -q -s x -i id x.csv
	printf 'birth-dates strict\n' >strict.conf
	run cdp-merge -P -q -C strict.conf p.ndjson
	run q "SELECT count(DISTINCT profile) FROM member"
	assert_output 5
	rm -f "$CDP_DB"*
	cdp-ingest -q -s x -i id x.csv
	printf 'birth-dates off\n' >off.conf
	run cdp-merge -P -q -C off.conf p.ndjson
	run q "SELECT count(DISTINCT profile) FROM member"
	assert_output 2
}

@test "cdp-merge: typo'd birth dates join, a date no typo explains is refused, silently under -q" {
	cdp-ingest -q -s x -i id "$FIX/typo-dates.csv"
	{ pair x:A1 x:A2 0.9; pair x:B1 x:B2 0.9; pair x:C1 x:C2 0.9
	  pair x:D1 x:D2 0.9; } >p.ndjson
	run --separate-stderr cdp-merge -P -q p.ndjson
	assert_equal "$status" 0
	assert_equal "$stderr" ""
	run members
	expect <<-'EOF'
	1|x:A1
	1|x:A2
	2|x:B1
	2|x:B2
	3|x:C1
	3|x:C2
	4|x:D1
	5|x:D2
	EOF
	run q "SELECT action, reason FROM merge_log WHERE action = 'refuse'"
	assert_output "refuse|link record 7 -- record 8 refused: conflicting birth dates"
}

@test "cdp-merge: a record without a name never bridges two clusters of different names" {
	# N1 (no name) is linked by the model to Pierre and to Sophie
	# Martin: the weaker link is refused.  N2 joins J. Roy and Jean
	# Roy: an initial fits the name.  Named pairs are not checked.
	cdp-ingest -q -s x -i id "$FIX/merge-nameless.csv"
	{ pair x:H1 x:W1 0.99; pair x:N1 x:H1 0.95; pair x:N1 x:H2 0.9
	  pair x:N2 x:R1 0.9; pair x:N2 x:R2 0.8; } >p.ndjson
	run --separate-stderr cdp-merge -P p.ndjson
	assert_equal "$status" 0
	assert_equal "${#stderr_lines[@]}" 2
	assert_equal "${stderr_lines[0]}" "cdp-merge: link record 3 -- record 4 refused: a record without a name would join two clusters whose names differ (profiles 2 and 1)"
	run members
	expect <<-'EOF'
	1|x:H1
	1|x:W1
	2|x:H2
	1|x:N1
	3|x:R1
	3|x:R2
	3|x:N2
	EOF
	run q "SELECT count(*) FROM merge_log WHERE action = 'refuse'"
	assert_output 1
	# names off: the bridge holds.
	rm -f "$CDP_DB"*
	cdp-ingest -q -s x -i id "$FIX/merge-nameless.csv"
	printf 'names off\n' >off.conf
	run cdp-merge -P -q -C off.conf p.ndjson
	assert_equal "$status" 0
	run q "SELECT count(DISTINCT profile) FROM member"
	assert_output 2
	printf 'names maybe\n' >bad.conf
	run --separate-stderr cdp-merge -P -q -C bad.conf p.ndjson
	assert_equal "$status" 2
	assert_equal "$stderr" "cdp-merge: bad.conf:1: names must be on or off"
}

@test "cdp-merge: -o: names from the evidence guard nameless bridges" {
	ev() {	# A B PROB FIRST_A LAST_A FIRST_B LAST_B
		printf '{"a":{"source":"x","record_id":"%s"},"b":{"source":"x","record_id":"%s"},"prob":%s,"rule":"fs","evidence":[' "$1" "$2" "$3"
		[ -z "$4" ] || printf '{"field":"first_name","a":"%s","b":"%s","level":"exact","weight":3},{"field":"last_name","a":"%s","b":"%s","level":"exact","weight":3}' "$4" "$6" "$5" "$7"
		printf ']}\n'
	}
	{ ev H1 W1 0.99 pierre martin pierre martin
	  ev H2 W2 0.98 sophie martin sophie martin
	  ev N1 H1 0.95; ev N1 H2 0.9; } >p.ndjson
	run --separate-stderr cdp-merge -P -o - p.ndjson
	assert_equal "$status" 0
	assert_equal "${stderr_lines[0]}" "cdp-merge: pair 4: link refused: a record without a name would join two clusters whose names differ"
	expect <<-'EOF'
	cluster_id,source,record_id
	1,x,H1
	1,x,W1
	1,x,N1
	3,x,H2
	3,x,W2
	EOF
}

@test "cdp-merge: the configuration given once is kept for later runs" {
	ingest
	printf 'max-contacts 2 # small\n' >merge.conf
	cdp-merge -P -q -C merge.conf </dev/null
	run q "SELECT value FROM state WHERE key = 'cdp-merge.config'"
	assert_output "max-contacts 2 # small"
	run --separate-stderr cdp-merge "$FIX/merge-pairs.ndjson"
	assert_equal "${stderr_lines[0]}" "cdp-merge: link record 5 -- record 7 refused: the cluster would join more than 2 contact records (profiles 1 and 7)"
}

@test "cdp-merge: a bad configuration is a usage error with file:line" {
	ingest
	printf 'max-contacts 2\nsurvive email most-loved\n' >bad.conf
	run cdp-merge -C bad.conf </dev/null
	assert_equal "$status" 2
	assert_output 'cdp-merge: bad.conf:2: unknown rule "most-loved"'
	printf 'colour blue\n' >bad.conf
	run cdp-merge -C bad.conf </dev/null
	assert_equal "$status" 2
	assert_output 'cdp-merge: bad.conf:1: unknown setting "colour" or wrong number of values'
	run q "SELECT count(*) FROM member"
	assert_output 0
}

@test "cdp-merge: never A B splits a profile at its weakest link" {
	ingest
	cdp-merge -q "$FIX/merge-pairs.ndjson"
	# C1 -0.99931- S1 -0.97- S3: keeping C1 and S3 apart drops S1-S3.
	run --separate-stderr cdp-merge never crm:C1 shop:S3
	assert_equal "$status" 0
	assert_equal "$stderr" "cdp-merge: never-link record 1 and record 7: profile 1 split (1 new profile)"
	run members
	expect <<-'EOF'
	1|crm:C1
	2|crm:C2
	3|crm:C3
	4|crm:C4
	1|shop:S1
	2|shop:S2
	5|shop:S3
	EOF
	run q "SELECT a, b FROM never_link"
	assert_output "1|7"
	run q "SELECT a, b FROM link ORDER BY a, b"
	expect <<-'EOF'
	1|5
	2|6
	EOF
	run q "SELECT run, action, profile, other, record, reason FROM merge_log
	    WHERE run = 4"
	expect <<-'EOF'
	4|never|1|1|1|never-link record 1 and record 7
	4|split|5|1|7|never-link record 1 and record 7
	EOF
	run q "SELECT evidence FROM merge_log WHERE action = 'split'"
	assert_output '[{"a":{"source":"shop","record_id":"S1"},"b":{"source":"shop","record_id":"S3"},"rule":"fs","prob":0.97,"weight":7.5,"evidence":[{"field":"street","b":"3 avenue foch","a":"3 avenue foch","level":"exact","weight":5.2},{"field":"email","b":"j.dupont@example.fr","a":"jean.dupont@example.fr","level":"jw>0.88","weight":1.3}]}]'
	run q "SELECT id, nrecords, email FROM profile WHERE id IN (1, 5)"
	expect <<-'EOF'
	1|2|jean.dupont@example.fr
	5|1|j.dupont@example.fr
	EOF
	# The pairs again: the never-link holds, S3 stays apart.
	run --separate-stderr cdp-merge "$FIX/merge-pairs.ndjson"
	assert_equal "$status" 0
	assert_equal "${stderr_lines[0]}" "cdp-merge: link record 5 -- record 7 refused: never-link between record 1 and record 7 (profiles 1 and 5)"
	run q "SELECT profile FROM member WHERE record = 7"
	assert_output 5
	# Said again: nothing to do.
	run --separate-stderr cdp-merge never shop:S3 crm:C1
	assert_equal "$status" 0
	assert_equal "$stderr" "cdp-merge: record 7 and record 1 are a never-link already"
}

@test "cdp-merge: a never-link between unmerged records holds from the start" {
	ingest
	cdp-merge -P -q </dev/null
	cdp-merge -q never crm:C1 shop:S1
	run q "SELECT action FROM merge_log WHERE run = 4"
	assert_output never
	run --separate-stderr cdp-merge "$FIX/merge-pairs.ndjson"
	assert_equal "${stderr_lines[0]}" "cdp-merge: link record 1 -- record 5 refused: never-link between record 1 and record 5 (profiles 1 and 5)"
	run members
	expect <<-'EOF'
	1|crm:C1
	2|crm:C2
	3|crm:C3
	4|crm:C4
	5|shop:S1
	2|shop:S2
	5|shop:S3
	EOF
}

@test "cdp-merge: split takes a record out; the rest stays together" {
	ingest
	cdp-merge -q "$FIX/merge-pairs.ndjson"
	# S1 holds C1 and S3 together: a bridge link keeps them in 1.
	run --separate-stderr cdp-merge split shop:S1
	assert_equal "$status" 0
	assert_equal "$stderr" "cdp-merge: record 5 split off profile 1 into profile 5; 1 bridge link keeps the rest together"
	# The run log names the record by number too.
	run q "SELECT args FROM run WHERE tool = 'cdp-merge' ORDER BY id DESC
	    LIMIT 1"
	assert_output '["cdp-merge","split","record 5"]'
	run members
	expect <<-'EOF'
	1|crm:C1
	2|crm:C2
	3|crm:C3
	4|crm:C4
	5|shop:S1
	2|shop:S2
	1|shop:S3
	EOF
	# Never-linked to every other record of its profile.
	run q "SELECT a, b FROM never_link ORDER BY a, b"
	expect <<-'EOF'
	1|5
	5|7
	EOF
	run q "SELECT a, b, rule, prob, weight IS NULL FROM link ORDER BY a, b"
	expect <<-'EOF'
	1|7|bridge:5|0.97|1
	2|6|ident:email|1.0|1
	EOF
	run q "SELECT run, action, profile, other, record, reason,
	    json_array_length(evidence, '$.links'), evidence ->> '$.never',
	    evidence ->> '$.bridges' FROM merge_log WHERE run = 4"
	assert_output '4|split|5|1|5|record 5 split off by request|2|[1,7]|[[1,7]]'
	run q "SELECT id, nrecords, updated_run FROM profile ORDER BY id"
	expect <<-'EOF'
	1|2|4
	2|2|3
	3|1|3
	4|1|3
	5|1|4
	EOF
	# The pairs again: the never-links hold, refused quietly with -q.
	run --separate-stderr cdp-merge -q "$FIX/merge-pairs.ndjson"
	assert_equal "$status" 0
	assert_equal "$stderr" ""
	run q "SELECT profile FROM member WHERE record IN (1, 5, 7)"
	expect <<-'EOF'
	1
	5
	1
	EOF
	# A record alone: nothing to split.
	run --separate-stderr cdp-merge split crm:C3
	assert_equal "$status" 0
	assert_equal "$stderr" "cdp-merge: record 3 is alone in profile 3 already"
}

@test "cdp-merge: split of a leaf leaves the rest whole" {
	ingest
	cdp-merge -q "$FIX/merge-pairs.ndjson"
	run cdp-merge -q split shop:S3
	assert_equal "$status" 0
	run q "SELECT profile FROM member WHERE record IN (1, 5, 7)"
	expect <<-'EOF'
	1
	1
	5
	EOF
}

@test "cdp-merge: explain a profile, and from a record" {
	ingest
	cdp-merge -q "$FIX/merge-pairs.ndjson"
	run cdp-merge explain 1
	assert_equal "$status" 0
	expect <<-'EOF'
	profile 1: 3 records, created in run 3, updated in run 3
	seen from 2023-01-10T00:00:00Z to 2024-07-01T10:00:00Z
	records:
	  crm:C1 (run 3)
	  shop:S1 (run 3)
	  shop:S3 (run 3)
	links from crm:C1:
	  crm:C1 -> shop:S1: fs, probability 0.99931, weight 10.52 (run 3)
	    first_name: "jean" / "jean" (exact, weight 3.21)
	    last_name: "dupont" / "dupont" (exact, weight 4.1)
	  shop:S1 -> shop:S3: fs, probability 0.97, weight 7.5 (run 3)
	    street: "3 avenue foch" / "3 avenue foch" (exact, weight 5.2)
	    email: "jean.dupont@example.fr" / "j.dupont@example.fr" (jw>0.88, weight 1.3)
	history:
	  run 3: create crm:C1: new profile of 3 records
	EOF
	# From S3, the chain runs the other way and values follow the ends.
	run cdp-merge explain shop:S3
	assert_equal "$status" 0
	assert_line --index 6 "links from shop:S3:"
	assert_line --index 7 "  shop:S3 -> shop:S1: fs, probability 0.97, weight 7.5 (run 3)"
	assert_line --index 9 '    email: "j.dupont@example.fr" / "jean.dupont@example.fr" (jw>0.88, weight 1.3)'
	assert_line --index 10 "  shop:S1 -> crm:C1: fs, probability 0.99931, weight 10.52 (run 3)"
	# A cycle: the strongest tree is shown, the rest counted.
	cdp-merge -P -q < <(pair crm:C1 shop:S3 0.6)
	run cdp-merge explain 1
	assert_line --index 13 "1 more link between these records"
	# A singleton has no links.
	run cdp-merge explain crm:C3
	expect <<-'EOF'
	profile 3: 1 record, created in run 3, updated in run 3
	seen from 2023-03-01T00:00:00Z to 2023-03-01T00:00:00Z
	records:
	  crm:C3 (run 3)
	history:
	  run 3: create crm:C3: new profile of 1 record
	EOF
}

@test "cdp-merge: survivorship defaults and configured rules" {
	ingest
	cdp-merge -q "$FIX/merge-pairs.ndjson"
	# email and names: most frequent (then most recent); address: most
	# recent, its four parts from one record.
	run q "SELECT email, phone, first_name, last_name, birth_date, street,
	    postal_code, city, first_seen, last_seen FROM profile WHERE id = 1"
	assert_output "jean.dupont@example.fr|+33612345678|Jean|Dupont|1985-03-15|3 avenue Foch|69006|Lyon|2023-01-10T00:00:00Z|2024-07-01T10:00:00Z"
	cat >surv.conf <<-'EOF'
	# oldest address, latest email, the shop's spelling of the first name
	survive address first
	survive email most-recent
	survive first_name source-priority most-recent
	source-priority shop crm
	EOF
	rm -f "$CDP_DB"*
	ingest
	cdp-merge -q -C surv.conf "$FIX/merge-pairs.ndjson"
	run q "SELECT email, first_name, street, postal_code, city FROM profile
	    WHERE id = 1"
	assert_output "j.dupont@example.fr|Jean|12 rue de la Paix|75002|Paris"
	cat >surv2.conf <<-'EOF'
	survive first_name source-priority first
	source-priority shop
	EOF
	rm -f "$CDP_DB"*
	ingest
	cdp-merge -q -C surv2.conf "$FIX/merge-pairs.ndjson"
	run q "SELECT first_name FROM profile WHERE id = 1"
	assert_output "jean"
}

@test "cdp-merge: -o writes the clusters as CSV with no database" {
	run --separate-stderr cdp-merge -o clusters.csv "$FIX/merge-pairs.ndjson"
	assert_equal "$status" 0
	assert_equal "$stderr" "cdp-merge: 4 pairs read, 3 kept, 1 below the threshold, 0 rejected; 6 records in 3 clusters, 0 links refused"
	run cat clusters.csv
	expect <<-'EOF'
	cluster_id,source,record_id
	1,crm,C1
	1,shop,S1
	1,shop,S3
	4,shop,S2
	4,crm,C2
	6,crm,C4
	EOF
	[ ! -e "$CDP_DB" ]
	run -0 stat -c %a clusters.csv
	assert_output 600
	# A device is written in place, never replaced.
	run -0 cdp-merge -q -o /dev/null "$FIX/merge-pairs.ndjson"
	[ -c /dev/null ]
	# To stdout, with quoting, and the threshold lowered.
	{ pair 'x:a,b' 'x:say \"hi\"' 0.4; pair x:c 'x:a,b' 0.9; } >q.ndjson
	run --separate-stderr cdp-merge -P -q -t 0.4 -o - q.ndjson
	assert_equal "$status" 0
	expect <<-'EOF'
	cluster_id,source,record_id
	1,x,"a,b"
	1,x,"say ""hi"""
	1,x,c
	EOF
	# Birth dates named in the evidence are guarded in file mode too.
	printf '{"a":{"source":"x","record_id":"1"},"b":{"source":"x","record_id":"2"},"prob":0.9,"rule":"fs","evidence":[{"field":"birth_date","a":"1985-03-15","b":"1962-07-01","level":"else","weight":-4}]}\n' >bd.ndjson
	run --separate-stderr cdp-merge -P -o - bd.ndjson
	assert_equal "${stderr_lines[0]}" "cdp-merge: pair 1: link refused: conflicting birth dates"
	expect <<-'EOF'
	cluster_id,source,record_id
	1,x,1
	2,x,2
	EOF
}

@test "cdp-merge: bad pair lines are reported with file:line, exit 3" {
	ingest
	cat >bad.ndjson <<-'EOF'
	{"a":{"source":"crm","record_id":"C1"},"b":{"source":"shop","record_id":"S1"},"prob":0.9,"rule":"fs"}
	not json
	{"a":{"source":"crm","record_id":"C1"},"b":{"source":"shop","record_id":"S1"},"prob":1.5,"rule":"fs"}
	{"a":{"source":"crm"},"b":{"source":"shop","record_id":"S1"},"prob":0.9,"rule":"fs"}
	{"a":{"source":"crm","record_id":"C9"},"b":{"source":"shop","record_id":"S1"},"prob":0.9,"rule":"fs"}
	{"a":{"source":"crm","record_id":"C2","rowid":99},"b":{"source":"shop","record_id":"S2"},"prob":0.9,"rule":"fs"}
	{"a":{"source":"crm","record_id":"C2"},"b":{"source":"crm","record_id":"C2"},"prob":0.9,"rule":"fs"}
	{"a":{"source":"crm","record_id":"C2"},"b":{"source":"shop","record_id":"S2"},"prob":0.9,"rule":"fs","evidence":{}}

	{"a":{"source":"crm","record_id":"C2"},"b":{"source":"shop","record_id":"S2"},"prob":"high","rule":"fs"}
	EOF
	run --separate-stderr cdp-merge -P bad.ndjson
	assert_equal "$status" 3
	output=$stderr expect <<-'EOF'
	cdp-merge: bad.ndjson:2: invalid JSON at column 1: invalid string in json text
	cdp-merge: bad.ndjson:3: prob 1.5 is not in [0, 1]
	cdp-merge: bad.ndjson:4: missing a.record_id
	cdp-merge: bad.ndjson:5: unknown record of source crm
	cdp-merge: bad.ndjson:6: no record with rowid 99
	cdp-merge: bad.ndjson:7: a pair of a record with itself
	cdp-merge: bad.ndjson:8: evidence is not an array
	cdp-merge: bad.ndjson:10: prob is not a number
	cdp-merge: 9 pairs read, 1 kept, 0 below the threshold, 8 rejected; 6 profiles created, 0 merged, 0 records added, 0 refused
	EOF
	run q "SELECT outcome, rows_rejected FROM run WHERE tool = 'cdp-merge'"
	assert_output "rejects|8"
	run q "SELECT count(*) FROM link"
	assert_output 1
}

@test "cdp-merge: pairs of another database are refused whole" {
	ingest
	printf '{"a":{"source":"crm","record_id":"C1","rowid":2},"b":{"source":"shop","record_id":"S1","rowid":5},"prob":0.9,"rule":"fs"}\n' >other.ndjson
	run cdp-merge -P other.ndjson
	assert_equal "$status" 1
	assert_output "cdp-merge: the pairs do not match this database: record 2 is another record of crm here"
	run q "SELECT count(*) FROM member"
	assert_output 0
	run q "SELECT outcome FROM run WHERE tool = 'cdp-merge'"
	assert_output failed
}

@test "cdp-merge: exit codes and usage" {
	run cdp-merge -h
	assert_equal "$status" 0
	assert_line --index 0 "usage: cdp-merge [-aPqv] [-C CONFIG] [-d DB] [-t THRESHOLD] [-o FILE [-D DELIM] [--bom] [--crlf] [--excel]] [FILE ...]"
	run cdp-merge -t 1.5
	assert_equal "$status" 2
	assert_output 'cdp-merge: threshold "1.5" is not a number in [0, 1]'
	run cdp-merge -d nowhere/x.db </dev/null
	assert_equal "$status" 1
	run cdp-merge split
	assert_equal "$status" 2
	run cdp-merge never crm:C1
	assert_equal "$status" 2
	run cdp-merge -o x.csv explain 1
	assert_equal "$status" 2
	run cdp-merge -C x.conf explain 1
	assert_equal "$status" 2
	ingest
	cdp-merge -P -q </dev/null
	run cdp-merge explain 99
	assert_equal "$status" 1
	assert_output "cdp-merge: no profile 99"
	run cdp-merge explain crm:C99
	assert_equal "$status" 1
	assert_output "cdp-merge: no record crm:C99"
	run cdp-merge explain C1
	assert_equal "$status" 2
	run cdp-merge never crm:C1 crm:C1
	assert_equal "$status" 2
	run cdp-merge split nosuch:C1
	assert_equal "$status" 1
	run cdp-merge missing.ndjson
	assert_equal "$status" 1
	assert_output "cdp-merge: missing.ndjson: No such file or directory"
	run q "SELECT outcome FROM run WHERE id = (SELECT max(id) FROM run)"
	assert_output failed
}

@test "cdp-merge: explain and split of a record not merged yet" {
	ingest
	run cdp-merge explain crm:C1
	assert_equal "$status" 1
	assert_output "cdp-merge: crm:C1 is in no profile yet: run cdp-merge first"
	run cdp-merge split crm:C1
	assert_equal "$status" 1
	assert_output "cdp-merge: record 1 is in no profile yet: run cdp-merge first"
	run q "SELECT count(*) FROM run WHERE tool = 'cdp-merge'"
	assert_output 0
}

# partition: each profile as its sorted records, the profiles sorted.
partition() {
	q "SELECT group_concat(k, ' ') FROM (SELECT m.profile AS p,
	    s.name || ':' || r.record_id AS k FROM member m JOIN record r
	    ON r.id = m.record JOIN source s ON s.id = r.source_id ORDER BY 1, 2)
	    GROUP BY p" | sort
}

# Three people's records where the order decides under a guard: B has
# no birth date, A's and C's conflict; A-B (0.9) is stronger than
# B-C (0.8), C-D (0.7) and D-E (0.95) carry on.
order_records() {
	printf 'id,first_name,last_name,birth_date\nA,Jean,Roy,1980-01-01\nB,Jean,Roy,\nC,Jean,Roy,1990-06-15\nD,Jean,Roy,\nE,Jean,Roy,\n'
}
order_pairs() {	# order_pairs ROUND: the pairs of each round
	case $1 in
	1) pair x:B x:C 0.8; pair x:D x:E 0.95 ;;
	2) pair x:C x:D 0.7 ;;
	3) pair x:A x:B 0.9 ;;
	esac
}

@test "cdp-merge: the partition depends on the pairs, not on the order they came in" {
	# One run over every pair.
	order_records >x.csv
	cdp-ingest -q -s x -i id x.csv
	{ order_pairs 1; order_pairs 2; order_pairs 3; } >all.ndjson
	cdp-merge -P -q all.ndjson
	partition >once
	run cat once
	expect <<-'EOF'
	x:A x:B
	x:C x:D x:E
	EOF
	# Three runs, one a round: B-C first merged, then undone by the
	# stronger A-B that came last.
	rm -f "$CDP_DB"*
	cdp-ingest -q -s x -i id x.csv
	for r in 1 2 3; do
		order_pairs $r >p$r.ndjson
		cdp-merge -P -q p$r.ndjson
	done
	partition >seq
	diff -u once seq
	# The records in another order (other rowids), the rounds reversed.
	rm -f "$CDP_DB"*
	{ head -1 x.csv; tail -n +2 x.csv | sort -r; } >rev.csv
	cdp-ingest -q -s x -i id rev.csv
	for r in 3 2 1; do
		cdp-merge -P -q p$r.ndjson
	done
	partition >rev
	diff -u once rev
	# The refused pair is kept, and taken again when it can join.
	run q "SELECT count(*) FROM link"
	assert_output 3
	run q "SELECT a, b, prob FROM held_link"
	assert_output "3|4|0.8"
}

@test "cdp-merge: clustering again keeps the ids of unchanged profiles and says where records went" {
	order_records >x.csv
	cdp-ingest -q -s x -i id x.csv
	for r in 1 2; do
		order_pairs $r >p$r.ndjson
		cdp-merge -P -q p$r.ndjson
	done
	run members
	expect <<-'EOF'
	1|x:A
	2|x:B
	2|x:C
	2|x:D
	2|x:E
	EOF
	order_pairs 3 >p3.ndjson
	run --separate-stderr cdp-merge -P p3.ndjson
	assert_equal "$status" 0
	assert_equal "$stderr" "cdp-merge: 1 pairs read, 1 kept, 0 below the threshold, 0 rejected; 0 profiles created, 0 merged, 0 records added, 0 refused"
	# Profile 2 goes with most of its records (C, D, E); B moves to A's.
	run members
	expect <<-'EOF'
	1|x:A
	1|x:B
	2|x:C
	2|x:D
	2|x:E
	EOF
	run q "SELECT run, action, profile, other, record, reason FROM merge_log
	    WHERE run = 4"
	assert_output "4|move|1|2|2|moved when its pairs were clustered again"
	run q "SELECT id, nrecords FROM profile ORDER BY id"
	expect <<-'EOF'
	1|2
	2|3
	EOF
	# The link B-C left for held_link; A-B is a link.
	run q "SELECT 'link', a, b FROM link UNION ALL
	    SELECT 'held', a, b FROM held_link ORDER BY 1, 2"
	expect <<-'EOF'
	held|2|3
	link|1|2
	link|3|4
	link|4|5
	EOF
	# Nothing new: nothing changes.
	q "SELECT * FROM member; SELECT * FROM profile; SELECT * FROM link;
	    SELECT * FROM held_link; SELECT * FROM merge_log" >before
	cdp-merge -P -q p3.ndjson
	q "SELECT * FROM member; SELECT * FROM profile; SELECT * FROM link;
	    SELECT * FROM held_link; SELECT * FROM merge_log" >after
	diff -u before after
}

@test "cdp-merge: a profile that disappears when clustered again is logged as merged, and its id is not reused" {
	order_records >x.csv
	cdp-ingest -q -s x -i id x.csv
	# B-C and D-E: profiles 2 and 3; then C-D and A-B at once.
	order_pairs 1 >p1.ndjson
	cdp-merge -P -q p1.ndjson
	{ pair x:C x:D 0.7; pair x:A x:B 0.9; } >p2.ndjson
	cdp-merge -P -q p2.ndjson
	# Profile 2 (B, C) goes to A's cluster (a tie: its oldest record
	# B is there), which keeps the oldest id, 1; C goes to 3.
	run members
	expect <<-'EOF'
	1|x:A
	1|x:B
	3|x:C
	3|x:D
	3|x:E
	EOF
	run q "SELECT action, profile, other, record, reason FROM merge_log
	    WHERE run = 3 ORDER BY id"
	expect <<-'EOF'
	merge|1|2||profile 2 (1 record) merged into profile 1 through 1 link
	merge|3|2||profile 2 (1 record) merged into profile 3 through 1 link
	EOF
	run q "SELECT id, nrecords FROM profile ORDER BY id"
	expect <<-'EOF'
	1|2
	3|3
	EOF
	# A new record's new profile does not take the id 2.
	printf 'id,first_name
F,Zoe
' >f.csv
	cdp-ingest -q -s x -i id f.csv
	cdp-merge -P -q </dev/null
	run q "SELECT m.profile FROM member m JOIN record r ON r.id = m.record
	    WHERE r.record_id = 'F'"
	assert_output 4
}

@test "cdp-merge: a never-link and a split survive clustering again" {
	order_records >x.csv
	cdp-ingest -q -s x -i id x.csv
	{ order_pairs 1; order_pairs 2; } >p.ndjson
	cdp-merge -P -q p.ndjson
	cdp-merge -q never x:C x:E
	cdp-merge -q split x:D
	run partition
	expect <<-'EOF'
	x:A
	x:B x:C
	x:D
	x:E
	EOF
	# A new pair touching the profile: everything is clustered again,
	# under the never-link and the split's never-links.
	pair x:A x:E 0.6 >p3.ndjson
	cdp-merge -P -q p3.ndjson
	run partition
	expect <<-'EOF'
	x:A x:E
	x:B x:C
	x:D
	EOF
}

@test "cdp-merge -a: the pairs of cdp-match -a replace every stored pair" {
	order_records >x.csv
	cdp-ingest -q -s x -i id x.csv
	{ order_pairs 1; order_pairs 2; } >p.ndjson
	cdp-merge -P -q p.ndjson
	# A new model: only A-B and D-E are pairs now.
	{ pair x:A x:B 0.9; pair x:D x:E 0.95; } >new.ndjson
	run --separate-stderr cdp-merge -a -P new.ndjson
	assert_equal "$status" 0
	run members
	expect <<-'EOF'
	1|x:A
	1|x:B
	3|x:C
	2|x:D
	2|x:E
	EOF
	run q "SELECT 'link', a, b FROM link UNION ALL
	    SELECT 'held', a, b FROM held_link ORDER BY 1, 2"
	expect <<-'EOF'
	link|1|2
	link|4|5
	EOF
	run cdp-merge -a -o x.csv p.ndjson
	assert_equal "$status" 2
}

# Two pairs of Loïc Vasseur and of Jean Martin, whose names agree and
# nothing else does, their cities differing.  The weight the model
# gives the names (log2 m/u, u their term frequency) says how rare they
# are: 13.5 expects fewer than one chance holder among 6 records, 2.0
# many.
names_pair() {	# names_pair A B NAMES_WEIGHT [MORE_EVIDENCE]
	printf '{"a":{"source":"x","record_id":"%s"},"b":{"source":"x","record_id":"%s"},"prob":0.6,"weight":9.5,"rule":"fs","evidence":[{"field":"first_name","a":"f","b":"f","level":"exact","weight":%s},{"field":"last_name","a":"l","b":"l","level":"exact","weight":%s},{"field":"city","a":"lyon","b":"lille","level":"else","weight":-0.23}%s]}\n' \
	    "$1" "$2" "$3" "$3" "${4:-}"
}

@test "cdp-merge: names alone across two places link only a rare name" {
	printf 'id,first_name,last_name,city\nL1,Loïc,Vasseur,Lyon\nL2,Loïc,Vasseur,Lille\nJ1,Jean,Martin,Lyon\nJ2,Jean,Martin,Lille\nK1,Jean,Martin,Lyon\nK2,Jean,Martin,Lille\n' >x.csv
	cdp-ingest -q -s x -i id x.csv
	{ names_pair L1 L2 6.75; names_pair J1 J2 1
	  names_pair K1 K2 1 ',{"field":"email","a":"e","b":"e","level":"exact","weight":8}'
	} >p.ndjson
	run --separate-stderr cdp-merge -P p.ndjson
	assert_equal "$status" 0
	assert_equal "${stderr_lines[0]}" "cdp-merge: link record 3 -- record 4 refused: only a name agrees, the place differs, and the name is not rare (profiles 2 and 3)"
	run partition
	expect <<-'EOF'
	x:J1
	x:J2
	x:K1 x:K2
	x:L1 x:L2
	EOF
	run q "SELECT a, b, prob FROM held_link"
	assert_output "3|4|0.6"
	# Without a disagreeing place, or turned off, names may link.
	rm -f "$CDP_DB"*
	cdp-ingest -q -s x -i id x.csv
	printf 'names-only off\n' >off.conf
	run cdp-merge -P -q -C off.conf p.ndjson
	assert_equal "$status" 0
	run q "SELECT count(DISTINCT profile) FROM member"
	assert_output 3
	# The same in file mode, among 6 records.
	run --separate-stderr cdp-merge -P -o clusters.csv p.ndjson
	assert_equal "$status" 0
	assert_equal "${stderr_lines[0]}" "cdp-merge: pair 2: link refused: only a name agrees, the place differs, and the name is not rare"
	assert_equal "${stderr_lines[1]}" "cdp-merge: 3 pairs read, 3 kept, 0 below the threshold, 0 rejected; 6 records in 4 clusters, 1 links refused"
	printf 'names-only maybe\n' >bad.conf
	run --separate-stderr cdp-merge -P -q -C bad.conf p.ndjson
	assert_equal "$status" 2
	assert_equal "$stderr" "cdp-merge: bad.conf:1: names-only must be on or off"
}

@test "cdp-merge: a profile gone when clustered again leaves a destination under its id" {
	order_records >x.csv
	cdp-ingest -q -s x -i id x.csv
	order_pairs 1 >p1.ndjson
	cdp-merge -P -q p1.ndjson
	cdp-segment -q define named 'first_name is not null'
	cdp-segment -q eval
	run -0 cdp-export -q -F profile_id changes named --dest d
	expect <<-'EOF'
	change,profile_id
	enter,1
	enter,2
	enter,3
	EOF
	{ pair x:C x:D 0.7; pair x:A x:B 0.9; } >p2.ndjson
	cdp-merge -P -q p2.ndjson
	cdp-segment -q eval
	run -0 cdp-export -q -F profile_id changes named --dest d
	expect <<-'EOF'
	change,profile_id
	exit,2
	EOF
}

@test "cdp-merge: held pairs are the person's data: access lists them, erase removes them" {
	order_records >x.csv
	cdp-ingest -q -s x -i id x.csv
	{ order_pairs 1; order_pairs 2; order_pairs 3; } >p.ndjson
	cdp-merge -P -q p.ndjson
	run q "SELECT a, b FROM held_link"
	assert_output "2|3"
	run -0 cdp-privacy access x:C
	run -0 jq -c '.links[] | select(.held) | [.a, .b, .rule, .prob]' <<<"$output"
	assert_output '[2,3,"fs",0.8]'
	run -0 cdp-privacy -q erase x:C
	run q "SELECT count(*) FROM held_link"
	assert_output 0
}
@test "cdp-merge: identity documents outweighing the dates lift the birth-date guard, a household's evidence does not" {
	# 1-2: one person, her date corrupted beyond a typo; her passport
	# agrees, and outweighs the dates in the model's weights.  3-4: a
	# father and his son: name, street and phone agree, no document.
	# 5-6: the passports differ.  7-8: a passport one typo apart
	# weighs less than the dates' disagreement.
	ev() {	# a b passport-level passport-weight: one pair line
		printf '{"a":{"source":"x","record_id":"%s"},"b":{"source":"x","record_id":"%s"},"prob":0.99,"weight":20,"rule":"fs","evidence":[{"field":"first_name","a":"jean","b":"jean","level":"exact","weight":7.3},{"field":"last_name","a":"roy","b":"roy","level":"exact","weight":7.6},{"field":"birth_date","a":"1956-04-09","b":"1965-11-30","level":"else","weight":-3.82},{"field":"street","a":"7 rue haute","b":"7 rue haute","level":"exact","weight":9.6}%s]}\n' \
		    "$1" "$2" "${3:+,{\"field\":\"attr.passport\",\"a\":\"p1\",\"b\":\"p2\",\"level\":\"$3\",\"weight\":$4\}}"
	}
	{ ev 1 2 exact 10.85; ev 3 4; ev 5 6 else -3.8; ev 7 8 typo 2.5; } >d.ndjson
	run --separate-stderr cdp-merge -P -o - d.ndjson
	assert_equal "$status" 0
	expect <<-'EOF'
	cluster_id,source,record_id
	1,x,1
	1,x,2
	3,x,3
	4,x,4
	5,x,5
	6,x,6
	7,x,7
	8,x,8
	EOF
	output=$stderr expect <<-'EOF'
	cdp-merge: pair 2: link refused: conflicting birth dates
	cdp-merge: pair 3: link refused: conflicting birth dates
	cdp-merge: pair 4: link refused: conflicting birth dates
	cdp-merge: 4 pairs read, 4 kept, 0 below the threshold, 0 rejected; 8 records in 7 clusters, 3 links refused
	EOF
}
