#!/usr/bin/env bats
# cdp-export for activation: -F field selection and renaming, segment
# NAME, -H hashing for customer-match uploads, the -c consent filter.
# Scores, segments and consents are written with SQL, as cdp-score,
# cdp-segment and cdp-privacy would leave them.

load test_helper
bats_require_minimum_version 1.5.0

setup() {
	common_setup
	cdp-ingest -q -s crm -i id -c FR "$FIX/merge-crm.csv"
	cdp-ingest -q -s shop -i id -c FR "$FIX/merge-shop.csv"
	cdp-merge -q "$FIX/merge-pairs.ndjson"
	# Profile 5: a web record with a nested attribute; an older record
	# of profile 1 with another tier, which the newer one must win over.
	printf '%s\n' \
	    '{"id":"W1","email":"w1@example.fr","loyalty":{"tier":"gold"},"ts":"2024-01-01T00:00:00Z"}' \
	    '{"id":"W2","email":"jean.dupont@example.fr","loyalty":{"tier":"silver"},"ts":"2024-08-01T00:00:00Z"}' \
	    '{"id":"W3","email":"jean.dupont@example.fr","loyalty":{"tier":"bronze"},"ts":"2020-01-01T00:00:00Z"}' >web.ndjson
	cdp-ingest -q -s web -i id web.ndjson
	cdp-merge -P -q <<-'EOF'
	{"a":{"source":"crm","record_id":"C1"},"b":{"source":"web","record_id":"W2"},"prob":0.99,"rule":"fs"}
	{"a":{"source":"crm","record_id":"C1"},"b":{"source":"web","record_id":"W3"},"prob":0.99,"rule":"fs"}
	EOF
	q "INSERT INTO score VALUES ('clv', 1, 123.5, 9), ('clv', 2, 40, 9);
	   INSERT INTO segment (id, name, definition, compiled, params,
	     created_at, created_run)
	   VALUES (1, 'vip', 'x', 'x', '{}', 't', 9),
	          (2, 'lyon', 'x', 'x', '{}', 't', 9);
	   INSERT INTO segment_member VALUES (1, 1, 9), (1, 2, 9),
	     (2, 1, 9), (2, 3, 9);"
}

@test "cdp-export -F: selects, orders and renames columns" {
	run -0 cdp-export -q -F email,first_name:Prenom,score.clv,attr.loyalty.tier,segments profiles
	expect <<-'EOF'
	email,Prenom,score.clv,attr.loyalty.tier,segments
	jean.dupont@example.fr,Jean,123.50,silver,lyon;vip
	marie.curie@example.fr,Marie,40.00,,vip
	paul.martin@example.fr,Paul,,,lyon
	jeanne.dupont@example.fr,Jeanne,,,
	w1@example.fr,,,gold,
	EOF
	run -0 cdp-export -q -f ndjson -F profile_id:id,score.clv:clv,attr.loyalty,segments profiles
	expect <<-'EOF'
	{"id":1,"clv":123.5,"attr.loyalty":"{\"tier\":\"silver\"}","segments":"lyon;vip"}
	{"id":2,"clv":40,"segments":"vip"}
	{"id":3,"segments":"lyon"}
	{"id":4}
	{"id":5,"attr.loyalty":"{\"tier\":\"gold\"}"}
	EOF
}

@test "cdp-export -F: an unknown or empty field is a usage error" {
	run --separate-stderr cdp-export -F email,nope profiles
	assert_equal "$status" 2
	assert_equal "$stderr" 'cdp-export: unknown field "nope" in -F'
	run --separate-stderr cdp-export -F email,,phone profiles
	assert_equal "$status" 2
	assert_equal "$stderr" 'cdp-export: empty field in -F'
	run --separate-stderr cdp-export -F email: profiles
	assert_equal "$status" 2
	assert_equal "$stderr" 'cdp-export: empty column name in -F: "email:"'
	run --separate-stderr cdp-export -F score. profiles
	assert_equal "$status" 2
	run --separate-stderr cdp-export -F email members
	assert_equal "$status" 2
	assert_equal "$stderr" 'cdp-export: -F, -H and -c do not apply to members'
}

