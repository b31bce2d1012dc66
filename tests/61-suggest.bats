#!/usr/bin/env bats
# cdp-catalog suggest never harms: each harmful proposal of issue 16,
# and the corpus of tests/suggest scored by scripts/bench-suggest.

load test_helper
bats_require_minimum_version 1.5.0

@test "suggest: IP addresses are never phones, and give no @country" {
	printf '%s\n' \
	    '{"type":"track","messageId":"m1","event":"Product Viewed","properties":{"name":"Wireless Mouse","price":19.9},"context":{"ip":"81.2.69.160"}}' \
	    '{"type":"page","messageId":"m2","name":"Home","properties":{"url":"/"},"context":{"ip":"81.2.69.161"}}' \
	    '{"type":"track","messageId":"m3","event":"Order Completed","properties":{"name":"Blue T-Shirt","revenue":"39.80"},"context":{"ip":"2001:db8::1"}}' \
	    '{"type":"page","messageId":"m4","name":"Pricing","properties":{"url":"/pricing"},"context":{"ip":"10.0.0.7"}}' >web.ndjson
	run cdp-catalog suggest web.ndjson
	assert_equal "$status" 0
	expect <<-'EOF'
	# map proposed by cdp-catalog suggest for web.ndjson
	# from 4 records; check each line before use (cdp-map(5))
	@format ndjson
	# messageId: present and distinct in all 4 records: the record id
	@id messageId
	# event: by its name and values; 2/4 filled, 2 string; words: 2, 2 distinct
	event_type=event
	# properties.revenue: by its name and values; 1/4 filled, 1 number; amounts: 1
	amount=properties.revenue
	# not mapped: type (4/4 filled, 4 string), kept in the raw record; not event_type: identify, track, page: the kind of message, not of event
	# not mapped: messageId (4/4 filled, 4 string), kept in the raw record
	# not mapped: properties.name (2/4 filled, 2 string), kept in the raw record; not full_name: the name of a product or a page, not of a person
	# not mapped: properties.price (1/4 filled, 1 number), kept in the raw record
	# not mapped: context.ip (4/4 filled, 2 string), kept in the raw record; IP addresses, never phone numbers
	# not mapped: name (2/4 filled, 2 string), kept in the raw record; not full_name: one word: a page's or a product's name, not a person's full name
	# name: kept out of full_name, which cdp-ingest takes from it by its name otherwise
	@ignore name
	# not mapped: properties.url (2/4 filled, 2 string), kept in the raw record
	EOF
	# The map as proposed stores no phone, no name, no message type.
	printf '%s\n' "$output" >web.map
	cdp-ingest -q -s web -M web.map web.ndjson
	run q "SELECT record_id, coalesce(phone, '-'), coalesce(full_name, '-'),
	    coalesce(event_type, '-'), coalesce(amount, '-') FROM record ORDER BY 1"
	expect <<-'EOF'
	m1|-|-|Product Viewed|-
	m2|-|-|-|-
	m3|-|-|Order Completed|39.8
	m4|-|-|-|-
	EOF
	run q "SELECT count(*) FROM ident WHERE kind = 'phone'"
	assert_output "0"
}

@test "suggest: an order number like #1001 is never a full name" {
	printf 'name,email,total_price,financial_status,created_at\n#1001,a@example.com,19.90,paid,2026-03-01T10:00:00-05:00\n#1002,b@example.com,5.00,refunded,2026-03-02T10:00:00-05:00\n#1003,c@example.com,7.50,paid,2026-03-03T10:00:00-05:00\n' >orders.csv
	run cdp-catalog suggest orders.csv
	assert_equal "$status" 0
	expect <<-'EOF'
	# map proposed by cdp-catalog suggest for orders.csv
	# from 3 records; check each line before use (cdp-map(5))
	@format csv
	# name: present and distinct in all 3 records: the record id
	@id name
	# email: by its name and values; 3/3 filled, 3 email; emails: 3
	email=email
	# total_price: by its name and values; 3/3 filled, 3 number; amounts: 3
	amount=total_price
	# created_at: by its name and values; 3/3 filled, 3 date; dates with a time: 3
	ts=created_at
	# not mapped: name (3/3 filled, 3 string), kept in the raw record; not full_name: values with digits or signs are not names
	# name: kept out of full_name, which cdp-ingest takes from it by its name otherwise
	@ignore name
	# not mapped: financial_status (3/3 filled, 3 string), kept in the raw record
	EOF
}

