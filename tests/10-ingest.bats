#!/usr/bin/env bats
# cdp-ingest: formats, mapping, normalisation, idempotence, updates.

load test_helper
bats_require_minimum_version 1.5.0

@test "cdp-ingest: CSV with BOM, CRLF, ';' and a quoted newline" {
	run cdp-ingest -s crm -i ID_CLIENT -c FR -T %d/%m/%Y \
	    -m consent_email=OPTIN_EMAIL "$FIX/crm_fr.csv"
	assert_equal "$status" 0
	run q "SELECT record_id, first_name, first_name_key, last_name,
	    last_name_key, email, phone, birth_date, street, postal_code, city
	    FROM record ORDER BY record_id"
	expect <<-'EOF'
	C001|Jean-François|jean francois|DUPONT|dupont|jean.dupont@example.fr|+33612345678|1985-03-15|12 rue de la Paix Bâtiment B|75002|Paris
	C002|ÉLODIE|elodie|Martin|martin|elodie.martin@gmail.com|+33698765432|1992-02-29|3 "bis" avenue Foch|69006|Lyon
	C003|zoë|zoe|O'Brien|o brien|zoe@example.com|+33612345679||1 High Street|SW1A 1AA|London
	EOF
	run q "SELECT raw FROM record WHERE record_id = 'C001'"
	expect <<-'EOF'
	{"ID_CLIENT":"C001","PRENOM":"Jean-François","NOM":"DUPONT","EMAIL":" Jean.Dupont@Example.FR ","TELEPHONE":"06 12 34 56 78","DATE_NAISSANCE":"15/03/1985","ADRESSE":"12 rue de la Paix\r\nBâtiment B","CODE_POSTAL":"75002","VILLE":"Paris","OPTIN_EMAIL":"oui"}
	EOF
	run q "SELECT r.record_id, c.purpose, c.granted FROM consent c
	    JOIN record r ON r.id = c.record ORDER BY 1"
	expect <<-'EOF'
	C001|email|1
	C002|email|0
	C003|email|1
	EOF
}

@test "cdp-ingest: an invalid field value is reported, the record kept" {
	run --separate-stderr cdp-ingest -s crm -i ID_CLIENT -c FR \
	    -T %d/%m/%Y "$FIX/crm_fr.csv"
	assert_equal "$status" 0
	assert_output ""
	output=$stderr expect <<-EOF
	cdp-ingest: $FIX/crm_fr.csv:5: invalid date in DATE_NAISSANCE
	cdp-ingest: crm: 3 read, 3 inserted, 0 updated, 0 unchanged, 0 rejected, 1 invalid values
	EOF
	run q "SELECT count(*), count(birth_date) FROM record"
	assert_output "3|2"
}

@test "cdp-ingest: identifiers are indexed in ident" {
	cdp-ingest -q -s crm -i ID_CLIENT -c FR -T %d/%m/%Y "$FIX/crm_fr.csv"
	run q "SELECT i.kind, i.value, r.record_id FROM ident i
	    JOIN record r ON r.id = i.record ORDER BY 1, 2"
	expect <<-'EOF'
	customer_id|C001|C001
	customer_id|C002|C002
	customer_id|C003|C003
	email|elodie.martin@gmail.com|C002
	email|jean.dupont@example.fr|C001
	email|zoe@example.com|C003
	phone|+33612345678|C001
	phone|+33612345679|C003
	phone|+33698765432|C002
	EOF
}

@test "cdp-ingest: NDJSON with dotted paths, constants and nested data kept" {
	run cdp-ingest -s web -i id -m email=user.email \
	    -m first_name=user.traits.first_name \
	    -m last_name=user.traits.last_name -m anonymous_id=user.anon \
	    -m event_type=event -m currency:=EUR "$FIX/web.ndjson"
	assert_equal "$status" 0
	run q "SELECT record_id, email, anonymous_id, first_name,
	    first_name_key, last_name, last_name_key, event_type, ts, amount,
	    currency FROM record ORDER BY record_id"
	expect <<-'EOF'
	e1|a.martin@example.com||Zoé|zoe|MÜLLER|muller|login|2024-03-01T08:00:00Z||EUR
	e2||ck-42|||||page_view|2024-03-01T10:00:00Z||EUR
	e3|a.martin@example.com|ck-42|||||purchase|2024-03-01T12:30:00Z|12.5|EUR
	EOF
	run q "SELECT json_extract(raw, '\$.props.items[0].qty') FROM record
	    WHERE record_id = 'e1'"
	assert_output "2"
}

