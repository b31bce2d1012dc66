#!/usr/bin/env bats
# cdp-catalog: the figures cdp-ingest keeps, masking, provenance,
# suggest on French, English and unlabeled files, drift.

load test_helper
bats_require_minimum_version 1.5.0

# The fixture: 5 records; figures checked by hand in tests/unit/t-catalog.c
# (age 31, "42", null, 27.5, 31; emails valid 2 of the 3 given, "" is not
# given; cities Paris, Lyon, Paris, paris; tags ["a","b"], [], ["a"]).
ingest_fixture() {
	cdp-ingest -q -s fix -M "$FIX/catalog.map" "$FIX/catalog.ndjson" \
	    2>/dev/null
}

@test "cdp-catalog: every figure of a fixture computed by hand" {
	ingest_fixture
	run cdp-catalog -f table
	assert_equal "$status" 0
	expect <<-'EOF'
	source  field           type     fill    distinct  validity  min             max             top
	fix     city            string    80.0%         3    100.0%  Lyon            paris           Paris (2), Lyon (1), paris (1)
	fix     email           email     40.0%         2     66.7%  a***@e***.com   b***@e***.com   a***@e***.com (1), b***@e***.com (1)
	fix     phone           phone     20.0%         1    100.0%  +336******78    +336******78    +336******78 (1)
	fix     postal_code     integer   60.0%         2    100.0%           69001           75001  75001 (2), 69001 (1)
	fix     attr.addr       object    80.0%         0
	fix     attr.addr.city  string    80.0%         3            Lyon            paris           Paris (2), Lyon (1), paris (1)
	fix     attr.addr.zip   integer   60.0%         2                     69001           75001  75001 (2), 69001 (1)
	fix     attr.age        integer   80.0%         3            2***            4***            3*** (2), 2*** (1), 4*** (1)
	fix     attr.email      email     60.0%         3            A***@E***.com   n***            A***@E***.com (1), b***@e***.com (1), n*** (1)
	fix     attr.id         integer  100.0%         5            1***            5***            1*** (1), 2*** (1), 3*** (1)
	fix     attr.phone      phone     20.0%         1            06 1* ** ** 78  06 1* ** ** 78  06 1* ** ** 78 (1)
	fix     attr.tags       array     60.0%         0
	fix     attr.tags[]     string    40.0%         2            a***            b***            a*** (2), b*** (1)
	fix     attr.vip        boolean   60.0%         2            false           true            true (2), false (1)
	EOF
	run q "SELECT field, n_string, n_integer, n_number, n_null, given, valid
	    FROM catalog WHERE field IN ('email', 'attr.email', 'attr.age')
	    ORDER BY field"
	expect <<-'EOF'
	attr.age|0|3|1|1||
	attr.email|1|0|0|1||
	email|0|0|0|0|3|2
	EOF
}

@test "cdp-catalog: masked by default: free text, addresses and ids; harmless fields in clear" {
	cdp-ingest -q -s tickets -i ticket_id -m customer_id=customer <<-'EOF'
	{"ticket_id":"T-1001","customer":"C0101305","text":"Helene says her order 55 is late","shipping_address":{"line1":"4 rue Lepic"},"status":"open","amount":12.5,"event_type":"ticket"}
	{"ticket_id":"T-1002","customer":"C0101306","text":"Call back Mr Martin","shipping_address":{"line1":"8 rue Lepic"},"status":"open","amount":3.25,"event_type":"ticket"}
	EOF
	run -0 cdp-catalog -f table
	expect <<-'EOF'
	source   field                        type    fill    distinct  validity  min     max     top
	tickets  amount                       number  100.0%         2    100.0%    3.25    12.5  12.5 (1), 3.25 (1)
	tickets  customer_id                  string  100.0%         2    100.0%  C***    C***    C*** (1), C*** (1)
	tickets  event_type                   string  100.0%         1    100.0%  ticket  ticket  ticket (2)
	tickets  attr.amount                  number  100.0%         2              3.25    12.5  12.5 (1), 3.25 (1)
	tickets  attr.customer                string  100.0%         2            C***    C***    C*** (1), C*** (1)
	tickets  attr.event_type              string  100.0%         1            ticket  ticket  ticket (2)
	tickets  attr.shipping_address        object  100.0%         0
	tickets  attr.shipping_address.line1  string  100.0%         2            4***    8***    4*** (1), 8*** (1)
	tickets  attr.status                  string  100.0%         1            open    open    open (2)
	tickets  attr.text                    string  100.0%         2            C***    H***    C*** (1), H*** (1)
	tickets  attr.ticket_id               string  100.0%         2            T***    T***    T*** (1), T*** (1)
	EOF
}

