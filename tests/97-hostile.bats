#!/usr/bin/env bats
# cdp-ingest on hostile input (the corpus in tests/hostile/ and inputs
# too large to keep there): SQL injection, format strings, path tricks,
# huge values, 100,000 columns, duplicate keys, extreme numbers, UTF-16
# surrogates, overlong UTF-8, control characters and bidirectional
# overrides.  Everything is stored as data or rejected with an exact
# reason; nothing is executed and nothing crashes.

load test_helper
bats_require_minimum_version 1.5.0

setup() {
	common_setup
	HOST=$CDP_TOP/tests/hostile
}

# schema DB: the database's schema, to compare with an untouched one.
schema() {
	sqlite3 "$1" "SELECT type, name, tbl_name, sql FROM sqlite_master
	    ORDER BY name"
}

@test "hostile: SQL injection in every CSV and NDJSON field is stored as data" {
	rm -f /tmp/cdp-pwned.db
	printf 'id,email\n1,a@x.fr\n' >benign.csv
	CDP_DB=benign.db cdp-ingest -q -s s -i id benign.csv
	run --separate-stderr cdp-ingest -s csv -i id "$HOST/sqli.csv"
	assert_equal "$status" 0
	assert_equal "${stderr_lines[-1]}" "cdp-ingest: csv: 6 read, 6 inserted, 0 updated, 0 unchanged, 0 rejected, 48 invalid values"
	assert_equal "${stderr_lines[0]}" "cdp-ingest: $HOST/sqli.csv:2: invalid country in country"
	run --separate-stderr cdp-ingest -s nd -i id "$HOST/sqli.ndjson"
	assert_equal "$status" 0
	assert_equal "${stderr_lines[-1]}" "cdp-ingest: nd: 6 read, 6 inserted, 0 updated, 0 unchanged, 0 rejected, 48 invalid values"
	run q "SELECT record_id FROM record WHERE source_id = 1 ORDER BY 1"
	expect <<-'EOF'
	" OR "1"="1
	' UNION SELECT sql FROM sqlite_master--
	'); DROP TABLE record;--
	'; PRAGMA writable_schema=1; UPDATE sqlite_master SET sql='';--
	1; ATTACH DATABASE '/tmp/cdp-pwned.db' AS p; CREATE TABLE p.t(x);--
	x'||(SELECT load_extension('/tmp/cdp-evil'))||'
	EOF
	# Text fields hold the value as given, in both formats.
	run q "SELECT count(*) FROM record WHERE first_name = record_id
	    AND last_name = record_id AND city = record_id
	    AND street = record_id AND customer_id = record_id
	    AND currency = upper(record_id)
	    AND json_extract(raw, '$.notes') = record_id
	    AND email IS NULL AND phone IS NULL AND postal_code IS NULL
	    AND country IS NULL AND gender IS NULL AND birth_date IS NULL
	    AND ts IS NULL AND amount IS NULL"
	assert_output 12
	run q "SELECT count(*) FROM record r JOIN source s ON s.id = r.source_id
	    WHERE s.name = 'nd' AND json_extract(raw, '$.nested') =
	    json_object(record_id, json_array(record_id,
	    json_object('k', record_id)))"
	assert_output 6
	run q "SELECT first_name_key FROM record WHERE source_id = 1
	    ORDER BY record_id LIMIT 2"
	expect <<-'EOF'
	or 1 = 1
	union select sql from sqlite master
	EOF
	run q "SELECT kind, count(*) FROM ident GROUP BY 1"
	assert_output customer_id\|12
	assert_equal "$(schema "$CDP_DB")" "$(schema benign.db)"
	[ ! -e /tmp/cdp-pwned.db ]
	# Hostile values are compared like any other: a rerun changes nothing.
	run --separate-stderr cdp-ingest -s csv -i id "$HOST/sqli.csv"
	assert_equal "${stderr_lines[-1]}" "cdp-ingest: csv: 6 read, 0 inserted, 0 updated, 6 unchanged, 0 rejected, 48 invalid values"
}

