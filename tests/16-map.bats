#!/usr/bin/env bats
# The map language for real sources (cdp-map(5)): fallbacks,
# concatenation, per-field date formats with a century pivot, value
# maps, record filters, display-name emails.

load test_helper
bats_require_minimum_version 1.5.0

@test "map: Segment events, email from traits or context.traits, refunds negative, tests skipped" {
	cat >seg.map <<-'EOF'
	@id messageId
	email = traits.email | context.traits.email
	customer_id = userId
	anonymous_id = anonymousId
	event_type = event | type
	@value event_type Order Completed=purchase
	@value event_type order refunded=refund
	@value event_type page=
	amount = properties.total
	@negate properties.status=refunded
	@skip properties.status=test
	ts = timestamp
	EOF
	run --separate-stderr cdp-ingest -s web -M seg.map "$FIX/segment_events.ndjson"
	assert_equal "$status" 0
	output=$stderr expect <<-'EOF'
	cdp-ingest: web: 4 read, 4 inserted, 0 updated, 0 unchanged, 0 rejected, 1 skipped by the map
	EOF
	run q "SELECT record_id, email, customer_id, anonymous_id, event_type,
	    amount, ts FROM record ORDER BY record_id"
	expect <<-'EOF'
	m1|msentosa@fmail.com|u1||identify||2026-03-01T10:00:00Z
	m2|bob@example.com|u2||purchase|19.9|2026-03-02T10:00:00Z
	m3|bob@example.com|u2||refund|-19.9|2026-03-03T10:00:00Z
	m5|||a5|||2026-03-05T12:00:00Z
	EOF
	run q "SELECT kind, value FROM ident ORDER BY 1, 2"
	expect <<-'EOF'
	anonymous_id|a5
	customer_id|u1
	customer_id|u2
	customer_id|u2
	email|bob@example.com
	email|bob@example.com
	email|msentosa@fmail.com
	EOF
}

@test "map: the first alternative with a value wins, in map order" {
	printf '@id messageId\nemail = traits.email | context.traits.email\n' >a.map
	printf '@id messageId\nemail = context.traits.email | traits.email\n' >b.map
	cdp-ingest -q -s a -M a.map "$FIX/segment_events.ndjson"
	cdp-ingest -q -s b -M b.map "$FIX/segment_events.ndjson"
	run q "SELECT s.name, r.record_id, r.email FROM record r JOIN source s
	    ON s.id = r.source_id WHERE r.record_id = 'm4' ORDER BY 1"
	expect <<-'EOF'
	a|m4|first@example.com
	b|m4|second@example.com
	EOF
}

@test "map: a US file, street number + street else the full address, birth dates in four formats" {
	cat >us.map <<-'EOF'
	@id cust_no
	@date-format birth_date %m/%d/%Y
	@date-format birth_date %b %d %Y
	@date-format birth_date %d-%b-%y
	@date-format birth_date %m/%d/%y
	first_name = first
	last_name = last
	street = street_no + street_name | addr_full
	email = contact
	birth_date = born
	EOF
	run --separate-stderr cdp-ingest -s us -M us.map "$FIX/us_customers.csv"
	assert_equal "$status" 0
	output=$stderr expect <<-EOF
	cdp-ingest: $FIX/us_customers.csv:6: invalid email in contact
	cdp-ingest: $FIX/us_customers.csv:6: invalid date in born
	cdp-ingest: us: 5 read, 5 inserted, 0 updated, 0 unchanged, 0 rejected, 2 invalid values
	EOF
	run q "SELECT record_id, email, birth_date, street FROM record
	    ORDER BY record_id"
	expect <<-'EOF'
	1|ann@example.com|1978-12-11|12 Main St
	2|bob@example.com|1970-03-01|5 Oak Ave, Springfield
	3||2011-05-24|7 Elm Rd
	4|di@example.com|1967-08-15|Pine St
	5|||
	EOF
}