@test "cdp-ingest: every phone form becomes E.164" {
	run --separate-stderr cdp-ingest -s p -i id -c FR "$FIX/phones.csv"
	assert_equal "$status" 0
	run q "SELECT record_id, phone FROM record ORDER BY record_id"
	expect <<-'EOF'
	1|+33612345678
	2|+33612345678
	3|+33612345678
	4|+33612345678
	5|+33612345678
	6|
	7|+14155550134
	EOF
}

@test "cdp-ingest: common header names are recognised without a map" {
	printf 'courriel,Prénom,NOM,code_postal,Téléphone\nX@Y.FR,Anne,Roy,75001,0612345678\n' >in.csv
	run cdp-ingest -s auto -c FR in.csv
	assert_equal "$status" 0
	run q "SELECT email, first_name, last_name, postal_code, phone FROM record"
	assert_output "x@y.fr|Anne|Roy|75001|+33612345678"
}

@test "cdp-ingest: a map file with settings" {
	cat >crm.map <<-'EOF'
	# the CRM export
	@id ID_CLIENT
	@country FR
	@date-format %d/%m/%Y
	@delimiter ;
	email = EMAIL
	consent_email=OPTIN_EMAIL
	customer_id=ID_CLIENT
	EOF
	run cdp-ingest -q -s crm -M crm.map "$FIX/crm_fr.csv"
	assert_equal "$status" 0
	run q "SELECT record_id, customer_id, birth_date FROM record ORDER BY 1"
	expect <<-'EOF'
	C001|C001|1985-03-15
	C002|C002|1992-02-29
	C003|C003|
	EOF
	run q "SELECT mapping FROM source WHERE name = 'crm'"
	assert_line --index 0 "@id ID_CLIENT"
}

@test "cdp-ingest: a bad map file is a usage error with file:line" {
	printf 'email=EMAIL\nemial=EMAIL\n' >bad.map
	run cdp-ingest -s crm -M bad.map "$FIX/crm_fr.csv"
	assert_equal "$status" 2
	assert_output 'cdp-ingest: bad.map:2: unknown canonical field "emial"'
	[ ! -e "$CDP_DB" ]
}

@test "cdp-ingest: re-ingesting the same file changes nothing" {
	cdp-ingest -q -s crm -i ID_CLIENT -c FR -T %d/%m/%Y "$FIX/crm_fr.csv"
	cdp-ingest -q -s web -m email=user.email "$FIX/web.ndjson"
	dump >before
	run --separate-stderr cdp-ingest -s crm -i ID_CLIENT -c FR -T %d/%m/%Y \
	    "$FIX/crm_fr.csv"
	assert_equal "$status" 0
	assert_equal "${stderr_lines[-1]}" "cdp-ingest: crm: 3 read, 0 inserted, 0 updated, 3 unchanged, 0 rejected, 1 invalid values"
	run --separate-stderr cdp-ingest -s web -m email=user.email "$FIX/web.ndjson"
	assert_equal "$stderr" "cdp-ingest: web: 3 read, 0 inserted, 0 updated, 3 unchanged, 0 rejected"
	dump >after
	diff -u before after
	run q "SELECT count(*) FROM record"
	assert_output 6
}

@test "cdp-ingest: a changed record is updated and its old version kept" {
	printf 'id,email,city\n1,a@x.fr,Paris\n2,b@x.fr,Lyon\n' >v1.csv
	printf 'id,email,city\n1,a@x.fr,Paris\n2,new@x.fr,Lyon\n' >v2.csv
	cdp-ingest -q -s s -i id v1.csv
	run --separate-stderr cdp-ingest -s s -i id v2.csv
	assert_equal "$status" 0
	assert_equal "$stderr" "cdp-ingest: s: 2 read, 0 inserted, 1 updated, 1 unchanged, 0 rejected"
	run q "SELECT r.record_id, r.email, r.run, r.first_run
	    FROM record r ORDER BY 1"
	expect <<-'EOF'
	1|a@x.fr|1|1
	2|new@x.fr|2|1
	EOF
	run q "SELECT h.raw, h.run FROM record_history h"
	assert_output '{"id":"2","email":"b@x.fr","city":"Lyon"}|2'
	run q "SELECT kind, value FROM ident ORDER BY value"
	expect <<-'EOF'
	email|a@x.fr
	email|new@x.fr
	EOF
}

