#!/usr/bin/env bats
# Input encodings: cdp-ingest -E converts a file from any encoding iconv
# knows to UTF-8 as it reads it; without -E a file that is not UTF-8 is
# rejected with its line and a hint to use -E.  The fixture is a French
# CRM export as Excel writes it: Windows-1252, ';' separated.

load test_helper
bats_require_minimum_version 1.5.0

@test "cdp-ingest -E WINDOWS-1252: the French CRM export stored byte for byte in UTF-8" {
	run --separate-stderr cdp-ingest -s crm -i ID_CLIENT -E WINDOWS-1252 "$FIX/crm-cp1252.csv"
	assert_equal "$status" 0
	assert_equal "$stderr" "cdp-ingest: crm: 2 read, 2 inserted, 0 updated, 0 unchanged, 0 rejected"
	q "SELECT record_id, first_name, last_name, city, email, raw FROM record ORDER BY record_id" >got
	cat >want <<'TXT'
1|Théo|NOËL|Besançon|theo.noel@example.fr|{"ID_CLIENT":"1","PRÉNOM":"Théo","NOM":"NOËL","EMAIL":"theo.noel@example.fr","VILLE":"Besançon","COMMENTAIRE":"fidèle"}
2|Zoé|LŒUVRE|Orléans|zoe.loeuvre@example.fr|{"ID_CLIENT":"2","PRÉNOM":"Zoé","NOM":"LŒUVRE","EMAIL":"zoe.loeuvre@example.fr","VILLE":"Orléans","COMMENTAIRE":"panier 25 €"}
TXT
	diff -u want got
	# The same from a pipe, and named in lower case.
	rm -f "$CDP_DB"
	run --separate-stderr cdp-ingest -s crm -i ID_CLIENT -E windows-1252 - <"$FIX/crm-cp1252.csv"
	assert_equal "$status" 0
	q "SELECT record_id, first_name, last_name, city, email, raw FROM record ORDER BY record_id" >got
	diff -u want got
}