@test "cdp-export segment: the members' golden records" {
	run --separate-stderr cdp-export segment vip
	assert_equal "$status" 0
	expect <<-'EOF'
	profile_id,nrecords,first_seen,last_seen,email,phone,customer_id,loyalty_id,anonymous_id,first_name,last_name,full_name,birth_date,gender,org_name,street,postal_code,city,country
	1,5,2020-01-01T00:00:00Z,2024-08-01T00:00:00Z,jean.dupont@example.fr,+33612345678,,,,Jean,Dupont,,1985-03-15,,,3 avenue Foch,69006,Lyon,
	2,2,2023-02-01T00:00:00Z,2024-06-01T10:00:00Z,marie.curie@example.fr,+33698765432,,,,Marie,Curie,,1967-11-07,,,1 place Jussieu,75005,Paris,
	EOF
	assert_equal "$stderr" "cdp-export: segment: 2 rows"
	run -0 cdp-export -q -F profile_id,segments segment lyon
	expect <<-'EOF'
	profile_id,segments
	1,lyon;vip
	3,lyon
	EOF
	run --separate-stderr cdp-export segment none
	assert_equal "$status" 1
	assert_equal "$stderr" 'cdp-export: segment: no segment "none"'
	run cdp-export segment
	assert_equal "$status" 2
	run cdp-export profiles vip
	assert_equal "$status" 2
}

@test "cdp-export -H sha256: customer-match hashes of email and phone" {
	# An untidy email, and a phone ingested without a country (not E.164).
	q "UPDATE profile SET email = ' Jeanne.Dupont@Example.FR ' WHERE id = 4;
	   UPDATE profile SET phone = '0611111111' WHERE id = 3;
	   UPDATE profile SET phone = '+33 6 22 22 22 22' WHERE id = 4;
	   UPDATE profile SET email = 'not an email' WHERE id = 5;"
	sha() { printf %s "$1" | sha256sum | cut -d' ' -f1; }
	run --separate-stderr cdp-export -H sha256 -F profile_id,email,phone:ph profiles
	assert_equal "$status" 0
	expect <<-EOF
	profile_id,email,ph
	1,$(sha jean.dupont@example.fr),$(sha +33612345678)
	2,$(sha marie.curie@example.fr),$(sha +33698765432)
	3,$(sha paul.martin@example.fr),
	4,$(sha jeanne.dupont@example.fr),$(sha +33622222222)
	5,,
	EOF
	assert_equal "${lines[1]}" "1,1a650f4a91b04f30b3198434a7115bd444e1dbc51f0dae88b76dc4a2b820b3b9,42d573cfc315801d4cd8eddd5416b416a0bf298b9b9e12d6b07442c91db42bd8"
	assert_equal "$stderr" "cdp-export: 2 values left empty: not a valid email or E.164 phone
cdp-export: profiles: 5 rows"
	run -0 cdp-export -q -H sha256:meta -F phone,first_name segment vip
	expect <<-EOF
	phone,first_name
	$(sha 33612345678),Jean
	$(sha 33698765432),Marie
	EOF
	run --separate-stderr cdp-export -H md5 profiles
	assert_equal "$status" 2
	assert_equal "$stderr" "cdp-export: hash must be sha256 or sha256:meta"
}

@test "cdp-export -c: only the profiles whose latest statement grants the purpose" {
	# 1 granted; 2 granted by its identifier; 3 granted then withdrawn;
	# 4 withdrew then granted; 5 said nothing; 1 denied sms.
	q "INSERT INTO consent (record, kind, value, purpose, granted, ts) VALUES
	   (1, NULL, NULL, 'email', 1, '2024-01-01T00:00:00Z'),
	   (NULL, 'email', 'marie.curie@example.fr', 'email', 1, '2024-01-01T00:00:00Z'),
	   (3, NULL, NULL, 'email', 1, '2024-01-01T00:00:00Z'),
	   (3, NULL, NULL, 'email', 0, '2024-02-01T00:00:00Z'),
	   (4, NULL, NULL, 'email', 0, '2024-01-01T00:00:00Z'),
	   (NULL, 'profile', '4', 'email', 1, '2024-03-01T00:00:00Z'),
	   (1, NULL, NULL, 'sms', 0, '2024-01-01T00:00:00Z');"
	run --separate-stderr cdp-export -c email -F profile_id,email profiles
	assert_equal "$status" 0
	expect <<-'EOF'
	profile_id,email
	1,jean.dupont@example.fr
	2,marie.curie@example.fr
	4,jeanne.dupont@example.fr
	EOF
	assert_equal "$stderr" "cdp-export: 2 profiles left out: no consent for email
cdp-export: profiles: 3 rows"
	run --separate-stderr cdp-export -c sms -F profile_id segment vip
	assert_equal "$status" 0
	assert_output "profile_id"
	assert_equal "$stderr" "cdp-export: 2 profiles left out: no consent for sms
cdp-export: segment: 0 rows"
	run --separate-stderr cdp-export -q -c email -F profile_id segment lyon
	assert_output "profile_id
1"
	assert_equal "$stderr" ""
}