@test "hostile: format strings in values, header names and file names" {
	cp "$HOST/format.csv" '%n%s%x.csv'
	run --separate-stderr cdp-ingest -s fmt -i id '%n%s%x.csv'
	assert_equal "$status" 3
	output=$stderr expect <<-'EOF'
	cdp-ingest: %n%s%x.csv:2: invalid email in email
	cdp-ingest: %n%s%x.csv:3: invalid email in email
	cdp-ingest: %n%s%x.csv:4: invalid email in email
	cdp-ingest: %n%s%x.csv:5: invalid email in email
	cdp-ingest: %n%s%x.csv:6: expected 5 fields, got 1
	cdp-ingest: fmt: 5 read, 4 inserted, 0 updated, 0 unchanged, 1 rejected, 4 invalid values
	EOF
	run q "SELECT record_id, first_name, first_name_key, city, raw FROM record
	    ORDER BY 1"
	expect <<-'EOF'
	%1$s%2$n|%1$s%2$n|1$s 2$n|%1$s%2$n|{"id":"%1$s%2$n","email":"%1$s%2$n","first_name":"%1$s%2$n","city":"%1$s%2$n","%n%s":"%1$s%2$n"}
	%99999999d%n|%99999999d%n|99999999d n|%99999999d%n|{"id":"%99999999d%n","email":"%99999999d%n","first_name":"%99999999d%n","city":"%99999999d%n","%n%s":"%99999999d%n"}
	%n%s%x%p|%n%s%x%p|n s x p|%n%s%x%p|{"id":"%n%s%x%p","email":"%n%s%x%p","first_name":"%n%s%x%p","city":"%n%s%x%p","%n%s":"%n%s%x%p"}
	%s%s%s%s%s%s%s%s%s%s%n|%s%s%s%s%s%s%s%s%s%s%n|s s s s s s s s s s n|%s%s%s%s%s%s%s%s%s%s%n|{"id":"%s%s%s%s%s%s%s%s%s%s%n","email":"%s%s%s%s%s%s%s%s%s%s%n","first_name":"%s%s%s%s%s%s%s%s%s%s%n","city":"%s%s%s%s%s%s%s%s%s%s%n","%n%s":"%s%s%s%s%s%s%s%s%s%s%n"}
	EOF
	run q "SELECT file, line, reason, raw FROM reject"
	assert_output '%n%s%x.csv|6|expected 5 fields, got 1|bad'
}