@test "cdp-catalog: yes/no and consent columns in clear, in the data map too; free text and ids stay masked" {
	# OPTIN_EMAIL, sms and flag hold only yes/no words; PREF is mapped to
	# a consent ("?" is rejected but counted); note and code hold a
	# yes/no word among others: masked as before.
	printf 'id;email;OPTIN_EMAIL;sms;flag;note;code;PREF\nC1;a@x.fr;Oui;yes;1;Oui merci;O;Oui\nC2;b@x.fr;Non;no;0;Non;N;?\nC3;c@x.fr;Oui;yes;1;peut-etre;O;Non\nC4;d@x.fr;Oui; ;0;Oui;X;Oui\n' >crm.csv
	run --separate-stderr cdp-ingest -q -s crm -i id \
	    -m consent_email=OPTIN_EMAIL -m consent_post=PREF crm.csv
	assert_equal "$status" 0
	assert_equal "$stderr" "cdp-ingest: crm.csv:3: invalid consent in PREF"
	run -0 cdp-catalog -f table
	expect <<-'EOF'
	source  field             type     fill    distinct  validity  min           max           top
	crm     email             email    100.0%         4    100.0%  a***@x***.fr  d***@x***.fr  a***@x***.fr (1), b***@x***.fr (1), c***@x***.fr (1)
	crm     attr.OPTIN_EMAIL  string   100.0%         2            Non           Oui           Oui (3), Non (1)
	crm     attr.PREF         string   100.0%         3            ?             Oui           Oui (2), ? (1), Non (1)
	crm     attr.code         string   100.0%         3            N***          X***          O*** (2), N*** (1), X*** (1)
	crm     attr.email        email    100.0%         4            a***@x***.fr  d***@x***.fr  a***@x***.fr (1), b***@x***.fr (1), c***@x***.fr (1)
	crm     attr.flag         integer  100.0%         2                       0             1  0 (2), 1 (2)
	crm     attr.id           string   100.0%         4            C***          C***          C*** (1), C*** (1), C*** (1)
	crm     attr.note         string   100.0%         4            N***          p***          N*** (1), O*** (1), O*** (1)
	crm     attr.sms          string    75.0%         2            no            yes           yes (2), no (1)
	EOF
	run -0 cdp-report -q -o rep
	run -0 grep -o '<td>attr\.[^<]*</td><td>[^<]*</td><td class="n">[^<]*</td><td class="n">[^<]*</td><td>[^<]*</td>' rep/datamap.html
	expect <<-'EOF'
	<td>attr.OPTIN_EMAIL</td><td>string</td><td class="n">100</td><td class="n">2</td><td>Oui (3), Non (1)</td>
	<td>attr.PREF</td><td>string</td><td class="n">100</td><td class="n">3</td><td>Oui (2), ? (1), Non (1)</td>
	<td>attr.code</td><td>string</td><td class="n">100</td><td class="n">3</td><td>O*** (2), N*** (1), X*** (1)</td>
	<td>attr.email</td><td>email</td><td class="n">100</td><td class="n">4</td><td>a***@x***.fr (1), b***@x***.fr (1), c***@x***.fr (1)</td>
	<td>attr.flag</td><td>integer</td><td class="n">100</td><td class="n">2</td><td>0 (2), 1 (2)</td>
	<td>attr.id</td><td>string</td><td class="n">100</td><td class="n">4</td><td>C*** (1), C*** (1), C*** (1)</td>
	<td>attr.note</td><td>string</td><td class="n">100</td><td class="n">4</td><td>N*** (1), O*** (1), O*** (1)</td>
	<td>attr.sms</td><td>string</td><td class="n">75</td><td class="n">2</td><td>yes (2), no (1)</td>
	EOF
}