@test "map: %y never puts a birth date in the future, a timestamp keeps strptime's century" {
	printf 'id,dob,ts\n1,8/15/67,8/15/67\n2,1/2/03,1/2/03\n' >y.csv
	printf '@id id\n@date-format %%m/%%d/%%y\nbirth_date=dob\nts=ts\n' >y.map
	cdp-ingest -q -s y -M y.map y.csv
	run q "SELECT record_id, birth_date, ts FROM record ORDER BY 1"
	expect <<-'EOF'
	1|1967-08-15|2067-08-15T00:00:00Z
	2|2003-01-02|2003-01-02T00:00:00Z
	EOF
}

@test "map: -v shows the rules in force; bad rules are usage errors with file:line" {
	printf '@id cust_no\nstreet = street_no + street_name | addr_full\n@value gender 1=F\n@skip first=Bob\n@negate last=Lee\n@date-format ts %%d.%%m.%%Y\n' >v.map
	run --separate-stderr cdp-ingest -v -s v -M v.map "$FIX/us_customers.csv"
	assert_equal "$status" 0
	output=$(printf '%s\n' "$stderr" | sed -n '1,8p') expect <<-EOF
	cdp-ingest: $FIX/us_customers.csv: map in force:
	@id cust_no
	street=street_no + street_name | addr_full
	@value gender 1=F
	@skip first=Bob
	@negate last=Lee
	@date-format ts %d.%m.%Y
	cdp-ingest: bulk load of 4 records: indexes built
	EOF
	printf 'email = a |  | b\n' >e1.map
	printf '@value Order=purchase\n' >e2.map
	printf 'x\n@date-format city %%d\n' | sed 1d >e3.map
	printf '@skip =x\n' >e4.map
	printf '@negate status\n' >e5.map
	for m in e1 e2 e3 e4 e5; do
		run --separate-stderr cdp-ingest -s e -M $m.map "$FIX/us_customers.csv"
		assert_equal "$status" 2
		printf '%s\n' "$stderr" >>errs
	done
	output=$(cat errs) expect <<-'EOF'
	cdp-ingest: e1.map:1: mapping of email has an empty field between ' | ' or ' + '
	cdp-ingest: e2.map:1: @value needs a canonical field, then FROM=TO
	cdp-ingest: e3.map:1: @date-format applies to birth_date or ts, not city
	cdp-ingest: e4.map:1: @skip names no field
	cdp-ingest: e5.map:1: @negate needs FIELD=VALUE
	EOF
	run q "SELECT count(*) FROM record"
	assert_output "4"
}

@test "map: a missing field of an alternative is reported once, the others still read" {
	printf '@id cust_no\nemail = nope | contact\n' >m.map
	run --separate-stderr cdp-ingest -s m -M m.map "$FIX/us_customers.csv"
	assert_equal "$status" 0
	output=$stderr expect <<-EOF
	cdp-ingest: $FIX/us_customers.csv:1: no field "nope" in the header
	cdp-ingest: $FIX/us_customers.csv:6: invalid email in nope | contact
	cdp-ingest: m: 5 read, 5 inserted, 0 updated, 0 unchanged, 0 rejected, 2 invalid values
	EOF
	run q "SELECT count(email) FROM record"
	assert_output "3"
}

@test "map: @timezone, store tickets in local time stored in UTC, an explicit offset kept" {
	printf 'ticket,date,total\nT1,2026-01-15 10:30,10\nT2,2026-07-15 10:30,5\nT3,2026-07-15T10:30:00Z,1\nT4,15/07/2026 23:30,2\nT5,2026-03-29 02:30,3\n' >pos.csv
	printf '@id ticket\n@timezone Europe/Paris\n@date-format ts %%d/%%m/%%Y %%H:%%M\nts=date\n' >pos.map
	cdp-ingest -q -s pos -M pos.map pos.csv
	run q "SELECT record_id, ts FROM record ORDER BY 1"
	expect <<-'EOF'
	T1|2026-01-15T09:30:00Z
	T2|2026-07-15T08:30:00Z
	T3|2026-07-15T10:30:00Z
	T4|2026-07-15T21:30:00Z
	T5|2026-03-29T01:30:00Z
	EOF
	printf '@timezone Mars/Base\n' >z.map
	run --separate-stderr cdp-ingest -s pos -M z.map pos.csv
	assert_equal "$status" 2
	assert_equal "$stderr" 'cdp-ingest: unknown time zone "Mars/Base"'
	printf '@timezone ../../etc/passwd\n' >z.map
	run --separate-stderr cdp-ingest -s pos -M z.map pos.csv
	assert_equal "$status" 2
	assert_equal "$stderr" 'cdp-ingest: unknown time zone "../../etc/passwd"'
}

