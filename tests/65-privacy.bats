#!/usr/bin/env bats
# cdp-privacy: access (art. 15), erasure (art. 17) and consent.

load test_helper
bats_require_minimum_version 1.5.0

# Two people from the CRM fixture plus a web event of the first, each
# record its own profile except the web event, merged into profile 1;
# then one row in every table that can name a person.
setup() {
	common_setup
	cdp-ingest -q -s crm -i ID_CLIENT -c FR -T %d/%m/%Y \
	    -m consent_email=OPTIN_EMAIL "$FIX/crm_fr.csv"
	printf '{"id":"w1","email":"JEAN.DUPONT@example.fr","anon":"ck-9"}\n' |
	    cdp-ingest -q -s web -i id -m anonymous_id=anon
	q "INSERT INTO profile(id, created_run, updated_run, nrecords, email,
	       first_name) SELECT r.id, 1, 1, 1, r.email, r.first_name
	       FROM record r JOIN source s ON s.id = r.source_id
	       WHERE s.name = 'crm';
	   INSERT INTO member SELECT r.id, r.id, 1 FROM record r
	       JOIN source s ON s.id = r.source_id WHERE s.name = 'crm';
	   INSERT INTO member SELECT id, 1, 2 FROM record WHERE record_id = 'w1';
	   INSERT INTO link VALUES (1, 4, 'ident:email', NULL, 1.0,
	       '[{\"field\":\"email\",\"a\":\"jean.dupont@example.fr\"}]', 3);
	   INSERT INTO merge_log(run, action, profile, other, record, reason,
	       evidence, ts) VALUES (3, 'merge', 1, NULL, 4, 'ident:email',
	       'jean.dupont@example.fr', '2024-01-01T00:00:00Z');
	   INSERT INTO score VALUES ('clv', 1, 123.5, 3), ('clv', 2, 7, 3);
	   INSERT INTO segment(id, name, definition, compiled, params, created_at,
	       created_run) VALUES (1, 'vip', 'x', 'x', '[]', 'now', 3);
	   INSERT INTO segment_member VALUES (1, 1, 3), (1, 2, 3);
	   INSERT INTO export_log(id, run, ts, what, dest, format, rows,
	       complete) VALUES (1, 3, '2024-02-01T10:00:00Z', 'segment vip',
	       'mailchimp', 'csv', 2, 1);
	   INSERT INTO export_item VALUES (1, 1), (1, 2);"
}

# A file made immutable by a test must not outlive it.
teardown() {
	[ ! -e "$BATS_TEST_TMPDIR/ro.csv" ] ||
	    chattr -i "$BATS_TEST_TMPDIR/ro.csv" 2>/dev/null || true
}

@test "cdp-privacy access: every table that names the person" {
	run --separate-stderr cdp-privacy access ' Jean.Dupont@Example.FR '
	assert_equal "$status" 0
	run jq -c '[.subject_kind, (.profiles | map(.id)),
	    (.records | map(.source + ":" + .record_id)),
	    (.records[0].raw.PRENOM), (.identifiers | length),
	    (.consents | map(.purpose + "=" + (.granted | tostring))),
	    (.links | length), (.merge_history | map(.action)),
	    (.scores | map(.value)), (.segments | map(.segment)),
	    (.exports | map(.dest))]' <<<"$output"
	assert_output '["email",[1],["crm:C001","web:w1"],"Jean-François",5,["email=true"],1,["merge"],[123.5],["vip"],["mailchimp"]]'
}

@test "cdp-privacy access: by profile id and by record" {
	run cdp-privacy access 2
	assert_equal "$status" 0
	run jq -r '.records[].record_id' <<<"$output"
	assert_output C002
	run cdp-privacy access crm:C003
	run jq -r '.profiles[].email' <<<"$output"
	assert_output zoe@example.com
}