@test "suggest: US phones make @country US, never IT" {
	printf 'Customer Number,Name,Phone,State\n1001,John Smith,(702) 919-1300,NV\n1002,Mary Johnson,702-555-0142,NV\n1003,Robert Brown,(415) 555-0199,CA\n1004,Linda Davis,212.555.0175,NY\n' >us.csv
	run cdp-catalog suggest us.csv
	assert_equal "$status" 0
	expect <<-'EOF'
	# map proposed by cdp-catalog suggest for us.csv
	# from 4 records; check each line before use (cdp-map(5))
	@format csv
	# Customer Number: present and distinct in all 4 records: the record id
	@id Customer Number
	# Phone: 4 of 4 national phone numbers are valid in US
	@country US
	# Customer Number: by its name and values; 4/4 filled, 4 integer
	customer_id=Customer Number
	# Name: by its name and values; 4/4 filled, 4 string; names: 4
	full_name=Name
	# Phone: by its name and values; 4/4 filled, 4 phone; phone numbers: 4
	phone=Phone
	# not mapped: State (4/4 filled, 4 string), kept in the raw record
	EOF
	printf '%s\n' "$output" >us.map
	cdp-ingest -q -s us -M us.map us.csv
	run q "SELECT record_id, phone FROM record ORDER BY 1"
	expect <<-'EOF'
	1001|+17029191300
	1002|+17025550142
	1003|+14155550199
	1004|+12125550175
	EOF
}

@test "suggest: a phone country needs support; few numbers give it commented out" {
	printf 'id,tel\n1,06 12 34 56 78\n2,07 98 76 54 32\n' >few.csv
	run cdp-catalog suggest few.csv
	assert_equal "$status" 0
	expect <<-'EOF'
	# map proposed by cdp-catalog suggest for few.csv
	# from 2 records; check each line before use (cdp-map(5))
	@format csv
	# id: present and distinct in all 2 records: the record id
	@id id
	# tel: 2 of 2 national phone numbers are valid in FR
	# too few numbers to choose a country: check, or give @country
	# @country FR
	# tel: by its name and values; 2/2 filled, 2 phone; phone numbers: 2
	phone=tel
	# not mapped: id (2/2 filled, 2 integer), kept in the raw record
	EOF
}

@test "suggest: a contract DATE in a customer file is no ts, and sets no date format" {
	printf 'REF;NOM_COMPLET;EMAIL;DATE;VILLE\nCT01;Jean DUPONT;j.dupont@sfr.fr;01/03/2026;Paris\nCT02;Zoé MARTIN;z.martin@sfr.fr;15/02/2025;Lyon\nCT03;Luc PETIT;l.petit@sfr.fr;28/11/2024;Nice\n' >contrats.csv
	run cdp-catalog suggest contrats.csv
	assert_equal "$status" 0
	expect <<-'EOF'
	# map proposed by cdp-catalog suggest for contrats.csv
	# from 3 records; check each line before use (cdp-map(5))
	@format csv
	# the delimiter detected in the header
	@delimiter ;
	# REF: present and distinct in all 3 records: the record id
	@id REF
	# NOM_COMPLET: by its name and values; 3/3 filled, 3 string; names: 3
	full_name=NOM_COMPLET
	# EMAIL: by its name and values; 3/3 filled, 3 email; emails: 3
	email=EMAIL
	# DATE: by its name and values; 3/3 filled, 3 date; dates: 3; doubtful: a date of the record, not of an event (no amount nor event type in the file)
	# ts=DATE
	# DATE: kept out of ts, which cdp-ingest takes from it by its name otherwise
	@ignore DATE
	# VILLE: by its name and values; 3/3 filled, 3 string; place names: 3
	city=VILLE
	# not mapped: REF (3/3 filled, 3 string), kept in the raw record
	EOF
	printf '%s\n' "$output" >c.map
	cdp-ingest -q -s c -M c.map contrats.csv
	run q "SELECT count(ts) FROM record"
	assert_output "0"
}