@test "cdp-ingest: a Windows-1252 file without -E: the line, the reason, a hint" {
	run --separate-stderr cdp-ingest -s crm -i ID_CLIENT "$FIX/crm-cp1252.csv"
	assert_equal "$status" 3
	cat >want <<TXT
cdp-ingest: $FIX/crm-cp1252.csv:1: bad header: invalid UTF-8 in field 2 (not UTF-8? name the file's encoding with -E, e.g. -E WINDOWS-1252 for Excel in Western Europe)
cdp-ingest: crm: 1 read, 0 inserted, 0 updated, 0 unchanged, 1 rejected
TXT
	printf '%s\n' "$stderr" >got
	diff -u want got
	run q "SELECT count(*) FROM record"
	assert_output 0
	# An ASCII header, Latin-1 records: each rejected with its line (bad
	# bytes in records alone may be damage: no hint).
	printf 'id,first_name\n1,Th\351o\n2,Zo\351\n3,Anne\n' >latin1.csv
	run --separate-stderr cdp-ingest -s s -i id latin1.csv
	assert_equal "$status" 3
	cat >want <<TXT
cdp-ingest: latin1.csv:2: invalid UTF-8 in field 2
cdp-ingest: latin1.csv:3: invalid UTF-8 in field 2
cdp-ingest: s: 3 read, 1 inserted, 0 updated, 0 unchanged, 2 rejected
TXT
	printf '%s\n' "$stderr" >got
	diff -u want got
}

@test "cdp-ingest -E ISO-8859-1 and -E UTF-8" {
	printf 'id,first_name\n1,Th\351o\n2,Zo\351\n3,Anne\n' >latin1.csv
	run --separate-stderr cdp-ingest -q -s s -i id -E ISO-8859-1 latin1.csv
	assert_equal "$status" 0
	run q "SELECT group_concat(first_name, ' ') FROM (SELECT first_name FROM record ORDER BY record_id)"
	assert_output "Théo Zoé Anne"
	# UTF-8 named is UTF-8: nothing converted twice.
	printf 'id,first_name\n1,Théo\n' >utf8.csv
	run --separate-stderr cdp-ingest -q -s u -i id -E UTF-8 utf8.csv
	assert_equal "$status" 0
	run q "SELECT first_name FROM record WHERE record_id = '1' AND source_id = (SELECT id FROM source WHERE name = 'u')"
	assert_output "Théo"
}

@test "cdp-ingest -E: a byte the encoding lacks rejects its record only" {
	# 0x81 is undefined in Windows-1252.
	printf 'id;first_name\n1;Th\351o\n2;X\201Y\n3;No\353l\n' >bad.csv
	run --separate-stderr cdp-ingest -s s -i id -E WINDOWS-1252 bad.csv
	assert_equal "$status" 3
	cat >want <<'TXT'
cdp-ingest: bad.csv:3: invalid UTF-8 in field 2
cdp-ingest: s: 3 read, 2 inserted, 0 updated, 0 unchanged, 1 rejected
TXT
	printf '%s\n' "$stderr" >got
	diff -u want got
	run q "SELECT group_concat(first_name, ' ') FROM (SELECT first_name FROM record ORDER BY record_id)"
	assert_output "Théo Noël"
}

@test "cdp-ingest -E: a file larger than the read buffer converts exactly as iconv(1)" {
	awk 'BEGIN { print "id;first_name;city"
	    for (i = 1; i <= 20000; i++)
		printf "%d;Th\351o%d;Besan\347on \200 %d\n", i, i, i }' >big.csv
	[ "$(wc -c <big.csv)" -gt 200000 ]
	run --separate-stderr cdp-ingest -q -s s -i id -E CP1252 big.csv
	assert_equal "$status" 0
	iconv -f CP1252 -t UTF-8 big.csv | tail -n +2 | cut -d';' -f2,3 | tr ';' '|' >want
	q "SELECT first_name, city FROM record ORDER BY CAST(record_id AS INTEGER)" >got
	diff -u want got
}

@test "cdp-ingest -E: an unknown encoding is a usage error" {
	run --separate-stderr cdp-ingest -s s -E NO-SUCH-CHARSET "$FIX/crm-cp1252.csv"
	assert_equal "$status" 2
	assert_equal "$stderr" 'cdp-ingest: unknown encoding "NO-SUCH-CHARSET" (iconv -l lists them)'
	[ ! -e "$CDP_DB" ]
}

@test "cdp-ingest -E: a multibyte encoding split across reads (GB18030, UTF-16)" {
	# One- and two-byte characters mixed, so that some character
	# straddles the end of a 64 KiB read.
	awk 'BEGIN { print "id;first_name;city"
	    for (i = 1; i <= 12000; i++)
		printf "%d;Zoé%d;北京 %d\n", i, i, i }' >utf8.csv
	iconv -f UTF-8 -t GB18030 utf8.csv >gb.csv
	[ "$(wc -c <gb.csv)" -gt 200000 ]
	run --separate-stderr cdp-ingest -q -s gb -i id -E GB18030 gb.csv
	assert_equal "$status" 0
	tail -n +2 utf8.csv | cut -d';' -f2,3 | tr ';' '|' >want
	q "SELECT first_name, city FROM record ORDER BY CAST(record_id AS INTEGER)" >got
	diff -u want got
	# UTF-16 with its byte-order mark.
	iconv -f UTF-8 -t UTF-16 utf8.csv >u16.csv
	run --separate-stderr cdp-ingest -q -s u16 -i id -E UTF-16 u16.csv
	assert_equal "$status" 0
	q "SELECT r.first_name, r.city FROM record r JOIN source s ON s.id = r.source_id WHERE s.name = 'u16' ORDER BY CAST(r.record_id AS INTEGER)" >got
	diff -u want got
}