@test "cdp-catalog: a column whose top values are yes/no but that holds other values stays masked" {
	# 38 names after 200 Oui/Non: the top values lost them (Misra-Gries),
	# their counts no longer add up to the values present, and min holds
	# a name.
	{
		echo 'id,reponse'
		for i in $(seq 100); do echo "A$i,Oui"; echo "B$i,Non"; done
		for i in $(seq 38); do echo "C$i,Martin$i"; done
	} >big.csv
	cdp-ingest -q -s s -i id big.csv
	run -0 cdp-catalog -f table attr.reponse
	expect <<-'EOF'
	source  field         type    fill    distinct  validity  min   max   top
	s       attr.reponse  string  100.0%        39            M***  O***  N*** (98), O*** (98)
	EOF
}

@test "cdp-catalog: CSV and NDJSON carry every column; --unmask" {
	ingest_fixture
	run cdp-catalog -f csv --unmask email
	assert_equal "$status" 0
	assert_equal "${lines[0]}" "source,field,kind,type,types,records,present,fill,distinct,given,valid,validity,min,max,top,first_seen,last_seen"
	assert_equal "${lines[1]%,*,*}" 'fix,email,canonical,email,"{""email"":2}",5,2,0.4000,2,3,2,0.6667,ann@example.com,bob@example.com,"[[""ann@example.com"",1],[""bob@example.com"",1]]"'
	run cdp-catalog -f ndjson 'attr.e*'
	assert_equal "$status" 0
	assert_equal "${output%%,\"first_seen\"*}" '{"source":"fix","field":"attr.email","kind":"raw","type":"email","types":{"email":2,"string":1,"null":1},"records":5,"present":3,"fill":0.6000,"distinct":3,"given":null,"valid":null,"validity":null,"min":"A***@E***.com","max":"n***","top":[["A***@E***.com",1],["b***@e***.com",1],["n***",1]]'
	run cdp-catalog -f csv nosuchfield
	assert_equal "$status" 1
}

@test "cdp-catalog: a file ingested twice is counted once" {
	ingest_fixture
	ingest_fixture
	run q "SELECT records FROM catalog_source"
	assert_output "5"
	run q "SELECT present, n_integer, top_values FROM catalog
	    WHERE field = 'attr.age'"
	assert_output '4|3|[["31",2],["27.5",1],["42",1]]'
}

@test "cdp-catalog: an updated record counts as a new version" {
	printf '{"id":"1","age":31}\n' >a.ndjson
	printf '{"id":"1","age":32}\n{"id":"2","age":31}\n' >b.ndjson
	cdp-ingest -q -s s -i id a.ndjson
	cdp-ingest -q -s s -i id b.ndjson
	run q "SELECT c.present, c.distinct_est, c.top_values, s.records
	    FROM catalog c JOIN catalog_source s USING (source_id)
	    WHERE field = 'attr.age'"
	assert_output '3|2|[["31",2],["32",1]]|3'
}

@test "cdp-catalog sources: records, fields, runs and files" {
	ingest_fixture
	cdp-ingest -q -s other -i id - <<-'EOF'
	{"id":"x","n":1}
	EOF
	run cdp-catalog sources -f csv
	assert_equal "$status" 0
	assert_equal "${lines[0]}" "source,format,records,fields,untracked,runs,files,last_file,first_seen,last_seen"
	assert_equal "${lines[1]%,*,*}" "fix,ndjson,5,14,0,1,1,$FIX/catalog.ndjson"
	assert_equal "${lines[2]%,*,*}" "other,ndjson,1,2,0,1,1,stdin"
	run q "SELECT f.file, f.format, f.records, f.rejected FROM run_file f
	    JOIN run r ON r.id = f.run ORDER BY r.id"
	expect <<-EOF
	$FIX/catalog.ndjson|ndjson|5|0
	stdin|ndjson|1|0
	EOF
}