@test "suggest: a column of dates named Email Address is no email" {
	printf 'Contact ID,Name,Email Address,Contact\nK1,Ann Lee,3/14/2025,ann@acme.com\nK2,Bob Ray,4/15/2025,bob@globex.com\nK3,Cy Doe,5/16/2025,cy@initech.com\n' >shifted.csv
	run cdp-catalog suggest shifted.csv
	assert_equal "$status" 0
	expect <<-'EOF'
	# map proposed by cdp-catalog suggest for shifted.csv
	# from 3 records; check each line before use (cdp-map(5))
	@format csv
	# Contact ID: present and distinct in all 3 records: the record id
	@id Contact ID
	# Contact ID: by its name and values; 3/3 filled, 3 string
	customer_id=Contact ID
	# Name: by its name and values; 3/3 filled, 3 string; names: 3
	full_name=Name
	# Contact: by its values; 3/3 filled, 3 email; emails: 3
	email=Contact
	# not mapped: Email Address (3/3 filled, 3 date), kept in the raw record; not email: fewer than 4 values in 5 are emails
	EOF
}

@test "suggest: store tickets get ts, their date format, amount, currency and event_type" {
	printf 'NUM_TICKET;DATE_TICKET;MAGASIN;MONTANT_TTC;DEVISE;TYPE_OPERATION\nT001;13/03/2026 09:12;MAG01;45,90;EUR;VENTE\nT002;14/03/2026 17:40;MAG02;-24,90;EUR;RETOUR\nT003;14/03/2026 18:05;MAG01;12,00;EUR;VENTE\n' >tickets.csv
	run cdp-catalog suggest tickets.csv
	assert_equal "$status" 0
	expect <<-'EOF'
	# map proposed by cdp-catalog suggest for tickets.csv
	# from 3 records; check each line before use (cdp-map(5))
	@format csv
	# the delimiter detected in the header
	@delimiter ;
	# NUM_TICKET: present and distinct in all 3 records: the record id
	@id NUM_TICKET
	# DATE_TICKET: 3 dates day first (a first part above 12 was seen)
	@date-format %d/%m/%Y %H:%M
	# DATE_TICKET: by its name and values; 3/3 filled, 3 date; dates with a time: 3
	ts=DATE_TICKET
	# MONTANT_TTC: by its name and values; 3/3 filled, 3 number; amounts: 3
	amount=MONTANT_TTC
	# DEVISE: by its name and values; 3/3 filled, 3 string; currency codes: 3
	currency=DEVISE
	# TYPE_OPERATION: by its name and values; 3/3 filled, 3 string; words: 3, 2 distinct
	event_type=TYPE_OPERATION
	# not mapped: NUM_TICKET (3/3 filled, 3 string), kept in the raw record
	# not mapped: MAGASIN (3/3 filled, 3 string), kept in the raw record
	EOF
	printf '%s\n' "$output" >t.map
	cdp-ingest -q -s pos -M t.map tickets.csv
	run q "SELECT record_id, ts, amount, currency, event_type FROM record ORDER BY 1"
	expect <<-'EOF'
	T001|2026-03-13T09:12:00Z|45.9|EUR|VENTE
	T002|2026-03-14T17:40:00Z|-24.9|EUR|RETOUR
	T003|2026-03-14T18:05:00Z|12.0|EUR|VENTE
	EOF
}