@test "cdp-export: every export is logged with its profiles and digest" {
	q "INSERT INTO consent (record, kind, value, purpose, granted, ts) VALUES
	   (2, NULL, NULL, 'ads', 1, '2024-01-01T00:00:00Z'),
	   (4, NULL, NULL, 'ads', 1, '2024-01-01T00:00:00Z');"
	run -0 cdp-export -q -o ads.csv -c ads -F email profiles
	run -0 cdp-export -q -f ndjson segment vip
	printf '%s' "$output" >seg.out
	printf '\n' >>seg.out
	run -0 cdp-export -q members
	run -0 q "SELECT id, what, dest, format, rows, complete, run > 0,
	  length(ts) FROM export_log ORDER BY id"
	expect <<-'EOF'
	1|profiles|ads.csv|csv|2|1|1|20
	2|segment vip|stdout|ndjson|2|1|1|20
	3|members|stdout|csv|10|1|1|20
	EOF
	run -0 q "SELECT export, group_concat(profile, ' ') FROM
	  (SELECT * FROM export_item ORDER BY export, profile) GROUP BY export"
	expect <<-'EOF'
	1|2 4
	2|1 2
	3|1 2 3 4 5
	EOF
	run -0 q "SELECT sha256 FROM export_log WHERE id = 1"
	assert_output "$(sha256sum <ads.csv | cut -d' ' -f1)"
	run -0 q "SELECT sha256 FROM export_log WHERE id = 2"
	assert_output "$(sha256sum <seg.out | cut -d' ' -f1)"
	run -0 q "SELECT tool, outcome, rows_ok FROM run
	  WHERE tool = 'cdp-export' ORDER BY id"
	expect <<-'EOF'
	cdp-export|ok|2
	cdp-export|ok|2
	cdp-export|ok|10
	EOF
	# A failed export leaves no log row.
	run cdp-export -q segment none
	assert_equal "$status" 1
	run -0 q "SELECT count(*) FROM export_log"
	assert_output 3
	run -0 q "SELECT outcome FROM run ORDER BY id DESC LIMIT 1"
	assert_output failed
}

@test "cdp-export: an empty export is logged, with its digest and no profiles" {
	q "INSERT INTO segment (id, name, definition, compiled, params,
	     created_at, created_run)
	   VALUES (3, 'nobody', 'x', 'x', '{}', 't', 9);"
	run -0 cdp-export -q -F email segment nobody
	assert_output email
	run -0 cdp-export -q -F email changes nobody --dest m
	assert_output ""
	run -0 q "SELECT id, what, rows, complete, sha256,
	  (SELECT count(*) FROM export_item WHERE export = e.id)
	  FROM export_log e ORDER BY id"
	expect <<-EOF
	1|segment nobody|0|1|$(printf 'email\n' | sha256sum | cut -d' ' -f1)|0
	2|changes nobody|0|1|$(printf '' | sha256sum | cut -d' ' -f1)|0
	EOF
}

# Profiles 1001..21000 beside the fixtures' (several of export_item's
# hand-over blocks, more output than a pipe and stdio buffer hold).
add_many() {
	q "WITH RECURSIVE n(i) AS (SELECT 1001 UNION ALL SELECT i + 1 FROM n
	     WHERE i < 21000)
	   INSERT INTO profile (id, created_run, updated_run, nrecords,
	     first_seen, last_seen, email)
	   SELECT i, 1, 1, 1, '2024-01-01T00:00:00Z', '2024-06-01T00:00:00Z',
	     'p' || i || '@example.fr' FROM n;"
}

@test "cdp-export: the ledger does not grow with unchanged nightly exports" {
	add_many
	for night in 1 2 3 4 5; do
		cdp-export -q -o all.csv --dest crm profiles
	done
	cdp-export -q --dest ads -F email segment vip
	run -0 q "SELECT (SELECT count(*) FROM export_log),
	  (SELECT count(*) FROM export_item),
	  (SELECT count(*) FROM profile)"
	assert_output "6|20007|20005"
	# Every destination a profile went to is still known, with the
	# latest export that carried it.
	run -0 q "SELECT e.dest, e.id FROM export_item x JOIN export_log e
	  ON e.id = x.export WHERE x.profile = 1 ORDER BY e.dest"
	expect <<-'EOF'
	ads|6
	crm|5
	EOF
}