@test "hostile: source names with SQL, format strings, paths and controls are refused" {
	local name quoted
	# Each name and how the message quotes it (cut after 60 bytes).
	while IFS='|' read -r name quoted; do
		name=$(printf '%b' "$name")
		run cdp-ingest -s "$name" /dev/null
		assert_equal "$status" 2
		assert_output "cdp-ingest: invalid source name \"$quoted\": letters, digits, '_', '-' and '.', at most 64"
	done <<-EOF
	x'); DROP TABLE source;--|x'); DROP TABLE source;--
	%n%s%x|%n%s%x
	a/b|a/b
	..|..
	../../etc/passwd|../../etc/passwd
	.hidden|.hidden
	-rf|-rf
	a\\tb|a\\x09b
	a\\033[2Jb|a\\x1b[2Jb
	$(printf 'x%.0s' $(seq 1 65))|$(printf 'x%.0s' $(seq 1 60))...
	EOF
	# Non-ASCII, the right-to-left override included, is refused too.
	run cdp-ingest -s "$(printf 'ab\xe2\x80\xaecd')" /dev/null
	assert_equal "$status" 2
	run cdp-ingest -s "$(printf 'a\nb')" /dev/null
	assert_equal "$status" 2
	assert_output "cdp-ingest: invalid source name \"a\\x0ab\": letters, digits, '_', '-' and '.', at most 64"
	[ ! -e "$CDP_DB" ]
	# 64 characters of the allowed set are fine.
	run cdp-ingest -q -s "$(printf 'a%.0s' $(seq 1 62)).-" /dev/null
	assert_equal "$status" 3
	run q "SELECT length(name) FROM source"
	assert_output 64
}

@test "hostile: SQL and format strings in a map file are field names and values" {
	printf 'id,email,x\n1,a@x.fr,y\n' >in.csv
	printf '{"%%n%%s":"7","email":"a@x.fr"}\n' >in.ndjson
	run --separate-stderr cdp-ingest -s m -M "$HOST/sqli.map" in.csv
	assert_equal "$status" 1
	output=$stderr expect <<-'EOF'
	cdp-ingest: in.csv:1: no field "x'); DROP TABLE record;--" in the header
	cdp-ingest: in.csv: no id field "%n%s" in the header
	cdp-ingest: m: 0 read, 0 inserted, 0 updated, 0 unchanged, 0 rejected, 1 invalid values
	EOF
	run cdp-ingest -q -s m2 -M "$HOST/sqli.map" \
	    -m "last_name:=Robert'); DROP TABLE record;--" in.ndjson
	assert_equal "$status" 0
	run q "SELECT record_id, email, city, street, last_name FROM record"
	assert_output "7||'); DROP TABLE source;--|%n%s%x|Robert'); DROP TABLE record;--"
	run q "SELECT mapping FROM source WHERE name = 'm2'"
	expect <<-'EOF'
	@id %n%s
	email=x'); DROP TABLE record;--
	city:='); DROP TABLE source;--
	street:=%n%s%x
	last_name:=Robert'); DROP TABLE record;--
	EOF
	run q "SELECT count(*) FROM sqlite_master WHERE name IN ('record', 'source')"
	assert_output 2
}

@test "hostile: 1 MB field values and a 1 MB key are stored whole" {
	mb=$(head -c 1048576 /dev/zero | tr '\0' x)
	{
		echo 'id,email,city,notes'
		printf '1,%s@x.fr,%s,%s\n' "$mb" \
		    "$(head -c 524288 /dev/zero | tr '\0' a | sed 's/a/é/g')" "$mb"
		echo '2,ok@x.fr,Paris,n'
	} >big.csv
	printf '{"id":"k","%s":1,"email":"a@x.fr"}\n' "$mb" >bigkey.ndjson
	run --separate-stderr cdp-ingest -s big -i id big.csv
	assert_equal "$status" 0
	assert_equal "${stderr_lines[0]}" "cdp-ingest: big.csv:2: invalid email in email"
	run q "SELECT record_id, email, length(city), substr(city, 1, 2),
	    length(json_extract(raw, '$.notes')), length(raw) FROM record
	    ORDER BY 1"
	expect <<-'EOF'
	1||524288|éé|1048576|2621487
	2|ok@x.fr|5|Pa|1|55
	EOF
	run cdp-ingest -q -s bk -i id bigkey.ndjson
	assert_equal "$status" 0
	run q "SELECT email, length(raw) FROM record WHERE record_id = 'k'"
	assert_output "a@x.fr|1048608"
}

@test "hostile: 100,000 columns, 100,000 identical names and 100,000 keys" {
	awk 'BEGIN { n = 100000
	    for (i = 1; i <= n; i++) printf "%sc%d", (i > 1 ? "," : ""), i
	    print ""
	    for (i = 1; i <= n; i++) printf "%s%d", (i > 1 ? "," : ""), i % 10
	    print "" }' >wide.csv
	awk 'BEGIN { n = 100000
	    for (i = 1; i <= n; i++) printf "%sc", (i > 1 ? "," : "")
	    print ""
	    for (i = 1; i <= n; i++) printf "%s%d", (i > 1 ? "," : ""), i % 10
	    print "" }' >same.csv
	awk 'BEGIN { n = 100000; printf "{\"id\":\"w\""
	    for (i = 1; i <= n; i++) printf ",\"k%d\":%d", i, i
	    print "}" }' >wide.ndjson
	# Quadratic work on the header would take minutes here.
	run timeout 60 cdp-ingest -q -s wide wide.csv
	assert_equal "$status" 0
	run timeout 60 cdp-ingest -q -s same same.csv
	assert_equal "$status" 0
	run timeout 60 cdp-ingest -q -s nd -i id wide.ndjson
	assert_equal "$status" 0
	run q "SELECT s.name, (SELECT count(*) FROM json_each(r.raw)),
	    json_extract(r.raw, '$.c1'), json_extract(r.raw, '$.c_2'),
	    json_extract(r.raw, '$.c_100000'), json_extract(r.raw, '$.c99999'),
	    json_extract(r.raw, '$.k100000')
	    FROM record r JOIN source s ON s.id = r.source_id ORDER BY 1"
	expect <<-'EOF'
	nd|100001|||||100000
	same|100000||2|0||
	wide|100000|1|||9|
	EOF
}