@test "cdp-privacy erase: the bytes are gone from the file and the WAL" {
	# The person's values, as raw bytes, before.
	grep -q -a 'jean.dupont@example.fr' "$CDP_DB" "$CDP_DB-wal"
	other_before=$(q "SELECT record_id, email, phone, raw FROM record
	    WHERE record_id IN ('C002', 'C003') ORDER BY 1")
	run cdp-privacy erase jean.dupont@example.fr
	assert_equal "$status" 0
	expect <<-'EOF'
	erased:
	  record           2
	  profile          1
	  ident            5
	  record_history   0
	  consent          1
	  link             1
	  merge_log        1
	  score            1
	  segment_member   1
	  reject           0
	  log              0
	exports that included the person (notify their recipients):
	  export 1  2024-02-01T10:00:00Z  segment vip  to mailchimp
	identifiers kept, shared with other profiles (not suppressed):
	identifiers suppressed (erased, refused from now on): 4
	EOF
	for f in "$CDP_DB" "$CDP_DB-wal" "$CDP_DB-shm"; do
		[ -e "$f" ] || continue
		run grep -c -a -i -e 'dupont' -e 'Jean-Fran' -e '+33612345678' \
		    -e '06 12 34 56 78' "$f"
		assert_output 0
	done
	run q "SELECT record_id, email, phone, raw FROM record
	    WHERE record_id IN ('C002', 'C003') ORDER BY 1"
	assert_equal "$output" "$other_before"
	run q "SELECT count(*) FROM record"
	assert_output 2
	run q "SELECT profile, value FROM score ORDER BY 1"
	assert_output "2|7"
	run q "SELECT kind, length(hash) FROM suppression ORDER BY kind"
	expect <<-'EOF'
	anonymous_id|64
	customer_id|64
	email|64
	phone|64
	EOF
	run q "PRAGMA integrity_check"
	assert_output ok
}

@test "cdp-privacy erase: cdp-match's keys and term counts of the person go too" {
	cdp-match >/dev/null
	ids=$(q "SELECT group_concat(record) FROM ident WHERE kind = 'email'
	    AND value = 'jean.dupont@example.fr'")
	[ "$(q "SELECT count(*) FROM matchkey WHERE record IN ($ids)")" -gt 0 ]
	[ "$(q "SELECT count(*) FROM matchrec WHERE record IN ($ids)")" -gt 0 ]
	run q "SELECT count(*) FROM state WHERE key = 'matchkey'"
	assert_output 1
	run cdp-privacy erase jean.dupont@example.fr
	assert_equal "$status" 0
	run q "SELECT count(*) FROM matchkey WHERE record IN ($ids)"
	assert_output 0
	run q "SELECT count(*) FROM matchrec WHERE record IN ($ids)"
	assert_output 0
	# The fingerprint is gone: the next run rebuilds the counts without
	# the person, and still works.
	run q "SELECT count(*) FROM state WHERE key = 'matchkey'"
	assert_output 0
	run cdp-match
	assert_equal "$status" 0
	run q "SELECT count(*) FROM matchkey WHERE record NOT IN
	    (SELECT id FROM record)"
	assert_output 0
}

@test "cdp-privacy erase: a later ingest of the same email is refused and counted" {
	cdp-privacy erase jean.dupont@example.fr >/dev/null
	run --separate-stderr cdp-ingest -s crm -i ID_CLIENT -c FR -T %d/%m/%Y \
	    -m consent_email=OPTIN_EMAIL "$FIX/crm_fr.csv"
	assert_equal "$status" 0
	assert_equal "${stderr_lines[-1]}" "cdp-ingest: crm: 3 read, 0 inserted, 0 updated, 2 unchanged, 0 rejected, 1 invalid values, 1 suppressed (erased)"
	run q "SELECT count(*) FROM record WHERE email = 'jean.dupont@example.fr'"
	assert_output 0
	run q "SELECT suppressed FROM run ORDER BY id DESC LIMIT 1"
	assert_output 1
}

@test "cdp-privacy erase -n: shows and changes nothing" {
	before=$(dump)
	run cdp-privacy erase jean.dupont@example.fr -n
	assert_equal "$status" 0
	assert_line --index 0 "would erase:"
	assert_equal "$(dump)" "$before"
}

@test "cdp-privacy: the subject never reaches the run log" {
	cdp-privacy access jean.dupont@example.fr >/dev/null
	cdp-privacy erase jean.dupont@example.fr -n >/dev/null
	run q "SELECT args FROM run WHERE tool = 'cdp-privacy' ORDER BY id"
	expect <<-'EOF'
	["cdp-privacy","access","(subject)"]
	["cdp-privacy","erase","(subject)","-n"]
	EOF
}

@test "cdp-privacy consent: set by hand, the latest statement wins" {
	ts=$(q "SELECT ts FROM consent LIMIT 1")
	run cdp-privacy consents jean.dupont@example.fr
	expect <<-EOF
	purpose,status,ts,source
	email,granted,$ts,crm
	EOF
	sleep 1
	cdp-privacy consent jean.dupont@example.fr email denied
	cdp-privacy consent +33612345678 sms granted
	run cdp-privacy consents jean.dupont@example.fr
	assert_line --index 1 --regexp '^email,denied,[0-9T:Z-]+,manual$'
	assert_line --index 2 --regexp '^sms,granted,[0-9T:Z-]+,manual$'
	run q "SELECT profile, purpose, granted FROM profile_consent
	    ORDER BY 1, 2"
	expect <<-'EOF'
	1|email|0
	1|sms|1
	2|email|0
	3|email|1
	EOF
}

@test "cdp-privacy: usage errors" {
	run cdp-privacy
	assert_equal "$status" 2
	run cdp-privacy consent a@b.fr email maybe
	assert_equal "$status" 2
	run cdp-privacy access 'not a subject'
	assert_equal "$status" 2
	run cdp-privacy consent a@b.fr 'x;y' granted
	assert_equal "$status" 2
	assert_output --partial 'invalid purpose "x;y"'
}

# A household: two profiles sharing a landline, each with an email of
# their own.
household() {
	printf 'id,first_name,last_name,email,phone\n%s\n%s\n' \
	    'H1,Paul,Durand,paul.durand@example.fr,01 45 67 89 10' \
	    'H2,Marie,Durand,marie.durand@example.fr,01 45 67 89 10' \
	    >house.csv
	cdp-ingest -q -s house -i id -c FR house.csv
	q "INSERT INTO profile(id, created_run, updated_run, nrecords)
	       SELECT id, 1, 1, 1 FROM record WHERE record_id IN ('H1', 'H2');
	   INSERT INTO member SELECT id, id, 1 FROM record
	       WHERE record_id IN ('H1', 'H2');"
}

@test "cdp-privacy erase: an identifier shared with another profile is kept, and said so" {
	household
	run --separate-stderr cdp-privacy erase paul.durand@example.fr
	assert_equal "$status" 0
	expect <<-'EOF'
	erased:
	  record           1
	  profile          1
	  ident            2
	  record_history   0
	  consent          0
	  link             0
	  merge_log        0
	  score            0
	  segment_member   0
	  reject           0
	  log              0
	exports that included the person (notify their recipients):
	identifiers kept, shared with other profiles (not suppressed):
	  phone            held by 1 other profile
	identifiers suppressed (erased, refused from now on): 1
	EOF
	run q "SELECT kind FROM suppression"
	assert_output email
	# Marie's new order with the landline alone is stored; Paul's
	# record, re-delivered, is not.
	printf 'H3,Marie,Durand,,01 45 67 89 10\n' >>house.csv
	run --separate-stderr cdp-ingest -s house -i id -c FR house.csv
	assert_equal "$status" 0
	assert_equal "$stderr" "cdp-ingest: house: 3 read, 1 inserted, 0 updated, 1 unchanged, 0 rejected, 1 suppressed (erased)"
	run q "SELECT record_id FROM record WHERE source_id =
	    (SELECT id FROM source WHERE name = 'house') ORDER BY 1"
	expect <<-'EOF'
	H2
	H3
	EOF
}

@test "cdp-privacy erase: a record never linked to the person but holding only their identifiers goes too; a shared one stays" {
	printf 'id,first_name,last_name,email,phone\n%s\n%s\n%s\n' \
	    'P1,Paul,Durand,paul.durand@example.fr,06 11 22 33 44' \
	    'P2,Paul,Durand,paul.durand@example.fr,01 45 67 89 10' \
	    'M1,Marie,Durand,marie.durand@example.fr,01 45 67 89 10' \
	    >house.csv
	cdp-ingest -q -s house -i id -c FR house.csv
	# The service desk's tickets: T1 Paul's mobile alone, T2 the
	# household landline alone, T3 Paul's mobile and his name.
	printf 'id,first_name,phone,text\n%s\n%s\n%s\n' \
	    'T1,,06 11 22 33 44,rappeler' 'T2,,01 45 67 89 10,colis' \
	    'T3,Paul,06 11 22 33 44,retour' >desk.csv
	cdp-ingest -q -s desk -i id -c FR desk.csv
	q "INSERT INTO profile(id, created_run, updated_run, nrecords)
	       SELECT id, 1, 1, 1 FROM record WHERE record_id IN
	       ('P1', 'M1', 'T3');
	   INSERT INTO member SELECT id, id, 1 FROM record
	       WHERE record_id IN ('P1', 'M1', 'T3');
	   INSERT INTO member SELECT id, (SELECT id FROM record
	       WHERE record_id = 'P1'), 1 FROM record WHERE record_id = 'P2';"
	# Access shows what erase takes as his.
	cdp-privacy access paul.durand@example.fr >access.json
	run sh -c "grep -o '\"record_id\":\"[A-Z0-9]*\"' access.json | sort -u"
	expect <<-'EOF'
	"record_id":"P1"
	"record_id":"P2"
	"record_id":"T1"
	"record_id":"T3"
	EOF
	run --separate-stderr cdp-privacy erase paul.durand@example.fr
	assert_equal "$status" 0
	expect <<-'EOF'
	erased:
	  record           4
	  profile          2
	  ident            6
	  record_history   0
	  consent          0
	  link             0
	  merge_log        0
	  score            0
	  segment_member   0
	  reject           0
	  log              0
	records not linked to the person, holding only their identifiers (counted above): 2
	exports that included the person (notify their recipients):
	identifiers kept, shared with other profiles (not suppressed):
	  phone            held by 2 other profiles
	identifiers suppressed (erased, refused from now on): 2
	EOF
	# Marie and the landline's ticket stay; the mobile is suppressed.
	run q "SELECT record_id FROM record ORDER BY 1"
	expect <<-'EOF'
	C001
	C002
	C003
	M1
	T2
	w1
	EOF
	run q "SELECT kind FROM suppression ORDER BY 1"
	expect <<-'EOF'
	email
	phone
	EOF
	run q "SELECT count(*) FROM ident WHERE value = '+33611223344'"
	assert_output 0
	# The ticket comes back: refused.
	run --separate-stderr cdp-ingest -s desk -i id -c FR desk.csv
	assert_equal "$status" 0
	assert_equal "$stderr" "cdp-ingest: desk: 3 read, 0 inserted, 0 updated, 1 unchanged, 0 rejected, 2 suppressed (erased)"
}

@test "cdp-privacy erase: a ticket with the person's mobile under another name makes the mobile shared; the person's tickets stay" {
	printf 'id,first_name,last_name,email,phone\n%s\n' \
	    'P1,Paul,Durand,paul.durand@example.fr,06 11 22 33 44' >house.csv
	cdp-ingest -q -s house -i id -c FR house.csv
	printf 'id,first_name,phone\n%s\n%s\n' 'T1,,06 11 22 33 44' \
	    'T4,Luc,0611223344' >desk.csv
	cdp-ingest -q -s desk -i id -c FR desk.csv
	q "INSERT INTO profile(id, created_run, updated_run, nrecords)
	       SELECT id, 1, 1, 1 FROM record WHERE record_id = 'P1';
	   INSERT INTO member SELECT id, id, 1 FROM record
	       WHERE record_id = 'P1';"
	run --separate-stderr cdp-privacy erase paul.durand@example.fr
	assert_equal "$status" 0
	assert_line '  record           1'
	refute_line --partial 'records not linked'
	assert_line '  phone            held by 2 other profiles'
	run q "SELECT record_id FROM record WHERE record_id LIKE 'T%' ORDER BY 1"
	expect <<-'EOF'
	T1
	T4
	EOF
}

@test "cdp-privacy erase: a refusal logged under another profile whose evidence compares the person's record goes; the others' stay" {
	# Élodie's cluster refused a link to one of Jean's records (profile
	# 9, merged away since), and another to a record of hers.
	q "INSERT INTO merge_log(run, action, profile, other, record, reason,
	       evidence, ts) VALUES
	   (3, 'refuse', 2, 9, 2, 'conflicting birth dates',
	    '{\"a\":{\"rowid\":2},\"b\":{\"rowid\":1},\"evidence\":[{\"field\":\"birth_date\",\"a\":\"1992-02-29\",\"b\":\"1985-03-15\"}]}',
	    '2024-01-01T00:00:00Z'),
	   (3, 'refuse', 2, 8, 2, 'conflicting birth dates',
	    '{\"a\":{\"rowid\":2},\"b\":{\"rowid\":3},\"evidence\":[{\"field\":\"birth_date\",\"a\":\"1992-02-29\",\"b\":\"1990-02-28\"}]}',
	    '2024-01-01T00:00:00Z')"
	run -0 cdp-privacy erase jean.dupont@example.fr
	assert_line '  merge_log        2'
	run q "SELECT other FROM merge_log WHERE action = 'refuse'"
	assert_output 8
	run grep -c -a 1985-03-15 "$CDP_DB"
	assert_output 0
}

@test "cdp-privacy erase: the person's cookie is suppressed: their web events stay out" {
	printf '{"id":"w2","anon":"ck-9","event_type":"page"}\n' |
	    cdp-ingest -q -s web -i id -m anonymous_id=anon
	q "INSERT INTO member SELECT id, 1, 2 FROM record WHERE record_id = 'w2'"
	cdp-privacy erase jean.dupont@example.fr >/dev/null
	run --separate-stderr cdp-ingest -s web -i id -m anonymous_id=anon <<-'EOF'
	{"id":"w1","email":"JEAN.DUPONT@example.fr","anon":"ck-9"}
	{"id":"w2","anon":"ck-9","event_type":"page"}
	{"id":"w3","anon":"ck-10","event_type":"page"}
	EOF
	assert_equal "$status" 0
	assert_equal "$stderr" "cdp-ingest: web: 3 read, 1 inserted, 0 updated, 0 unchanged, 0 rejected, 2 suppressed (erased)"
	# Not counted as stored in the run log (cdp-status's ok column).
	run q "SELECT rows_in, rows_ok, rows_rejected, suppressed FROM run ORDER BY id DESC LIMIT 1"
	assert_output '3|1|0|2'
	run q "SELECT record_id FROM record WHERE source_id =
	    (SELECT id FROM source WHERE name = 'web')"
	assert_output w3
}

@test "cdp-privacy erase: the person's rejected rows go, and do not come back" {
	printf 'ID_CLIENT;PRENOM;NOM;EMAIL;TELEPHONE\n%s\n%s\n' \
	    ';Jean;DUPONT;JEAN.DUPONT@example.fr;06 12 34 56 78' \
	    ';Bob;Ross;bob@example.fr;0600000001' >bad.csv
	run cdp-ingest -q -s crm -i ID_CLIENT -c FR bad.csv
	assert_equal "$status" 3
	run cdp-privacy erase jean.dupont@example.fr
	assert_line '  reject           1'
	run q "SELECT line FROM reject"
	assert_output 3
	# The same file again: Bob's row is rejected again, Jean's is
	# neither shown, kept, nor written to the reject file.
	run --separate-stderr cdp-ingest -s crm -i ID_CLIENT -c FR -r rej.ndjson bad.csv
	assert_equal "$status" 3
	assert_equal "${stderr_lines[0]}" "cdp-ingest: bad.csv:3: empty record id in ID_CLIENT"
	assert_equal "${stderr_lines[1]}" "cdp-ingest: crm: 2 read, 0 inserted, 0 updated, 0 unchanged, 1 rejected, 1 suppressed (erased)"
	# Bob's row is the same reject as before: stored once.
	run q "SELECT line FROM reject ORDER BY id"
	assert_output 3
	run jq -r .line rej.ndjson
	assert_output 3
	run grep -c -i -e dupont -e 'jean\.dupont' -e '06 12 34 56 78' rej.ndjson "$CDP_DB"
	expect <<-EOF
	rej.ndjson:0
	$CDP_DB:0
	EOF
}

@test "cdp-privacy erase: the export log and the run log keep no value of the person" {
	cdp-export profile ' Jean.Dupont@Example.FR ' >/dev/null
	cdp-privacy erase jean.dupont@example.fr >/dev/null
	run q "SELECT what FROM export_log ORDER BY id"
	expect <<-'EOF'
	segment vip
	profile (subject)
	EOF
	run q "SELECT args FROM run WHERE tool = 'cdp-export'"
	assert_output '["cdp-export","profile","(subject)"]'
	run grep -c -a -i 'dupont' "$CDP_DB"
	assert_output 0
}

# Two profiles of events: one last seen in 2020, one in 2023.
dated_profiles() {
	cdp-ingest -q -s ev -i id <<-'EOF'
	{"id":"o1","email":"old@example.fr","ts":"2020-06-01T10:00:00Z"}
	{"id":"n1","email":"new@example.fr","ts":"2019-01-01T10:00:00Z"}
	{"id":"n2","email":"new@example.fr","ts":"2023-06-01T10:00:00Z"}
	EOF
	q "INSERT INTO profile(id, created_run, updated_run, nrecords)
	       VALUES (10, 1, 1, 1), (11, 1, 1, 2);
	   INSERT INTO member SELECT id, CASE record_id WHEN 'o1' THEN 10
	       ELSE 11 END, 1 FROM record WHERE record_id IN ('o1', 'n1', 'n2');"
}

@test "cdp-privacy retain: a dry run by default; -f erases the inactive profiles" {
	dated_profiles
	before=$(dump)
	run --separate-stderr cdp-privacy retain 3y --as-of 2024-01-01
	assert_equal "$status" 0
	assert_line --index 0 "profiles with no activity since 2021-01-01T00:00:00Z: 1"
	assert_line --index 1 "would erase:"
	assert_line --index 2 "  record           1"
	assert_equal "$(dump)" "$before"
	run --separate-stderr cdp-privacy retain -f 3y --as-of 2024-01-01
	assert_equal "$status" 0
	assert_line --index 1 "erased:"
	run q "SELECT record_id FROM record WHERE source_id =
	    (SELECT id FROM source WHERE name = 'ev') ORDER BY 1"
	expect <<-'EOF'
	n1
	n2
	EOF
	run q "SELECT id FROM profile WHERE id >= 10"
	assert_output 11
	run q "SELECT count(*) FROM suppression WHERE kind = 'email'"
	assert_output 1
	run grep -c -a old@example "$CDP_DB"
	assert_output 0
	run q "SELECT args FROM run WHERE tool = 'cdp-privacy' ORDER BY id"
	expect <<-'EOF'
	["cdp-privacy","retain","3y","--as-of","2024-01-01"]
	["cdp-privacy","retain","3y","-f","--as-of","2024-01-01"]
	EOF
	# A later date reaches the other one too.
	run cdp-privacy retain 3y --as-of 2026-07-01
	assert_line --index 0 "profiles with no activity since 2023-07-01T00:00:00Z: 1"
}

@test "cdp-privacy retain: usage errors" {
	run --separate-stderr cdp-privacy retain 3x
	assert_equal "$status" 2
	assert_equal "$stderr" 'cdp-privacy: invalid period "3x": a number and y, m or d (3y, 18m, 90d)'
	run --separate-stderr cdp-privacy retain 3y --as-of yesterday
	assert_equal "$status" 2
	assert_equal "$stderr" 'cdp-privacy: invalid --as-of "yesterday": a date or an ISO 8601 time'
	run cdp-privacy retain
	assert_equal "$status" 2
}

@test "cdp-privacy unsuppress: the identifier may come in again, and the run log says so" {
	cdp-privacy erase jean.dupont@example.fr >/dev/null
	run --separate-stderr cdp-privacy unsuppress Jean.Dupont@example.fr
	assert_equal "$status" 0
	assert_output "unsuppressed: email"
	run q "SELECT args, outcome, message FROM run WHERE tool = 'cdp-privacy'
	    ORDER BY id DESC LIMIT 1"
	assert_output '["cdp-privacy","unsuppress","(subject)"]|ok|unsuppressed'
	run q "SELECT kind FROM suppression ORDER BY 1"
	expect <<-'EOF'
	anonymous_id
	customer_id
	phone
	EOF
	# Signing up again with the email alone comes in; the old CRM row,
	# with the phone still suppressed, does not.
	printf '{"id":"w9","email":"jean.dupont@example.fr"}\n' |
	    cdp-ingest -q -s web -i id
	run q "SELECT record_id FROM record WHERE email = 'jean.dupont@example.fr'"
	assert_output w9
	run cdp-privacy unsuppress customer_id:C001
	assert_output "unsuppressed: customer_id"
	run --separate-stderr cdp-privacy unsuppress jean.dupont@example.fr
	assert_equal "$status" 1
	assert_equal "$stderr" "cdp-privacy: not on the suppression list"
	run q "SELECT outcome FROM run ORDER BY id DESC LIMIT 1"
	assert_output failed
	run cdp-privacy unsuppress 42
	assert_equal "$status" 2
}

@test "cdp-privacy -r: an unreadable configuration erases nothing" {
	before=$(dump)
	run --separate-stderr cdp-privacy -r nosuch.conf erase jean.dupont@example.fr
	assert_equal "$status" 2
	assert_equal "$stderr" "cdp-privacy: nosuch.conf: No such file or directory"
	assert_equal "$(dump)" "$before"
}

@test "cdp-export changes -c: a withdrawn consent is an exit, a consent given back an entry, an erasure an exit by id" {
	q "INSERT INTO segment_change VALUES (1, 3, 1, 'enter'), (1, 3, 2, 'enter')"
	run --separate-stderr cdp-export -c email -F profile_id,email changes vip --dest brevo
	assert_equal "$status" 0
	expect <<-'EOF'
	change,profile_id,email
	enter,1,jean.dupont@example.fr
	EOF
	assert_equal "${stderr_lines[0]}" "cdp-export: 1 profiles left out: no consent for email"
	cdp-privacy consent jean.dupont@example.fr email denied
	run -0 cdp-export -q -c email -F profile_id,email changes vip --dest brevo
	expect <<-'EOF'
	change,profile_id,email
	exit,1,jean.dupont@example.fr
	EOF
	run -0 cdp-export -q -c email -F profile_id,email changes vip --dest brevo
	assert_output ""
	# Another destination that never had them sees nothing but entries.
	run -0 cdp-export -q -c email -F profile_id changes vip --dest other
	assert_output ""
	cdp-privacy consent 2 email granted
	cdp-privacy consent jean.dupont@example.fr email granted
	run -0 cdp-export -q -c email -F profile_id,email changes vip --dest brevo
	expect <<-'EOF'
	change,profile_id,email
	enter,1,jean.dupont@example.fr
	enter,2,elodie.martin@gmail.com
	EOF
	# Without -c, consent changes nothing.
	run -0 cdp-export -q -F profile_id changes vip --dest all
	expect <<-'EOF'
	change,profile_id
	enter,1
	enter,2
	EOF
	run -0 cdp-privacy erase jean.dupont@example.fr
	run -0 grep -A 3 '^exits pending' <<<"$output"
	expect <<-'EOF'
	exits pending (the values each destination was given, kept until the next changes export to it):
	  segment vip  to all
	  segment vip  to brevo
	identifiers kept, shared with other profiles (not suppressed):
	EOF
	# Art. 17(2): each destination is told, under what it was given.
	run -0 cdp-export -q -c email -F profile_id,email changes vip --dest brevo
	expect <<-'EOF'
	change,profile_id,email
	exit,1,jean.dupont@example.fr
	EOF
	run -0 cdp-export -q -F profile_id changes vip --dest all
	expect <<-'EOF'
	change,profile_id
	exit,1
	EOF
	# Both told: nothing of the person is left in the store.
	run -0 q "SELECT count(*) FROM export_key WHERE profile = 1"
	assert_output 0
	run grep -c -a -i -e 'jean.dupont' -e 'dupont' "$CDP_DB"
	assert_output 0
	run q "SELECT segment, profile, change FROM segment_change
	    WHERE profile = 1"
	assert_output "1|1|exit"
}

@test "cdp-privacy access: segment history and export files, and a readable form (-t)" {
	q "INSERT INTO run(id, tool, args, started_at) VALUES
	       (3, 'cdp-segment', '[]', '2024-01-31T00:00:00Z');
	   INSERT INTO segment_change VALUES (1, 3, 1, 'enter'), (1, 3, 2, 'enter');
	   UPDATE export_log SET path = '/srv/exports/vip.csv' WHERE id = 1"
	run -0 cdp-privacy access jean.dupont@example.fr
	run jq -c '[.segment_history, (.exports | map(.path))]' <<<"$output"
	assert_output '[[{"profile":1,"segment":"vip","change":"enter","run":3,"at":"2024-01-31T00:00:00Z"}],["/srv/exports/vip.csv"]]'
	run --separate-stderr cdp-privacy access -t jean.dupont@example.fr
	assert_equal "$status" 0
	assert_line --index 0 --regexp '^Everything held about this email, as of [0-9T:Z-]+\.$'
	assert_equal "$(printf '%s\n' "$output" | sed -n '/^segment_history:/,/^$/p;/^exports:/,$p')" "\
segment_history:
  profile        1
  segment        vip
  change         enter
  run            3
  at             2024-01-31T00:00:00Z

exports:
  export         1
  ts             2024-02-01T10:00:00Z
  what           segment vip
  dest           mailchimp
  path           /srv/exports/vip.csv
  format         csv
  profile        1"
	run q "SELECT args FROM run WHERE tool = 'cdp-privacy'"
	assert_line '["cdp-privacy","access","(subject)","-t"]'
}

@test "cdp-ingest: a warning names the line and the field, never the value" {
	printf 'ID,EMAIL,TEL,BORN,OPT\n%s\n%b\n' \
	    'K1,Jean.Dupont@@example.fr,06 12 34 5,31/02/1985,peut-etre' \
	    'K2\001x,ok@example.fr,,,' >v.csv
	run --separate-stderr cdp-ingest -s v -i ID -c FR -T %d/%m/%Y \
	    -m email=EMAIL -m phone=TEL -m birth_date=BORN \
	    -m consent_email=OPT v.csv
	assert_equal "$status" 3
	output=$stderr expect <<-'EOF'
	cdp-ingest: v.csv:2: invalid email in EMAIL
	cdp-ingest: v.csv:2: invalid phone in TEL
	cdp-ingest: v.csv:2: invalid date in BORN
	cdp-ingest: v.csv:2: invalid consent in OPT
	cdp-ingest: v.csv:3: control character in record id in ID
	cdp-ingest: v: 2 read, 1 inserted, 0 updated, 0 unchanged, 1 rejected, 4 invalid values
	EOF
	run q "SELECT reason FROM reject"
	assert_output "control character in record id in ID"
	run q "SELECT count(*) FROM run WHERE message LIKE '%dupont%'
	    OR message LIKE '%31/02%' OR message LIKE '%K2%'"
	assert_output 0
}

@test "cdp-privacy -r: a warning that quoted the person's invalid email leaves the kept log" {
	mkdir log
	# A log kept from before warnings stopped quoting values.
	printf '{"id":"w5","email":"Jean.Dupont@@example.fr","anon":"ck-9"}\n' |
	    cdp-ingest -s web -i id -m anonymous_id=anon 2>log/run.log
	printf 'cdp-ingest: -:1: invalid email "%s" in email\n' \
	    Jean.Dupont@@example.fr x@@example.fr >>log/run.log
	q "INSERT INTO member SELECT id, 1, 2 FROM record WHERE record_id = 'w5'"
	run grep -c 'invalid email' log/run.log
	assert_output 3
	printf 'spool\t%s/spool\nlog\t%s/log\n' "$PWD" "$PWD" >run.conf
	run -0 cdp-privacy -r run.conf erase jean.dupont@example.fr
	assert_line "  $PWD/log/run.log: 1 record removed"
	run grep -c -i 'dupont' log/run.log
	assert_output 0
	run grep -c 'x@@example.fr' log/run.log
	assert_output 1
}

@test "cdp-privacy -r: in its source's spool folder a record is found by its id" {
	mkdir -p spool/store/done
	printf 'ticket,amount\nS77010,12\nS7701,30\n' >spool/store/done/t.csv
	cdp-ingest -q -s store -i ticket spool/store/done/t.csv
	q "INSERT INTO member SELECT id, 1, 2 FROM record WHERE record_id = 'S7701'"
	cp spool/store/done/t.csv spool/store/other.csv
	mkdir -p spool/web/done
	cp spool/store/done/t.csv spool/web/done/t.csv
	printf 'spool\t%s/spool/\n' "$PWD" >run.conf
	run -0 cdp-privacy -r run.conf erase jean.dupont@example.fr
	run cat spool/store/done/t.csv
	expect <<-'EOF'
	ticket,amount
	S77010,12
	EOF
	# Another source's files do not know the id.
	run grep -c S7701, spool/web/done/t.csv
	assert_output 1
}

@test "cdp-privacy erase: files written with -o are rewritten while they are the export, listed when changed, gone or no longer files" {
	cdp-export -q -o all.csv -F profile_id,email profiles
	cdp-export -q -o hashed.csv -H sha256 -F email profiles
	cdp-export -q -o one.json profile jean.dupont@example.fr
	cdp-export -q -o edited.csv -F profile_id,email profiles
	printf 'a line of the user\n' >>edited.csv
	cdp-export -q -o gone.csv -F profile_id,email profiles
	rm gone.csv
	cdp-export -q -o fifo.csv -F profile_id,email profiles
	rm fifo.csv
	mkfifo fifo.csv
	cdp-export -q -o target.csv -F profile_id,email profiles
	mv target.csv moved.csv
	ln -s moved.csv target.csv
	sums=$(sha256sum all.csv hashed.csv one.json edited.csv moved.csv)
	# A dry run lists and changes nothing.
	run -0 cdp-privacy erase -n jean.dupont@example.fr
	output=$(sed -n '/^export files/,$p' <<<"$output") expect <<-EOF
	export files (cdp-export -o, in export_log.path):
	  $PWD/all.csv: 1 record to remove
	  $PWD/edited.csv: changed since export 5: 1 record holds the person, not rewritten
	  $PWD/fifo.csv: not a regular file now: not read
	  $PWD/gone.csv: not found (moved or deleted): export 6 carried the person
	  $PWD/hashed.csv: 1 record to remove
	  $PWD/one.json: 1 record to remove
	  $PWD/target.csv: 1 record to remove
	  files            4
	EOF
	assert_equal "$(sha256sum all.csv hashed.csv one.json edited.csv moved.csv)" "$sums"
	run --separate-stderr cdp-privacy erase jean.dupont@example.fr
	assert_equal "$status" 1
	assert_equal "$stderr" "cdp-privacy: 1 export file still holds the person: see the list"
	output=$(sed -n '/^export files/,$p' <<<"$output") expect <<-EOF
	export files (cdp-export -o, in export_log.path):
	  $PWD/all.csv: 1 record removed
	  $PWD/edited.csv: changed since export 5: 1 record holds the person, not rewritten
	  $PWD/fifo.csv: not a regular file now: not read
	  $PWD/gone.csv: not found (moved or deleted): export 6 carried the person
	  $PWD/hashed.csv: 1 record removed
	  $PWD/one.json: deleted
	  $PWD/target.csv: 1 record removed
	  files            4
	EOF
	run cat all.csv
	expect <<-'EOF'
	profile_id,email
	2,elodie.martin@gmail.com
	3,zoe@example.com
	EOF
	hash=$(printf '%s' jean.dupont@example.fr | sha256sum | cut -c1-64)
	run grep -c -i -e jean.dupont -e "$hash" all.csv hashed.csv moved.csv
	expect <<-'EOF'
	all.csv:0
	hashed.csv:0
	moved.csv:0
	EOF
	assert_equal "$(wc -l <hashed.csv)" 3
	[ ! -e one.json ]
	[ -p fifo.csv ]
	[ -L target.csv ]
	[ "$(stat -c %a all.csv)" = 600 ]
	# The user's edited file is theirs: left whole, listed.
	assert_equal "$(grep -c jean.dupont edited.csv)" 1
	# The digest follows the rewrite: the next erasure knows the file.
	assert_equal "$(q "SELECT sha256 FROM export_log WHERE id = 2")" \
	    "$(sha256sum all.csv | cut -c1-64)"
	run -1 cdp-privacy erase elodie.martin@gmail.com
	assert_line "  $PWD/all.csv: 1 record removed"
	run cat all.csv
	expect <<-'EOF'
	profile_id,email
	3,zoe@example.com
	EOF
}

@test "cdp-privacy erase: an export file that cannot be written is listed, not rewritten" {
	cdp-export -q -o ro.csv -F profile_id,email profiles
	# Immutable: even root may not write it.
	chattr +i ro.csv 2>/dev/null || skip "no chattr +i here"
	run --separate-stderr cdp-privacy erase jean.dupont@example.fr
	assert_equal "$status" 1
	assert_line "  $PWD/ro.csv: not writable: 1 record holds the person, not rewritten"
	assert_equal "$stderr" "cdp-privacy: 1 export file still holds the person: see the list"
	assert_equal "$(grep -c jean.dupont ro.csv)" 1
	# The database is erased all the same.
	run q "SELECT count(*) FROM record WHERE email = 'jean.dupont@example.fr'"
	assert_output 0
}

@test "cdp-privacy erase: a file named after the person leaves no name in the export log" {
	cdp-export -q -o jean.dupont@example.fr.json profile jean.dupont@example.fr
	run -0 cdp-privacy erase jean.dupont@example.fr
	assert_line "  $PWD/jean.dupont@example.fr.json: deleted"
	assert_line "  log              2"
	[ ! -e jean.dupont@example.fr.json ]
	run q "SELECT what, dest, quote(path) FROM export_log WHERE id = 2"
	assert_output "profile (subject)|(erased)|NULL"
	run grep -c -a -i dupont "$CDP_DB"
	assert_output 0
}

@test "cdp-merge: a pair of a record erased since cdp-match is skipped, named by number alone" {
	# A pair as cdp-match writes it: ids, rowids and evidence.
	printf '%s\n' '{"a":{"source":"crm","record_id":"C001","rowid":1},"b":{"source":"web","record_id":"w1","rowid":4},"prob":1,"rule":"ident:email","evidence":[{"field":"email","a":"jean.dupont@example.fr","b":"jean.dupont@example.fr"}]}' >pairs.ndjson
	printf '{"id":"w2","email":"x@example.fr"}\n' | cdp-ingest -q -s web -i id
	cdp-privacy erase jean.dupont@example.fr >/dev/null
	run --separate-stderr cdp-merge -P pairs.ndjson
	assert_equal "${stderr_lines[0]}" "cdp-merge: pairs.ndjson: no trailer, taken as complete (-P): if these pairs are cdp-match's cut short, the records it did not reach are resolved alone (cdp-match -a | cdp-merge -a repairs it)"
	assert_equal "${stderr_lines[1]}" "cdp-merge: no record 1 (gone since the pairs were made): its pair is skipped"
	run grep -c -i -e dupont -e C001 -e w1 <<<"$stderr"
	assert_output 0
}

@test "cdp-privacy access: an erased subject is nothing held but its salted hash, and said so" {
	run --separate-stderr cdp-privacy access jean.dupont@example.fr
	assert_equal "$status" 0
	assert_equal "$stderr" ""
	cdp-privacy -q erase jean.dupont@example.fr >/dev/null
	run --separate-stderr cdp-privacy access jean.dupont@example.fr
	assert_equal "$status" 0
	when=$(q "SELECT DISTINCT erased_at FROM suppression")
	assert_equal "$stderr" "cdp-privacy: nothing held about this subject but a salted hash of this email on the suppression list (erased $when), kept to refuse its data if sent again"
	run --separate-stderr cdp-privacy -c FR access '06 12 34 56 78'
	assert_equal "$stderr" "cdp-privacy: nothing held about this subject but a salted hash of this phone on the suppression list (erased $when), kept to refuse its data if sent again"
	# Digits beginning with 0 are a national phone, never a profile id.
	run --separate-stderr cdp-privacy -c FR access 0612345678
	assert_equal "$stderr" "cdp-privacy: nothing held about this subject but a salted hash of this phone on the suppression list (erased $when), kept to refuse its data if sent again"
	run --separate-stderr cdp-privacy access 0612345678
	assert_equal "$status" 2
	# Never held: nothing, and no hash.
	run --separate-stderr cdp-privacy access nobody@example.fr
	assert_equal "$status" 0
	assert_equal "$stderr" "cdp-privacy: nothing held about this subject"
	cdp-privacy unsuppress jean.dupont@example.fr >/dev/null
	run --separate-stderr cdp-privacy access jean.dupont@example.fr
	assert_equal "$stderr" "cdp-privacy: nothing held about this subject"
}

@test "cdp-privacy scrub: a file without the records that hold an erased identifier" {
	# Nothing erased yet: nothing taken out, nothing said.
	cp "$FIX/crm_fr.csv" again.csv
	run --separate-stderr cdp-privacy -c FR scrub again.csv
	assert_equal "$status" 0
	assert_output ""
	cmp "$FIX/crm_fr.csv" again.csv
	# Nor logged: cdp-run scrubs every file it keeps.
	run q "SELECT count(*) FROM run WHERE args LIKE '%scrub%'"
	assert_output 0
	cdp-privacy -q erase jean.dupont@example.fr >/dev/null
	# Her CSV record (its address on two lines), her web event by her
	# cookie alone, her email in another case; the others stay whole.
	printf '%s\n' '{"id":"w7","anon":"ck-9","event":"page_view"}' \
	    '{"id":"w8","email":"zoe@example.com"}' \
	    '{"id":"w9","email":"JEAN.DUPONT@EXAMPLE.FR"}' >web.ndjson
	printf '{"id":"w10","anon":"ck-9"}\n' >only.ndjson
	run --separate-stderr cdp-privacy -c FR scrub again.csv web.ndjson only.ndjson
	assert_equal "$status" 0
	expect <<-'EOF'
	again.csv: 1 record removed
	web.ndjson: 2 records removed
	only.ndjson: deleted
	EOF
	tail -n +4 "$FIX/crm_fr.csv" >want.csv
	run tail -n +2 again.csv
	expect want.csv
	run cat web.ndjson
	assert_output '{"id":"w8","email":"zoe@example.com"}'
	assert [ ! -e only.ndjson ]
	run stat -c %a again.csv web.ndjson
	expect <<-'EOF'
	600
	600
	EOF
	# A national phone needs its country: without -c it is not read.
	printf 'id;tel\nx1;06 12 34 56 78\n' >tel.csv
	run cdp-privacy scrub tel.csv
	assert_output ""
	run cdp-privacy -c FR scrub tel.csv
	assert_output "tel.csv: 1 record removed"
	# A file that cannot be read is said, the others done; exit 1.
	cp "$FIX/crm_fr.csv" again.csv
	run --separate-stderr cdp-privacy -c FR scrub missing.csv again.csv
	assert_equal "$status" 1
	assert_equal "$stderr" "cdp-privacy: missing.csv: No such file or directory"
	assert_output "again.csv: 1 record removed"
	run cdp-privacy scrub
	assert_equal "$status" 2
	# The usage error is logged as such (cdp-status); the scrub before it
	# with its files.
	run q "SELECT args FROM run WHERE tool = 'cdp-privacy' AND outcome != 'usage' ORDER BY id DESC LIMIT 1"
	assert_output '["cdp-privacy","scrub","missing.csv","again.csv"]'
}

@test "cdp-ingest: a file that repeats a consent does not undo its withdrawal" {
	export CDP_DB="$BATS_TEST_TMPDIR/night.db"
	map="-s crm -i ID_CLIENT -m consent_email=OPTIN_EMAIL"
	printf 'ID_CLIENT;EMAIL;OPTIN_EMAIL;VILLE\nC1;hugo@x.fr;Oui;Paris\nC2;ana@x.fr;Oui;Lyon\n' >n1.csv
	printf 'ID_CLIENT;EMAIL;OPTIN_EMAIL;VILLE\nC1;hugo@x.fr;Oui;Lille\nC2;ana@x.fr;Non;Lyon\n' >n2.csv
	cdp-ingest -q $map n1.csv
	cdp-match -q | cdp-merge -q
	q "UPDATE consent SET ts = '2026-01-01T00:00:00Z'"
	cdp-segment -q define all 'true'
	cdp-segment -q eval
	run -0 cdp-export -q -c email -F email changes all --dest brevo
	expect <<-'EOF'
	change,email
	enter,hugo@x.fr
	enter,ana@x.fr
	EOF
	cdp-privacy consent hugo@x.fr email denied
	q "UPDATE consent SET ts = '2026-02-01T00:00:00Z' WHERE kind = 'email'"
	run -0 cdp-export -q -c email -F email changes all --dest brevo
	expect <<-'EOF'
	change,email
	exit,hugo@x.fr
	EOF
	# Night 2: hugo's row changed (his city), not his consent: the
	# file says nothing new about it; ana's changed: a new statement.
	cdp-ingest -q $map n2.csv
	cdp-segment -q eval
	run -0 cdp-privacy consents hugo@x.fr
	expect <<-'EOF'
	purpose,status,ts,source
	email,denied,2026-02-01T00:00:00Z,manual
	EOF
	run -0 cdp-export -q -c email -F email changes all --dest brevo
	expect <<-'EOF'
	change,email
	exit,ana@x.fr
	EOF
	run -0 q "SELECT c.purpose, c.granted, c.ts, c.run FROM consent c
	    JOIN record r ON r.id = c.record WHERE r.record_id = 'C1'"
	assert_output "email|1|2026-01-01T00:00:00Z|1"
	run -0 q "SELECT c.granted, c.ts != '2026-01-01T00:00:00Z',
	    c.run = (SELECT max(id) FROM run WHERE tool = 'cdp-ingest')
	    FROM consent c JOIN record r ON r.id = c.record
	    WHERE r.record_id = 'C2'"
	assert_output "0|1|1"
	# A value that changes back is a statement again, made now.
	printf 'ID_CLIENT;EMAIL;OPTIN_EMAIL;VILLE\nC1;hugo@x.fr;Non;Lille\n' >n3.csv
	printf 'ID_CLIENT;EMAIL;OPTIN_EMAIL;VILLE\nC1;hugo@x.fr;Oui;Lille\n' >n4.csv
	cdp-ingest -q $map n3.csv
	cdp-ingest -q $map n4.csv
	run -0 q "SELECT c.granted, c.ts > '2026-02-01T00:00:00Z'
	    FROM consent c JOIN record r ON r.id = c.record
	    WHERE r.record_id = 'C1'"
	assert_output "1|1"
}

@test "cdp-ingest: a dated statement is made at its record's ts; a newer one wins over a withdrawal" {
	export CDP_DB="$BATS_TEST_TMPDIR/dated.db"
	map="-s crm -i ID_CLIENT -T %d/%m/%Y -m consent_email=OPTIN_EMAIL -m ts=DATE_OPTIN"
	printf 'ID_CLIENT;EMAIL;OPTIN_EMAIL;DATE_OPTIN;VILLE\nC1;hugo@x.fr;Oui;15/01/2024;Paris\n' >n1.csv
	cdp-ingest -q $map n1.csv
	cdp-match -q | cdp-merge -q
	run -0 q "SELECT granted, ts FROM consent"
	assert_output "1|2024-01-15T00:00:00Z"
	# A segment evaluated as of the first night sees the consent.
	cdp-segment -q define ok 'has_consent(email)'
	cdp-segment -q --as-of 2024-02-01 eval ok
	run -0 q "SELECT count(*) FROM segment_member"
	assert_output 1
	cdp-privacy consent hugo@x.fr email denied
	q "UPDATE consent SET ts = '2024-06-01T00:00:00Z' WHERE kind = 'email'"
	# The same dated statement again, with another city: nothing new.
	printf 'ID_CLIENT;EMAIL;OPTIN_EMAIL;DATE_OPTIN;VILLE\nC1;hugo@x.fr;Oui;15/01/2024;Lille\n' >n2.csv
	cdp-ingest -q $map n2.csv
	run -0 cdp-privacy consents hugo@x.fr
	expect <<-'EOF'
	purpose,status,ts,source
	email,denied,2024-06-01T00:00:00Z,manual
	EOF
	# Opted in again on the CRM after the withdrawal: the newer wins.
	printf 'ID_CLIENT;EMAIL;OPTIN_EMAIL;DATE_OPTIN;VILLE\nC1;hugo@x.fr;Oui;01/09/2024;Lille\n' >n3.csv
	cdp-ingest -q $map n3.csv
	run -0 cdp-privacy consents hugo@x.fr
	expect <<-'EOF'
	purpose,status,ts,source
	email,granted,2024-09-01T00:00:00Z,crm
	EOF
}