@test "cdp-export: a long export is logged whole while another writer waits" {
	add_many
	mkfifo out.fifo
	# (fd 3 is bats' own: the background jobs must not hold it.)
	cdp-export -q -F profile_id,email,first_seen,last_seen profiles \
	    >out.fifo 3>&- &
	exp=$!
	exec 7<out.fifo
	# The export has written rows: its snapshot and lock are taken.
	IFS= read -r head <&7
	sqlite3 -batch "$CDP_DB" ".timeout 60000" "INSERT INTO profile (id,
	  created_run, updated_run, nrecords, first_seen, last_seen, email)
	  VALUES (30000, 1, 1, 1, 't', 't', 'late@example.fr')" 3>&- &
	wr=$!
	sleep 0.5
	# The writer waits for the export's commit (the pipe is full).
	run kill -0 "$wr"
	assert_equal "$status" 0
	{ printf '%s\n' "$head"; cat <&7; } >all.csv
	exec 7<&-
	wait "$exp"
	wait "$wr"
	run -0 q "SELECT count(*) FROM profile WHERE id = 30000"
	assert_output 1
	n=$(q "SELECT count(*) FROM profile WHERE id <> 30000")
	assert_equal "$(wc -l <all.csv)" "$((n + 1))"
	run grep -c late@ all.csv
	assert_output 0
	run -0 q "SELECT rows, complete, sha256 FROM export_log"
	assert_output "$n|1|$(sha256sum <all.csv | cut -d' ' -f1)"
	# export_item names exactly the profiles written, each once.
	tail -n +2 all.csv | cut -d, -f1 >written
	q "SELECT profile FROM export_item WHERE export = 1 ORDER BY profile" \
	    >logged
	run -0 diff written logged
	run -0 cdp-privacy erase -n 21000
	run grep -c '^  export 1 .* profiles  to stdout$' <<<"$output"
	assert_output 1
}

@test "cdp-export: an export whose log cannot be written fails whole" {
	add_many
	q "CREATE TRIGGER boom BEFORE INSERT ON export_item
	   WHEN NEW.profile = 15000 BEGIN SELECT RAISE(ABORT, 'boom'); END;"
	run --separate-stderr cdp-export -q -o all.csv profiles
	assert_equal "$status" 1
	assert_equal "$stderr" "cdp-export: profiles: export log: boom"
	run -0 find . -name 'all.csv*'
	assert_output ""
	run -0 q "SELECT (SELECT count(*) FROM export_log),
	  (SELECT count(*) FROM export_item),
	  (SELECT outcome FROM run ORDER BY id DESC LIMIT 1)"
	assert_output "0|0|failed"
}

@test "cdp-export changes: each entry and exit once per destination" {
	q "INSERT INTO segment_change VALUES (1, 10, 1, 'enter'),
	   (1, 10, 2, 'enter'), (2, 10, 3, 'enter');"
	# A failed export (stdout cannot be written) leaves the cursor.
	run -1 bash -c 'cdp-export -q -F email changes vip --dest mailer >/dev/full'
	run -0 q "SELECT count(*) FROM export_cursor"
	assert_output 0
	run --separate-stderr cdp-export -F email changes vip --dest mailer
	assert_equal "$status" 0
	expect <<-'EOF'
	change,email
	enter,jean.dupont@example.fr
	enter,marie.curie@example.fr
	EOF
	assert_equal "$stderr" "cdp-export: changes: 2 rows"
	# Nothing new: nothing at all, not even the header.
	run --separate-stderr cdp-export -F email changes vip --dest mailer
	assert_equal "$status" 0
	assert_output ""
	assert_equal "$stderr" "cdp-export: changes: 0 rows"
	q "INSERT INTO segment_change VALUES (1, 11, 2, 'exit'),
	   (1, 11, 3, 'enter'), (2, 11, 1, 'enter');"
	run -0 cdp-export -q -f ndjson -F profile_id,email changes vip --dest mailer
	expect <<-'EOF'
	{"change":"exit","profile_id":2,"email":"marie.curie@example.fr"}
	{"change":"enter","profile_id":3,"email":"paul.martin@example.fr"}
	EOF
	run -0 cdp-export -q -F email changes vip --dest mailer
	assert_output ""
	# Another destination has its own cursor: the net change since
	# nothing, one row per profile; no exit for profile 2, which it was
	# never given.
	run -0 cdp-export -q -F profile_id changes vip --dest crm
	expect <<-'EOF'
	change,profile_id
	enter,1
	enter,3
	EOF
	run -0 q "SELECT segment, dest, run, export FROM export_cursor
	  ORDER BY dest"
	expect <<-'EOF'
	vip|crm|11|5
	vip|mailer|11|4
	EOF
	run -0 q "SELECT id, what, dest, rows, complete FROM export_log"
	expect <<-'EOF'
	1|changes vip|mailer|2|1
	2|changes vip|mailer|0|1
	3|changes vip|mailer|2|1
	4|changes vip|mailer|0|1
	5|changes vip|crm|2|1
	EOF
}