@test "hostile: duplicate keys: the last one counts, the record is kept as given" {
	run cdp-ingest -q -s d -i id "$HOST/dupkeys.ndjson"
	assert_equal "$status" 0
	run cdp-ingest -q -s c -i id "$HOST/dupkeys.csv"
	assert_equal "$status" 0
	run q "SELECT record_id, email, first_name, raw FROM record ORDER BY 1"
	expect <<-'EOF'
	c1|a@x.fr|Ann|{"id":"c1","email":"a@x.fr","email_2":"b@x.fr","first_name":"Ann"}
	d1|last@x.fr||{"id":"d1","email":"first@x.fr","email":"last@x.fr"}
	d2||B|{"id":"ignored","id":"d2","first_name":"A","first_name":"B","customer":{"email":"n1@x.fr"},"customer":{"email":"n2@x.fr"}}
	EOF
	run q "SELECT value FROM ident WHERE kind = 'email' ORDER BY 1"
	expect <<-'EOF'
	a@x.fr
	last@x.fr
	EOF
}

@test "hostile: 1e999, -0, huge integers and a 401-digit amount" {
	run --separate-stderr cdp-ingest -s n -i id "$HOST/numbers.ndjson"
	assert_equal "$status" 0
	output=$stderr expect <<-EOF
	cdp-ingest: $HOST/numbers.ndjson:1: invalid amount in amount
	cdp-ingest: $HOST/numbers.ndjson:1: invalid timestamp in ts
	cdp-ingest: $HOST/numbers.ndjson:6: invalid amount in amount
	cdp-ingest: n: 6 read, 6 inserted, 0 updated, 0 unchanged, 0 rejected, 3 invalid values
	EOF
	# Numbers are kept as written in the record; amounts are doubles.
	run q "SELECT record_id, quote(amount), quote(ts),
	    CASE WHEN length(raw) < 100 THEN raw ELSE length(raw) END
	    FROM record ORDER BY 1"
	expect <<-'EOF'
	n1|NULL|NULL|{"id":"n1","amount":1e999,"ts":1e999,"x":-0}
	n2|0.0|NULL|{"id":"n2","amount":-0,"y":-0.0e-0}
	n3|0.0|NULL|{"id":"n3","amount":"-0,00"}
	n4|1.23456789012345677879e+29|NULL|{"id":"n4","amount":123456789012345678901234567890}
	n5|NULL|NULL|{"id":"n5","big":1E400,"small":-1e-400,"int":-9223372036854775809}
	n6|NULL|NULL|424
	EOF
}

@test "hostile: UTF-16 surrogate halves, escaped or raw, are rejected" {
	run --separate-stderr cdp-ingest -s s -i id "$HOST/surrogates.ndjson"
	assert_equal "$status" 3
	output=$stderr expect <<-EOF
	cdp-ingest: $HOST/surrogates.ndjson:1: invalid JSON at column 26: unpaired UTF-16 surrogate escape
	cdp-ingest: $HOST/surrogates.ndjson:2: invalid JSON at column 26: unpaired UTF-16 surrogate escape
	cdp-ingest: $HOST/surrogates.ndjson:3: invalid JSON at column 26: unpaired UTF-16 surrogate escape
	cdp-ingest: $HOST/surrogates.ndjson:5: invalid UTF-8 at column 26
	cdp-ingest: s: 6 read, 2 inserted, 0 updated, 0 unchanged, 4 rejected
	EOF
	run --separate-stderr cdp-ingest -s c -i id "$HOST/surrogates.csv"
	assert_equal "$status" 3
	assert_equal "${stderr_lines[0]}" "cdp-ingest: $HOST/surrogates.csv:2: invalid UTF-8 in field 2"
	# A valid pair is one character.
	run q "SELECT record_id, hex(first_name) FROM record ORDER BY 1"
	expect <<-'EOF'
	s2|6F6B
	s4|F09F9880
	s6|6F6B
	EOF
}