@test "cdp-ingest: without -i the record id is a content hash" {
	printf 'email,city\na@x.fr,Paris\na@x.fr,Paris\nb@x.fr,Lyon\n' >h.csv
	run --separate-stderr cdp-ingest -s h h.csv
	assert_equal "$stderr" "cdp-ingest: h: 3 read, 2 inserted, 0 updated, 1 unchanged, 0 rejected"
	run q "SELECT length(record_id), count(*) FROM record GROUP BY 1"
	assert_output "32|2"
	run q "SELECT record_id FROM record WHERE email = 'a@x.fr'"
	want=$(printf '%s' '{"email":"a@x.fr","city":"Paris"}' | sha256sum | cut -c1-32)
	assert_output "$want"
}

@test "cdp-ingest: the format is guessed from stdin's first bytes" {
	run cdp-ingest -q -s w <"$FIX/web.ndjson"
	assert_equal "$status" 0
	printf 'email;city\nz@z.fr;Nice\n' | cdp-ingest -q -s c
	run q "SELECT s.name, s.format, count(*) FROM record r
	    JOIN source s ON s.id = r.source_id GROUP BY 1 ORDER BY 1"
	expect <<-'EOF'
	c|csv|1
	w|ndjson|3
	EOF
	run q "SELECT email, city FROM record WHERE email = 'z@z.fr'"
	assert_output "z@z.fr|Nice"
}

@test "cdp-ingest: the run log records every run" {
	cdp-ingest -q -s crm -i ID_CLIENT "$FIX/crm_fr.csv"
	cdp-ingest -q -s crm -i ID_CLIENT "$FIX/crm_fr.csv"
	run q "SELECT id, tool, json_extract(args, '\$[1]'), rows_in, rows_ok,
	    rows_rejected, inserted, updated, unchanged, outcome,
	    ended_at >= started_at, seconds >= 0 FROM run ORDER BY id"
	expect <<-'EOF'
	1|cdp-ingest|-q|3|3|0|3|0|0|ok|1|1
	2|cdp-ingest|-q|3|3|0|0|0|3|ok|1|1
	EOF
}

@test "cdp-ingest: amounts are stored exactly whatever follows them in the batch" {
	printf 'id,amount\n1,12.50\n2,3\n3,"1 234,56"\n4,-7\n' >a.csv
	run cdp-ingest -q -s b -i id a.csv
	assert_equal "$status" 0
	run q "SELECT record_id, amount, typeof(amount) FROM record ORDER BY 1"
	expect <<-'EOF'
	1|12.5|real
	2|3.0|real
	3|1234.56|real
	4|-7.0|real
	EOF
}

@test "cdp-ingest: empty and repeated header names become unique JSON keys" {
	printf 'a,a,,b,a,a_2,\n1,2,3,4,5,6,7\n' >u.csv
	run cdp-ingest -q -s u u.csv
	assert_equal "$status" 0
	run q "SELECT raw FROM record"
	assert_output '{"a":"1","a_3":"2","column_3":"3","b":"4","a_4":"5","a_2":"6","column_7":"7"}'
}

@test "cdp-ingest: a header of 100,000 identical names is read in linear time" {
	awk 'BEGIN { for (i = 0; i < 100000; i++) printf "c%s", i < 99999 ? "," : "\n"
	    for (i = 0; i < 100000; i++) printf "%d%s", i, i < 99999 ? "," : "\n" }' >w.csv
	run timeout 60 cdp-ingest -q -s w w.csv
	assert_equal "$status" 0
	run q "SELECT json_extract(raw, '\$.c'), json_extract(raw, '\$.c_100000') FROM record"
	assert_output "0|99999"
}