@test "cdp-export changes -o: delivered before the cursor, never replaced by less" {
	q "INSERT INTO segment_change VALUES (1, 10, 1, 'enter'),
	   (1, 10, 2, 'enter');
	   CREATE TRIGGER lost BEFORE INSERT ON export_cursor
	   BEGIN SELECT RAISE(ABORT, 'lost'); END;"
	# The cursor cannot commit: the file is delivered all the same,
	# and nothing is counted as sent.
	run --separate-stderr cdp-export -q -o x.csv -F profile_id changes vip --dest m
	assert_equal "$status" 1
	assert_equal "$stderr" "cdp-export: changes: lost"
	run -0 cat x.csv
	expect <<-'EOF'
	change,profile_id
	enter,1
	enter,2
	EOF
	run -0 q "SELECT count(*) FROM export_cursor"
	assert_output 0
	q "DROP TRIGGER lost"
	run -0 cdp-export -q -o x.csv -F profile_id changes vip --dest m
	cp x.csv first.csv
	# A retry after a commit its caller never saw: the same file again.
	run --separate-stderr cdp-export -o x.csv -F profile_id changes vip --dest m
	assert_equal "$status" 0
	assert_equal "$stderr" "cdp-export: changes: 2 rows"
	cmp first.csv x.csv
	# Not taken yet when something new comes: the old rows with it.
	q "INSERT INTO segment_change VALUES (1, 11, 3, 'enter')"
	run -0 cdp-export -q -o x.csv -F profile_id changes vip --dest m
	run -0 cat x.csv
	expect <<-'EOF'
	change,profile_id
	enter,1
	enter,2
	enter,3
	EOF
	# Taken (removed, or changed by its reader): only what is new.
	printf 'seen\n' >x.csv
	q "INSERT INTO segment_change VALUES (1, 12, 2, 'exit')"
	run -0 cdp-export -q -o x.csv -F profile_id changes vip --dest m
	run -0 cat x.csv
	expect <<-'EOF'
	change,profile_id
	exit,2
	EOF
	run -0 q "SELECT run, export FROM export_cursor"
	assert_output "12|4"
	run -0 q "SELECT id, rows FROM export_log"
	expect <<-'EOF'
	1|2
	2|2
	3|3
	4|1
	EOF
}

@test "cdp-export changes: a profile merged away exits under the id it was given" {
	q "INSERT INTO segment_change VALUES (1, 10, 5, 'enter')"
	run -0 cdp-export -q -F profile_id,email changes vip --dest m
	cdp-merge -P -q <<-'EOF'
	{"a":{"source":"crm","record_id":"C1"},"b":{"source":"web","record_id":"W1"},"prob":0.99,"rule":"fs"}
	EOF
	run -0 q "SELECT count(*) FROM profile WHERE id = 5"
	assert_output 0
	q "INSERT INTO segment_change VALUES (1, 11, 5, 'exit')"
	run -0 cdp-export -q -F profile_id,email changes vip --dest m
	expect <<-'EOF'
	change,profile_id,email
	exit,5,w1@example.fr
	EOF
	# The exit delivered on stdout, its keys are gone.
	run -0 q "SELECT count(*) FROM export_key"
	assert_output 0
	# Entered and left between two exports: the destination never had
	# it, nothing to say.
	q "INSERT INTO segment_change VALUES (1, 12, 5, 'enter'),
	   (1, 13, 5, 'exit')"
	run --separate-stderr cdp-export -f ndjson -F profile_id,email changes vip --dest m
	assert_equal "$status" 0
	assert_output ''
	assert_equal "$stderr" "cdp-export: changes: 0 rows"
}