@test "suggest: birth dates written four ways get a format each, none is lost, 67 is 1967" {
	printf 'id,DOB\n1,12/11/1978\n2,Mar 1 1970\n3,24-May-81\n4,3/23/1985\n5,Jan 15 1990\n6,8/15/67\n' >d.csv
	run cdp-catalog suggest d.csv
	assert_equal "$status" 0
	expect <<-'EOF'
	# map proposed by cdp-catalog suggest for d.csv
	# from 6 records; check each line before use (cdp-map(5))
	@format csv
	# id: present and distinct in all 6 records: the record id
	@id id
	# DOB: 2 dates month first (a second part above 12 was seen)
	@date-format %m/%d/%Y
	# DOB: 1 dates with a two-digit year, month first (a part above 12 was seen)
	@date-format birth_date %m/%d/%y
	# DOB: 2 dates written "%b %d %Y"
	@date-format birth_date %b %d %Y
	# DOB: 1 dates written "%d-%b-%y"
	@date-format birth_date %d-%b-%y
	# DOB: by its name and values; 6/6 filled, 4 string; past dates: 6
	birth_date=DOB
	# not mapped: id (6/6 filled, 6 integer), kept in the raw record
	EOF
	printf '%s\n' "$output" >d.map
	run --separate-stderr cdp-ingest -s d -M d.map d.csv
	assert_equal "$status" 0
	assert_equal "$stderr" "cdp-ingest: d: 6 read, 6 inserted, 0 updated, 0 unchanged, 0 rejected"
	run q "SELECT record_id, birth_date FROM record ORDER BY 1"
	expect <<-'EOF'
	1|1978-12-11
	2|1970-03-01
	3|1981-05-24
	4|1985-03-23
	5|1990-01-15
	6|1967-08-15
	EOF
}

@test "suggest: timestamps recognised by their values, in a file of events only" {
	printf 'ref,quand,montant\nA1,2026-03-01 10:00:00,12.50\nA2,2026-03-02 11:30:00,8.00\nA3,2026-03-03 09:15:00,5.00\n' >events.csv
	run cdp-catalog suggest events.csv
	assert_equal "$status" 0
	assert_equal "${lines[5]}" "# quand: by its values; 3/3 filled, 3 date; dates with a time: 3"
	assert_equal "${lines[6]}" "ts=quand"
	printf 'ref,quand,nom_complet\nA1,2026-03-01 10:00:00,Ann Lee\nA2,2026-03-02 11:30:00,Bob Ray\n' >people.csv
	run cdp-catalog suggest people.csv
	assert_equal "$status" 0
	assert_equal "${lines[8]}" "# not mapped: quand (2/2 filled, 2 date), kept in the raw record"
	assert_equal "${#lines[@]}" 9
}

@test "suggest: the same field under two objects is proposed as alternatives" {
	run cdp-catalog suggest "$CDP_TOP/tests/suggest/segment_mixed.ndjson"
	assert_equal "$status" 0
	assert_equal "${lines[11]}" "# context.traits.email: the same field in other records, an alternative; 4/12 filled, 4 email"
	assert_equal "${lines[13]}" "email=traits.email | context.traits.email"
	printf '%s\n' "$output" >m.map
	cdp-ingest -q -s web -M m.map "$CDP_TOP/tests/suggest/segment_mixed.ndjson"
	run q "SELECT record_id, coalesce(email, '-'), coalesce(full_name, '-'),
	    coalesce(event_type, '-') FROM record ORDER BY 1 LIMIT 4"
	expect <<-'EOF'
	ajs-m0000|john.smith@fmail.com|John Smith|-
	ajs-m0001|mary.johnson@fmail.com|-|Product Viewed
	ajs-m0002|-|-|-
	ajs-m0003|patricia.brown@fmail.com|Patricia Brown|-
	EOF
}