@test "hostile: overlong and out-of-range UTF-8 is rejected, in CSV and NDJSON" {
	run --separate-stderr cdp-ingest -s c -i id "$HOST/overlong.csv"
	assert_equal "$status" 3
	output=$stderr expect <<-EOF
	cdp-ingest: $HOST/overlong.csv:2: invalid UTF-8 in field 2
	cdp-ingest: $HOST/overlong.csv:3: invalid UTF-8 in field 2
	cdp-ingest: $HOST/overlong.csv:4: invalid UTF-8 in field 2
	cdp-ingest: $HOST/overlong.csv:5: invalid UTF-8 in field 2
	cdp-ingest: $HOST/overlong.csv:6: invalid UTF-8 in field 2
	cdp-ingest: c: 6 read, 1 inserted, 0 updated, 0 unchanged, 5 rejected
	EOF
	run --separate-stderr cdp-ingest -s n -i id "$HOST/overlong.ndjson"
	assert_equal "$status" 3
	output=$stderr expect <<-EOF
	cdp-ingest: $HOST/overlong.ndjson:1: invalid UTF-8 at column 26
	cdp-ingest: $HOST/overlong.ndjson:2: invalid UTF-8 at column 26
	cdp-ingest: $HOST/overlong.ndjson:3: invalid UTF-8 at column 13
	cdp-ingest: $HOST/overlong.ndjson:4: invalid UTF-8 at column 26
	cdp-ingest: n: 5 read, 1 inserted, 0 updated, 0 unchanged, 4 rejected
	EOF
	run q "SELECT record_id FROM record ORDER BY 1"
	expect <<-'EOF'
	o5
	o6
	EOF
	# The rejected bytes are kept in the reject table as they came.
	run q "SELECT hex(raw) FROM reject WHERE line = 2 ORDER BY file"
	expect <<-'EOF'
	6F312CC0AF
	7B226964223A226F32222C2266697273745F6E616D65223A22E080AF227D
	EOF
}

@test "hostile: control characters and NUL in ids are rejected, in values dropped" {
	run --separate-stderr cdp-ingest -s n -i id "$HOST/nul.ndjson"
	assert_equal "$status" 3
	output=$stderr expect <<-EOF
	cdp-ingest: $HOST/nul.ndjson:1: control character in record id in id
	cdp-ingest: $HOST/nul.ndjson:2: control character in record id in id
	cdp-ingest: $HOST/nul.ndjson:3: invalid identifier in customer_id
	cdp-ingest: $HOST/nul.ndjson:4: invalid email in email
	cdp-ingest: n: 4 read, 2 inserted, 0 updated, 0 unchanged, 2 rejected, 2 invalid values
	EOF
	run --separate-stderr cdp-ingest -s c -i id "$HOST/control.csv"
	assert_equal "$status" 3
	assert_equal "${stderr_lines[0]}" "cdp-ingest: $HOST/control.csv:2: control character in record id in id"
	run q "SELECT record_id, quote(customer_id), first_name, city, raw FROM record
	    ORDER BY 1"
	expect <<-'EOF'
	n1|NULL|Jean Luc|Pa ris|{"id":"n1","customer_id":"k\u0000z","first_name":"Jean\u0000Luc","city":"Pa\u0000ris","notes":"\u0000"}
	n2|NULL|||{"id":"n2","email":"a\u0000@x.fr"}
	n3|NULL|a b||{"id":"n3","first_name":"a\u001Bb"}
	EOF
}

@test "hostile: right-to-left overrides and invisible characters in names" {
	run --separate-stderr cdp-ingest -s r -i id "$HOST/rtl.ndjson"
	assert_equal "$status" 0
	# The value is not shown (personal data): the override cannot
	# reorder the line.
	assert_equal "${stderr_lines[0]}" 'cdp-ingest: '"$HOST"'/rtl.ndjson:1: invalid email in email'
	assert_equal "$(printf '%s' "$stderr" | grep -c "$(printf '\xe2\x80\xae')")" 0
	run cdp-ingest -q -s c -i id "$HOST/rtl.csv"
	assert_equal "$status" 0
	# Names lose the format characters (display and key alike); an
	# identifier is opaque and kept; an email with one is invalid.
	run q "SELECT s.name, r.record_id, hex(r.first_name), r.first_name_key,
	    hex(r.last_name), r.last_name_key, hex(r.city),
	    hex(r.customer_id), quote(r.email)
	    FROM record r JOIN source s ON s.id = r.source_id ORDER BY 1, 2"
	expect <<-'EOF'
	c|r1|616E616874614E|anahtan|4475706F6E74|dupont|||NULL
	r|r1|616E616874614E|anahtan|4475706F6E74|dupont||43E280AE31|NULL
	r|r2|616E616874614E|anahtan|||5061726973||NULL
	EOF
}