@test "cdp-export changes: an exit carries the identifying values the entry gave, hashed alike, and nothing else" {
	q "INSERT INTO segment_change VALUES (1, 10, 1, 'enter'),
	   (1, 10, 2, 'enter')"
	run -0 cdp-export -q -F email:EMAIL,first_name,score.clv changes vip --dest brevo
	run -0 cdp-export -q -H sha256 -F profile_id,email changes vip --dest ads
	expect <<-'EOF'
	change,profile_id,email
	enter,1,1a650f4a91b04f30b3198434a7115bd444e1dbc51f0dae88b76dc4a2b820b3b9
	enter,2,572d4b0acc05bff9bc51e88274d72ba5b758adb875dee6c80d3d8a9294b26c77
	EOF
	run -0 q "SELECT segment, dest, profile, keys, exited FROM export_key
	  ORDER BY dest, profile"
	expect <<-'EOF'
	vip|ads|1|{"profile_id":1,"email":"jean.dupont@example.fr"}|
	vip|ads|2|{"profile_id":2,"email":"marie.curie@example.fr"}|
	vip|brevo|1|{"email":"jean.dupont@example.fr"}|
	vip|brevo|2|{"email":"marie.curie@example.fr"}|
	EOF
	# Their fields change, then they leave: the exits say who they were.
	q "UPDATE profile SET email = 'new@example.fr', first_name = NULL
	     WHERE id IN (1, 2);
	   DELETE FROM score;
	   INSERT INTO segment_change VALUES (1, 11, 1, 'exit'),
	     (1, 11, 2, 'exit')"
	run -0 cdp-export -q -F email:EMAIL,first_name,score.clv changes vip --dest brevo
	expect <<-'EOF'
	change,EMAIL,first_name,score.clv
	exit,jean.dupont@example.fr,,
	exit,marie.curie@example.fr,,
	EOF
	run -0 cdp-export -q -H sha256 -F profile_id,email changes vip --dest ads
	expect <<-'EOF'
	change,profile_id,email
	exit,1,1a650f4a91b04f30b3198434a7115bd444e1dbc51f0dae88b76dc4a2b820b3b9
	exit,2,572d4b0acc05bff9bc51e88274d72ba5b758adb875dee6c80d3d8a9294b26c77
	EOF
	run -0 q "SELECT count(*) FROM export_key"
	assert_output 0
}

@test "cdp-export changes: without an identifying field an exit carries every field the entry gave" {
	q "INSERT INTO segment_change VALUES (1, 10, 1, 'enter')"
	run -0 cdp-export -q -F first_name,score.clv changes vip --dest cards
	q "UPDATE profile SET first_name = 'X' WHERE id = 1;
	   INSERT INTO segment_change VALUES (1, 11, 1, 'exit')"
	run -0 cdp-export -q -F first_name,score.clv changes vip --dest cards
	expect <<-'EOF'
	change,first_name,score.clv
	exit,Jean,123.50
	EOF
}

@test "cdp-export changes -o: an exit's keys stay until its file is taken" {
	q "INSERT INTO segment_change VALUES (1, 10, 1, 'enter')"
	run -0 cdp-export -q -o x.csv -F email changes vip --dest m
	q "UPDATE profile SET email = 'new@example.fr' WHERE id = 1;
	   INSERT INTO segment_change VALUES (1, 11, 1, 'exit')"
	run -0 cdp-export -q -o y.csv -F email changes vip --dest m
	run -0 cat y.csv
	expect <<-'EOF'
	change,email
	exit,jean.dupont@example.fr
	EOF
	cp y.csv first.csv
	# Not taken: a retry writes the same exit again, from the same keys.
	run -0 q "SELECT profile, exited FROM export_key"
	assert_output "1|2"
	run -0 cdp-export -q -o y.csv -F email changes vip --dest m
	cmp first.csv y.csv
	run -0 q "SELECT profile, exited FROM export_key"
	assert_output "1|3"
	# Taken: the next export forgets them.
	rm y.csv
	run -0 cdp-export -q -o y.csv -F email changes vip --dest m
	assert_output ''
	run -0 q "SELECT count(*) FROM export_key"
	assert_output 0
}

@test "cdp-export changes: consent holds back entries, never exits" {
	q "INSERT INTO segment_change VALUES (1, 10, 1, 'enter'),
	   (1, 10, 2, 'enter'), (1, 11, 3, 'enter'), (1, 11, 4, 'exit');
	   INSERT INTO consent (record, kind, value, purpose, granted, ts)
	   VALUES (1, NULL, NULL, 'email', 1, '2024-01-01T00:00:00Z');"
	run --separate-stderr cdp-export -c email -F profile_id changes vip --dest m
	assert_equal "$status" 0
	expect <<-'EOF'
	change,profile_id
	enter,1
	EOF
	assert_equal "$stderr" "cdp-export: 2 profiles left out: no consent for email
cdp-export: changes: 1 rows"
	run -0 q "SELECT profile FROM export_key"
	assert_output 1
	# 2 was never given to m: its exit is not either; 1's is.
	q "INSERT INTO segment_change VALUES (1, 12, 1, 'exit'),
	   (1, 12, 2, 'exit')"
	run -0 cdp-export -q -c email -F profile_id changes vip --dest m
	expect <<-'EOF'
	change,profile_id
	exit,1
	EOF
}