@test "suggest: a Windows-1252 file is read as such, and the map says @encoding" {
	printf 'N\xb0;Pr\xe9nom;Nom;Courriel;T\xe9l\xe9phone\r\n1;\xc9lodie;LEF\xc8VRE;elodie@example.fr;0612345678\r\n2;Zo\xe9;NO\xcbL;zoe@example.fr;0623456789\r\n3;Th\xe9o;DURAND;theo@example.fr;0634567890\r\n' >crm.csv
	run --separate-stderr cdp-catalog suggest crm.csv
	assert_equal "$status" 0
	assert_equal "$stderr" ""
	expect <<-'EOF'
	# map proposed by cdp-catalog suggest for crm.csv
	# from 3 records; check each line before use (cdp-map(5))
	@format csv
	# not UTF-8: 1 line has invalid UTF-8, so the file was read as WINDOWS-1252 (Excel's in Western Europe);
	# check the accents of the values, another encoding if they look wrong
	@encoding WINDOWS-1252
	# the delimiter detected in the header
	@delimiter ;
	# N°: present and distinct in all 3 records: the record id
	@id N°
	# Téléphone: 3 of 3 national phone numbers are valid in FR
	@country FR
	# Prénom: by its name and values; 3/3 filled, 3 string; names: 3
	first_name=Prénom
	# Nom: by its name and values; 3/3 filled, 3 string; names: 3
	last_name=Nom
	# Courriel: by its name and values; 3/3 filled, 3 email; emails: 3
	email=Courriel
	# Téléphone: by its name and values; 3/3 filled, 3 phone; phone numbers: 3
	phone=Téléphone
	# not mapped: N° (3/3 filled, 3 integer), kept in the raw record
	EOF
	# The proposed map loads the file as it is, accents intact.
	printf '%s\n' "$output" >crm.map
	run --separate-stderr cdp-ingest -q -s crm -M crm.map crm.csv
	assert_equal "$status" 0
	run q "SELECT record_id, first_name, last_name, email, phone FROM record
	    ORDER BY record_id"
	expect <<-'EOF'
	1|Élodie|LEFÈVRE|elodie@example.fr|+33612345678
	2|Zoé|NOËL|zoe@example.fr|+33623456789
	3|Théo|DURAND|theo@example.fr|+33634567890
	EOF
	# -E names it: no guess, the map says it all the same.
	run --separate-stderr cdp-catalog suggest -E windows-1252 crm.csv
	assert_equal "$status" 0
	assert_equal "${lines[2]}" "@format csv"
	assert_equal "${lines[3]}" "# read as windows-1252 (-E)"
	assert_equal "${lines[4]}" "@encoding windows-1252"
	# A pipe cannot be read twice: the error says to name the encoding.
	run --separate-stderr cdp-catalog suggest - <crm.csv
	assert_equal "$status" 1
	assert_equal "$stderr" "cdp-catalog: -: no record to learn from (not UTF-8? name the file's encoding with -E, e.g. -E WINDOWS-1252)"
	run --separate-stderr cdp-catalog suggest -E NO-SUCH-CODE crm.csv
	assert_equal "$status" 2
	assert_equal "$stderr" 'cdp-catalog: unknown encoding "NO-SUCH-CODE" (iconv -l lists them)'
}

@test "suggest: one bad ts value is counted, the column still proposed, never @ignore'd" {
	printf 'order_id,email,amount,ts\nA1,a@example.com,19.90,2026-03-01T10:00:00Z\nA2,b@example.com,5.00,2026-03-02T11:00:00Z\nA3,c@example.com,7.50,yesterday\nA4,d@example.com,12.00,2026-03-04T09:30:00Z\n' >orders.csv
	run --separate-stderr cdp-catalog suggest orders.csv
	assert_equal "$status" 0
	expect <<-'EOF'
	# map proposed by cdp-catalog suggest for orders.csv
	# from 4 records; check each line before use (cdp-map(5))
	@format csv
	# order_id: present and distinct in all 4 records: the record id
	@id order_id
	# email: by its name and values; 4/4 filled, 4 email; emails: 4
	email=email
	# amount: by its name and values; 4/4 filled, 4 number; amounts: 4
	amount=amount
	# ts: by its name and values; 4/4 filled, 3 date (1 other); dates with a time: 3; 1 value not a date (cdp-ingest warns about each and leaves ts empty)
	ts=ts
	# not mapped: order_id (4/4 filled, 4 string), kept in the raw record
	EOF
	# Half of the values or fewer: not proposed, as before.
	printf 'id,email,amount,ts\n1,a@example.com,1,2026-03-01T10:00:00Z\n2,b@example.com,2,soon\n3,c@example.com,3,later\n4,d@example.com,4,2026-03-04T09:30:00Z\n' >half.csv
	run --separate-stderr cdp-catalog suggest half.csv
	assert_equal "$status" 0
	assert_line "# not mapped: ts (4/4 filled, 2 string), kept in the raw record; not ts: half of the values or fewer are dates"
	assert_line "@ignore ts"
}