@test "map: @encoding, a Windows-1252 file loaded by its map; -E wins over it" {
	printf 'id;pr\xe9nom;nom\n1;\xc9lodie;LEF\xc8VRE\n' >crm.csv
	printf '@encoding WINDOWS-1252\n@id id\nfirst_name=pr\xc3\xa9nom\nlast_name=nom\n' >crm.map
	run --separate-stderr cdp-ingest -s crm -M crm.map crm.csv
	assert_equal "$status" 0
	assert_equal "$stderr" "cdp-ingest: crm: 1 read, 1 inserted, 0 updated, 0 unchanged, 0 rejected"
	run q "SELECT record_id, first_name, last_name FROM record"
	assert_output "1|Élodie|LEFÈVRE"
	run q "SELECT mapping FROM source"
	assert_line "@encoding WINDOWS-1252"
	# -E UTF-8 on the command line wins over the map: the header is refused.
	run --separate-stderr cdp-ingest -s crm2 -E UTF-8 -M crm.map crm.csv
	assert_equal "$status" 3
	run q "SELECT count(*) FROM record"
	assert_output "1"
	printf '@encoding KLINGON\n' >z.map
	run --separate-stderr cdp-ingest -s crm -M z.map crm.csv
	assert_equal "$status" 2
	assert_equal "$stderr" 'cdp-ingest: unknown encoding "KLINGON" (iconv -l lists them)'
}

@test "map: org_name, by its name or mapped, stored as written, in the golden record and the data map" {
	printf 'id;prenom;nom;email;Soci\xc3\xa9t\xc3\xa9\nC1;Jean;Dupont;jean@acme.fr;  ACME  S.A.R.L. \nC2;Zo\xc3\xa9;Martin;zoe@globex.fr;Globex\n' >crm.csv
	run --separate-stderr cdp-ingest -s crm -i id crm.csv
	assert_equal "$status" 0
	printf '{"id":"w1","email":"jean@acme.fr","account":{"name":"Acme SAS"},"ts":"2026-01-02T10:00:00Z"}\n' >web.ndjson
	run --separate-stderr cdp-ingest -s web -i id -m org_name=account.name web.ndjson
	assert_equal "$status" 0
	run q "SELECT record_id, org_name FROM record ORDER BY 1"
	expect <<-'EOF'
	C1|ACME S.A.R.L.
	C2|Globex
	w1|Acme SAS
	EOF
	cdp-match -q | cdp-merge -q
	# Most frequent, then most recent: the CRM's spelling, ingested after
	# the web event's ts.
	run q "SELECT p.email, p.org_name FROM profile p ORDER BY 1"
	expect <<-'EOF'
	jean@acme.fr|ACME S.A.R.L.
	zoe@globex.fr|Globex
	EOF
	run --separate-stderr cdp-export -q -F email,org_name:Company profiles
	expect <<-'EOF'
	email,Company
	jean@acme.fr,ACME S.A.R.L.
	zoe@globex.fr,Globex
	EOF
	run q "SELECT s.name, c.field, c.present, c.valid FROM catalog c JOIN
	    source s ON s.id = c.source_id WHERE c.field = 'org_name' ORDER BY 1"
	expect <<-'EOF'
	crm|org_name|2|2
	web|org_name|1|1
	EOF
	# In the 360 view, and in segments, of profiles and of events.
	run --separate-stderr cdp-export -q profile zoe@globex.fr
	assert_equal "$(printf '%s\n' "$output" | jq -r .golden.org_name)" Globex
	run --separate-stderr cdp-segment -f ndjson preview 'org_name = "Globex"'
	assert_equal "$status" 0
	assert_equal "$(printf '%s\n' "$output" | jq -c '[.count, .sample[0].email]')" '[1,"zoe@globex.fr"]'
}