@test "cdp-export changes: usage" {
	run --separate-stderr cdp-export changes vip
	assert_equal "$status" 2
	assert_equal "$stderr" "cdp-export: changes needs --dest"
	run cdp-export changes --dest m
	assert_equal "$status" 2
	run --separate-stderr cdp-export changes none --dest m
	assert_equal "$status" 1
	assert_equal "$stderr" 'cdp-export: changes: no segment "none"'
	run -0 cdp-export -q --dest crm-upload -F email segment vip
	run -0 q "SELECT dest FROM export_log"
	assert_output crm-upload
}

# Two events of w1@example.fr joined to profile 5, one of nobody yet.
add_events() {
	printf '%s\n' \
	    '{"id":"E1","email":"w1@example.fr","event_type":"purchase","amount":12.5,"currency":"EUR","ts":"2024-03-01T10:00:00Z","sku":"A1"}' \
	    '{"id":"E2","email":"w1@example.fr","event_type":"view","ts":"2024-03-02T10:00:00Z"}' \
	    '{"id":"E3","email":"x@example.fr","event_type":"view","ts":"2024-02-01T00:00:00Z"}' >ev.ndjson
	cdp-ingest -q -s ev -i id ev.ndjson
	cdp-merge -P -q <<-'EOF'
	{"a":{"source":"web","record_id":"W1"},"b":{"source":"ev","record_id":"E1"},"prob":0.99,"rule":"fs"}
	{"a":{"source":"web","record_id":"W1"},"b":{"source":"ev","record_id":"E2"},"prob":0.99,"rule":"fs"}
	EOF
}

@test "cdp-export profile: the 360-degree view by id, email or phone" {
	add_events
	q "INSERT INTO score VALUES ('clv', 5, 99.5, 9), ('churn', 5, 0.25, 9);
	   INSERT INTO segment_member VALUES (2, 5, 9), (1, 5, 9);
	   INSERT INTO consent (record, kind, value, purpose, granted, ts) VALUES
	   (NULL, 'email', 'w1@example.fr', 'email', 1, '2024-01-01T00:00:00Z'),
	   (NULL, 'profile', '5', 'ads', 1, '2024-01-01T00:00:00Z'),
	   (NULL, 'profile', '5', 'ads', 0, '2024-02-01T00:00:00Z');"
	run --separate-stderr cdp-export profile w1@example.fr
	assert_equal "$status" 0
	expect <<-'EOF'
	{"profile_id":5,"golden":{"nrecords":3,"first_seen":"2024-01-01T00:00:00Z","last_seen":"2024-03-02T10:00:00Z","email":"w1@example.fr","phone":null,"customer_id":null,"loyalty_id":null,"anonymous_id":null,"first_name":null,"last_name":null,"full_name":null,"birth_date":null,"gender":null,"org_name":null,"street":null,"postal_code":null,"city":null,"country":null},"identities":[{"kind":"email","value":"w1@example.fr","sources":["ev","web"]}],"records":[{"source":"ev","record_id":"E1","ts":"2024-03-01T10:00:00Z","event_type":"purchase","raw":{"id":"E1","email":"w1@example.fr","event_type":"purchase","amount":12.5,"currency":"EUR","ts":"2024-03-01T10:00:00Z","sku":"A1"}},{"source":"ev","record_id":"E2","ts":"2024-03-02T10:00:00Z","event_type":"view","raw":{"id":"E2","email":"w1@example.fr","event_type":"view","ts":"2024-03-02T10:00:00Z"}},{"source":"web","record_id":"W1","ts":"2024-01-01T00:00:00Z","event_type":null,"raw":{"id":"W1","email":"w1@example.fr","loyalty":{"tier":"gold"},"ts":"2024-01-01T00:00:00Z"}}],"scores":{"churn":0.25,"clv":99.5},"segments":["lyon","vip"],"consents":[{"purpose":"ads","granted":false,"ts":"2024-02-01T00:00:00Z"},{"purpose":"email","granted":true,"ts":"2024-01-01T00:00:00Z"}],"events":[{"ts":"2024-03-02T10:00:00Z","event_type":"view","amount":null,"currency":null,"source":"ev","record_id":"E2"},{"ts":"2024-03-01T10:00:00Z","event_type":"purchase","amount":12.5,"currency":"EUR","source":"ev","record_id":"E1"}]}
	EOF
	assert_equal "$stderr" "cdp-export: profile: 1 rows"
	run -0 cdp-export -q profile 5
	assert_equal "${output:0:31}" '{"profile_id":5,"golden":{"nrec'
	run -0 cdp-export -q profile "+33 6 12 34 56 78"
	assert_equal "${output:0:16}" '{"profile_id":1,'
	# The log names the profile exported, never the subject typed.
	run -0 q "SELECT e.what, x.profile FROM export_item x JOIN export_log e
	  ON e.id = x.export ORDER BY e.id DESC LIMIT 1"
	assert_output 'profile (subject)|1'
	run -0 q "SELECT count(*) FROM run WHERE args LIKE '%12 34%'
	  OR args LIKE '%w1@%'"
	assert_output 0
	run --separate-stderr cdp-export profile 99
	assert_equal "$status" 1
	assert_equal "$stderr" "cdp-export: profile: no profile 99"
	run --separate-stderr cdp-export profile nobody@example.fr
	assert_equal "$status" 1
	assert_equal "$stderr" 'cdp-export: profile: no profile with this email'
	run --separate-stderr cdp-export profile foo
	assert_equal "$status" 1
	assert_equal "$stderr" 'cdp-export: profile: "foo": not a profile id, an email or an international phone'
	run --separate-stderr cdp-export -f csv profile 5
	assert_equal "$status" 2
	assert_equal "$stderr" "cdp-export: profile is always JSON: no -f"
}