@test "bench-suggest: the corpus of 27 sources, no harmful proposal" {
	run --separate-stderr "$CDP_TOP/scripts/bench-suggest"
	assert_equal "$status" 0
	assert_equal "${#lines[@]}" 28
	assert_equal "${lines[27]}" "27 files: 206 right, 0 wrong, 5 missed, 0 harmful; 5 doubtful commented out (3 of them right); precision 1.000, recall 0.976"
	# A map that disagrees is scored wrong and harmful, exit 1; the
	# suggested lines the map leaves out are wrong, those it has and
	# suggest does not propose are missed.
	mkdir c
	cp "$CDP_TOP/tests/suggest/crm_us_customers.csv" c/
	sed 's/^email=.*/email=Phone/; s/^@country US/@country IT/; /^city=/d; s/^street=/gender=/' \
	    "$CDP_TOP/tests/suggest/crm_us_customers.map" >c/crm_us_customers.map
	run --separate-stderr "$CDP_TOP/scripts/bench-suggest" -v c
	assert_equal "$status" 1
	expect <<-'EOF'
	  harmful @country: proposed US, the map has IT
	  harmful email: proposed Email Address, the map has Phone
	  missed gender: Address
	  wrong city: proposed City, the map has none
	  wrong street: proposed Address, the map has none
	crm_us_customers.csv           right  8  wrong 4  missed 1  harmful 2  doubtful 0
	1 files: 8 right, 4 wrong, 1 missed, 2 harmful; 0 doubtful commented out (0 of them right); precision 0.667, recall 0.889
	EOF
}

@test "catalog reset: after a map is fixed, the data map holds only the new figures" {
	printf '{"id":"1","context":{"ip":"81.2.69.160"},"email":"a@x.com"}\n{"id":"2","context":{"ip":"81.2.69.161"},"email":"b@x.com"}\n' >ipw.ndjson
	# The harmful map of issue 16: IP addresses as Luxembourg phones.
	cdp-ingest -q -s web -i id -m phone=context.ip -c LU ipw.ndjson
	run q "SELECT field, given, valid FROM catalog WHERE kind = 'canonical'
	    ORDER BY field"
	expect <<-'EOF'
	email|2|2
	phone|2|2
	EOF
	run --separate-stderr cdp-catalog reset web
	assert_equal "$status" 0
	assert_equal "$stderr" "cdp-catalog: web: data map reset, 6 fields forgotten"
	run q "SELECT (SELECT count(*) FROM catalog), (SELECT count(*) FROM
	    catalog_source), (SELECT count(*) FROM catalog_run), (SELECT
	    count(*) FROM record)"
	assert_output "0|0|0|2"
	cdp-ingest -q -s web -i id ipw.ndjson
	run q "SELECT field, given, valid FROM catalog WHERE kind = 'canonical'
	    ORDER BY field"
	assert_output "email|2|2"
	run q "SELECT records FROM catalog_source"
	assert_output "2"
	run q "SELECT tool, json_extract(args, '\$[1]'), outcome FROM run
	    WHERE tool = 'cdp-catalog'"
	assert_output "cdp-catalog|reset|ok"
	run --separate-stderr cdp-catalog reset nope
	assert_equal "$status" 1
	assert_equal "$stderr" 'cdp-catalog: no source "nope"'
	run --separate-stderr cdp-catalog reset
	assert_equal "$status" 2
	run --separate-stderr cdp-catalog reset -x web
	assert_equal "$status" 2
}