@test "cdp-catalog suggest: French headers, ';', day-first dates, FR phones" {
	run cdp-catalog suggest "$FIX/crm_fr.csv"
	assert_equal "$status" 0
	expect <<-EOF
	# map proposed by cdp-catalog suggest for $FIX/crm_fr.csv
	# from 3 records; check each line before use (cdp-map(5))
	@format csv
	# the delimiter detected in the header
	@delimiter ;
	# ID_CLIENT: present and distinct in all 3 records: the record id
	@id ID_CLIENT
	# TELEPHONE: 1 of 1 national phone numbers are valid in FR; 2 of 2 with a country code have its code
	@country FR
	# DATE_NAISSANCE: 3 dates day first (a first part above 12 was seen)
	@date-format %d/%m/%Y
	# ID_CLIENT: by its name and values; 3/3 filled, 3 string
	customer_id=ID_CLIENT
	# PRENOM: by its name and values; 3/3 filled, 3 string; names: 3
	first_name=PRENOM
	# NOM: by its name and values; 3/3 filled, 3 string; names: 3
	last_name=NOM
	# EMAIL: by its name and values; 3/3 filled, 3 email; emails: 3
	email=EMAIL
	# TELEPHONE: by its name and values; 3/3 filled, 3 phone; phone numbers: 3
	phone=TELEPHONE
	# DATE_NAISSANCE: by its name and values; 3/3 filled, 3 date; past dates: 3
	birth_date=DATE_NAISSANCE
	# ADRESSE: by its name and values; 3/3 filled, 3 string
	street=ADRESSE
	# CODE_POSTAL: by its name and values; 3/3 filled, 2 integer (1 other); postal codes: 3
	postal_code=CODE_POSTAL
	# VILLE: by its name and values; 3/3 filled, 3 string; place names: 3
	city=VILLE
	# OPTIN_EMAIL: by its name and values; 3/3 filled, 3 string
	consent_email=OPTIN_EMAIL
	EOF
	# cdp-ingest accepts it, and it does what the options of 10-ingest do.
	printf '%s\n' "$output" >crm.map
	run cdp-ingest -q -s crm -M crm.map "$FIX/crm_fr.csv"
	assert_equal "$status" 0
	run q "SELECT record_id, email, phone, birth_date FROM record
	    ORDER BY record_id"
	expect <<-'EOF'
	C001|jean.dupont@example.fr|+33612345678|1985-03-15
	C002|elodie.martin@gmail.com|+33698765432|1992-02-29
	C003|zoe@example.com|+33612345679|
	EOF
}

@test "cdp-catalog suggest: English headers, month-first dates, GB phones" {
	run cdp-catalog suggest "$FIX/suggest_en.csv"
	assert_equal "$status" 0
	expect <<-EOF
	# map proposed by cdp-catalog suggest for $FIX/suggest_en.csv
	# from 3 records; check each line before use (cdp-map(5))
	@format csv
	# Customer ID: present and distinct in all 3 records: the record id
	@id Customer ID
	# Mobile: 2 of 2 national phone numbers are valid in GB; 1 of 1 with a country code have its code
	@country GB
	# Date of Birth: 3 dates month first (a second part above 12 was seen)
	@date-format %m/%d/%Y
	# Customer ID: by its name and values; 3/3 filled, 3 string
	customer_id=Customer ID
	# First Name: by its name and values; 3/3 filled, 3 string; names: 3
	first_name=First Name
	# Last Name: by its name and values; 3/3 filled, 3 string; names: 3
	last_name=Last Name
	# E-mail: by its name and values; 3/3 filled, 3 email; emails: 3
	email=E-mail
	# Mobile: by its name and values; 3/3 filled, 3 phone; phone numbers: 3
	phone=Mobile
	# Date of Birth: by its name and values; 3/3 filled, 3 date; past dates: 3
	birth_date=Date of Birth
	# Zip: by its name and values; 3/3 filled, 3 string; postal codes: 3
	postal_code=Zip
	# City: by its name and values; 3/3 filled, 3 string; place names: 3
	city=City
	# Newsletter opt-in: by its name and values; 3/3 filled, 3 string
	consent_newsletter=Newsletter opt-in
	EOF
	printf '%s\n' "$output" >en.map
	run cdp-ingest -q -s en -M en.map "$FIX/suggest_en.csv"
	assert_equal "$status" 0
	run q "SELECT record_id, phone, birth_date FROM record ORDER BY 1"
	expect <<-'EOF'
	K-001|+447700900123|1980-03-25
	K-002|+447700900456|1975-12-01
	K-003|+447700900789|1990-07-04
	EOF
}

@test "cdp-catalog suggest: an unlabeled column of emails" {
	run cdp-catalog suggest "$FIX/unlabeled.csv"
	assert_equal "$status" 0
	expect <<-EOF
	# map proposed by cdp-catalog suggest for $FIX/unlabeled.csv
	# from 3 records; check each line before use (cdp-map(5))
	@format csv
	# a: present and distinct in all 3 records: the record id
	@id a
	# b: by its values; 3/3 filled, 3 email; emails: 3
	email=b
	# not mapped: a (3/3 filled, 3 integer), kept in the raw record
	# not mapped: c (3/3 filled, 3 string), kept in the raw record
	EOF
}