@test "cdp-export events: records with an event type and their profile" {
	add_events
	# Not merged yet: no profile.
	printf '{"id":"E4","event_type":"view","ts":"2024-04-01T00:00:00Z"}\n' |
	    cdp-ingest -q -s ev -i id -f ndjson
	run --separate-stderr cdp-export events
	assert_equal "$status" 0
	expect <<-'EOF'
	{"profile_id":5,"source":"ev","record_id":"E1","event_type":"purchase","ts":"2024-03-01T10:00:00Z","amount":12.5,"currency":"EUR"}
	{"profile_id":5,"source":"ev","record_id":"E2","event_type":"view","ts":"2024-03-02T10:00:00Z"}
	{"profile_id":6,"source":"ev","record_id":"E3","event_type":"view","ts":"2024-02-01T00:00:00Z"}
	{"source":"ev","record_id":"E4","event_type":"view","ts":"2024-04-01T00:00:00Z"}
	EOF
	assert_equal "$stderr" "cdp-export: events: 4 rows"
	run -0 cdp-export -q -f csv events --since 2024-03-01T10:00:00Z
	expect <<-'EOF'
	profile_id,source,record_id,event_type,ts,amount,currency
	5,ev,E1,purchase,2024-03-01T10:00:00Z,12.50,EUR
	5,ev,E2,view,2024-03-02T10:00:00Z,,
	,ev,E4,view,2024-04-01T00:00:00Z,,
	EOF
	run -0 q "SELECT e.what, e.rows, group_concat(x.profile) FROM
	  export_log e LEFT JOIN export_item x ON x.export = e.id GROUP BY e.id"
	# The ledger keeps the latest export of a profile per what and
	# destination: profile 5 went out again with the second.
	expect <<-'EOF'
	events|4|6
	events|3|5
	EOF
	run --separate-stderr cdp-export --since 2024 profiles
	assert_equal "$status" 2
	assert_equal "$stderr" "cdp-export: --since applies to events only"
}

@test "cdp-export changes -o: kill -9 at 12 seeded moments, never a cursor past an undelivered file" {
	add_many
	q "INSERT INTO segment_change SELECT 1, 10, id, 'enter' FROM profile"
	want=$(q "SELECT count(*) FROM profile")
	for d in $(awk 'BEGIN { srand(46); for (i = 0; i < 12; i++)
	    printf "%.3f\n", 0.3 * rand() }'); do
		cdp-export -q -o x.csv -F profile_id changes vip --dest m &
		pid=$!
		sleep "$d"
		kill -9 "$pid" 2>/dev/null || true
		wait "$pid" || true
		c=$(q "SELECT export FROM export_cursor")
		[ -z "$c" ] && continue
		# The cursor moved: the file it names is there, whole.
		run -0 q "SELECT sha256 FROM export_log WHERE id = $c"
		assert_output "$(sha256sum <x.csv | cut -d' ' -f1)"
	done
	# Whatever happened, the file delivered now holds every change,
	# and the temporaries of the killed ones are gone.
	run -0 cdp-export -q -o x.csv -F profile_id changes vip --dest m
	run -0 ls
	refute_output --partial tmp
	run -0 sed 1d x.csv
	assert_equal "${#lines[@]}" "$want"
	run -0 q "SELECT count(*) FROM export_item x JOIN export_cursor c
	  ON c.export = x.export"
	assert_output "$want"
}