@test "cdp-catalog suggest: nested NDJSON, a file with no record" {
	printf '{"o":"1","buyer":{"contact":"x@example.com"},"items":[{"mail":"y@example.com"}]}\n' >n.ndjson
	run cdp-catalog suggest n.ndjson
	assert_equal "$status" 0
	assert_equal "${lines[3]}" "# no field is present and distinct in every record: ids will be hashes of the content"
	assert_equal "${lines[4]}" "# buyer.contact: by its values; 1/1 filled, 1 email; emails: 1"
	assert_equal "${lines[5]}" "email=buyer.contact"
	: >empty.csv
	run cdp-catalog suggest empty.csv
	assert_equal "$status" 1
	assert_output "cdp-catalog: empty.csv: no record to learn from"
	run cdp-catalog suggest
	assert_equal "$status" 2
}

@test "cdp-catalog drift: a source adds a field, drops one, changes a type" {
	printf 'id,email,city,age\n1,a@example.com,Paris,31\n2,b@example.com,Lyon,42\n' >v1.csv
	printf 'id,email,age,loyalty\n3,c@example.com,thirty,L1\n4,d@example.com,forty,L2\n' >v2.csv
	cdp-ingest -q -s s -i id v1.csv
	run cdp-catalog drift -f csv
	assert_equal "$status" 0
	assert_output "source,run,previous_run,field,change,was,now,present,records"
	cdp-ingest -q -s s -i id v2.csv
	run cdp-catalog drift -f csv
	assert_equal "$status" 0
	expect <<-'EOF'
	source,run,previous_run,field,change,was,now,present,records
	s,2,1,attr.loyalty,new,,string,2,2
	s,2,1,loyalty_id,new,,string,2,2
	s,2,1,attr.city,missing,string,,0,2
	s,2,1,city,missing,string,,0,2
	s,2,1,attr.age,type,integer,string,2,2
	EOF
	run cdp-catalog drift -f csv -s nosuch
	assert_equal "$status" 0
	assert_output "source,run,previous_run,field,change,was,now,present,records"
}

@test "cdp-catalog: usage and a database that does not exist" {
	run cdp-catalog -x
	assert_equal "$status" 2
	run cdp-catalog -f xml
	assert_equal "$status" 2
	run cdp-catalog -d "$BATS_TEST_TMPDIR/none.db"
	assert_equal "$status" 1
}

@test "catalog delete: a dry run counts; -f deletes the source's records, removes the profiles it alone made, re-resolves the others" {
	printf 'id,email,first_name\nA,e1@x.fr,Ann\nD,d@x.fr,Dan\n' >crm.csv
	printf 'id,email,customer_id,event_type,amount,ts\nB,e1@x.fr,K1,purchase,10,2026-01-01T00:00:00Z\nE,eve@x.fr,K9,purchase,5,2026-01-02T00:00:00Z\nF,bad,K8,purchase,1,2026-01-03T00:00:00Z\n' >shop.csv
	printf 'id,customer_id,first_name\nC,K1,Ann\n' >web.csv
	cdp-ingest -q -s crm -i id crm.csv
	run --separate-stderr cdp-ingest -q -s shop -i id shop.csv
	cdp-ingest -q -s web -i id web.csv
	cdp-match -q | cdp-merge -q
	cdp-segment -q define all 'true'
	cdp-segment -q eval
	# B ties A (email) and C (customer id); E is the shop's alone.
	run q "SELECT m.profile, r.record_id FROM member m JOIN record r ON
	    r.id = m.record ORDER BY 1, 2"
	expect <<-'EOF'
	1|A
	1|B
	1|C
	2|D
	3|E
	4|F
	EOF
	q "INSERT INTO reject(run, source_id, file, line, reason, raw)
	    SELECT 2, id, 'shop.csv', 9, 'x', 'x' FROM source WHERE name = 'shop'"
	# A consent given by hand to E's profile, and one to A's.
	q "INSERT INTO consent(kind, value, purpose, granted, ts) VALUES
	    ('profile', '3', 'email', 1, '2026-01-05T00:00:00Z'),
	    ('profile', '1', 'email', 1, '2026-01-05T00:00:00Z')"
	cp "$CDP_DB" before.db
	run --separate-stderr cdp-catalog delete shop
	assert_equal "$status" 0
	assert_equal "$stderr" "cdp-catalog: shop: a dry run; -f deletes"
	expect <<-'EOF'
	would delete:
	  record               3
	  ident                5
	  consent              1
	  record_history       0
	  link                 2
	  reject               1
	  catalog field        11
	  profile removed      2
	  profile re-resolved  1
	  segment exit         2
	EOF
	# The dry run changed nothing.
	run sqlite3 "$CDP_DB" "SELECT count(*) FROM record"
	assert_output 6
	# -r: the files cdp-run keeps for the source are counted, then deleted;
	# those still waiting are left, with a warning.
	mkdir -p sp/shop/done sp/shop/rejects sp/shop/incoming sp/crm/done
	printf 'spool %s/sp\n' "$PWD" >run.conf
	cp shop.csv sp/shop/done/shop-1.csv
	echo '{}' >sp/shop/rejects/shop-1.csv.ndjson
	cp shop.csv sp/shop/incoming/shop-2.csv
	cp crm.csv sp/crm/done/crm-1.csv
	ln -s "$PWD/crm.csv" sp/shop/done/link.csv
	run --separate-stderr cdp-catalog delete -r run.conf shop
	assert_equal "$status" 0
	assert_equal "${lines[11]}" "  kept file            2"
	assert_equal "$stderr" "cdp-catalog: shop: 1 file still in $PWD/sp/shop/incoming or failed: cdp-run would ingest them again
cdp-catalog: shop: a dry run; -f deletes"
	[ -e sp/shop/done/shop-1.csv ]
	run --separate-stderr cdp-catalog delete -f -r run.conf shop
	assert_equal "$status" 0
	assert_equal "${lines[0]}" "deleted:"
	assert_equal "${lines[1]}" "  record               3"
	assert_equal "${lines[11]}" "  kept file            2"
	run sh -c "find sp -print | LC_ALL=C sort"
	expect <<-'EOF'
	sp
	sp/crm
	sp/crm/done
	sp/crm/done/crm-1.csv
	sp/shop
	sp/shop/done
	sp/shop/done/link.csv
	sp/shop/incoming
	sp/shop/incoming/shop-2.csv
	sp/shop/rejects
	EOF
	[ -e crm.csv ]
	run q "SELECT m.profile, r.record_id FROM member m JOIN record r ON
	    r.id = m.record ORDER BY 1, 2"
	expect <<-'EOF'
	1|A
	2|D
	5|C
	EOF
	run q "SELECT (SELECT count(*) FROM record r JOIN source s ON
	    s.id = r.source_id WHERE s.name = 'shop'), (SELECT count(*) FROM
	    ident WHERE value IN ('eve@x.fr', 'K9', 'K8') OR record NOT IN
	    (SELECT id FROM record)),
	    (SELECT count(*) FROM reject), (SELECT count(*) FROM catalog c
	    JOIN source s ON s.id = c.source_id WHERE s.name = 'shop'),
	    (SELECT count(*) FROM link), (SELECT group_concat(id) FROM profile),
	    (SELECT group_concat(value) FROM consent)"
	assert_output "0|0|0|0|0|1,2,5|1"
	# The golden record of the profile kept has nothing of the shop's.
	run q "SELECT email, customer_id, nrecords FROM profile WHERE id = 1"
	assert_output "e1@x.fr||1"
	# The removed profiles leave their segments as changes; the split is
	# logged; the run log has counts, no identifier.
	run q "SELECT profile, change FROM segment_change WHERE run = (SELECT
	    max(id) FROM run) ORDER BY 1"
	expect <<-'EOF'
	3|exit
	4|exit
	EOF
	run q "SELECT size FROM segment"
	assert_output 2
	run q "SELECT action, profile, other, reason FROM merge_log WHERE
	    action = 'split'"
	assert_output "split|5|1|source deleted"
	run q "SELECT tool, outcome, message FROM run ORDER BY id DESC LIMIT 1"
	assert_output "cdp-catalog|ok|source deleted: 3 records, 2 profiles removed, 1 re-resolved, 2 segment exits"
	run --separate-stderr cdp-catalog delete nope
	assert_equal "$status" 1
	assert_equal "$stderr" 'cdp-catalog: no source "nope"'
	run --separate-stderr cdp-catalog delete -x shop
	assert_equal "$status" 2
}
