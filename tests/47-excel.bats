#!/usr/bin/env bats
# Excel-friendly CSV from cdp-export: -D, --bom, --crlf, and --excel for
# "Excel in this locale" (';', BOM, CRLF and a decimal comma where the
# locale writes one); numbers without float noise: money to the cent,
# scores to six places, never an exponent.  Byte for byte.  The same
# options, through io/csv_options, on every other CSV writer: cdp-segment
# (list, members, preview), cdp-catalog, cdp-score -o, cdp-merge -o.

load test_helper
bats_require_minimum_version 1.5.0

setup() {
	common_setup
	cdp-ingest -q -s crm -i ID_CLIENT -E WINDOWS-1252 "$FIX/crm-cp1252.csv"
	cdp-match -q | cdp-merge -q
	# A sum with float noise, a tiny score, an integral amount.
	q "INSERT INTO score VALUES
	     ('monetary', 1, 5162.099999999999, 9), ('monetary', 2, 40, 9),
	     ('churn', 1, 2.75e-06, 9), ('churn', 2, 0.5, 9),
	     ('rfm_segment', 1, 'Champions', 9)"
}

fields=profile_id,first_name,last_name,city,score.monetary:Montant,score.churn,score.rfm_segment

@test "cdp-export: plain CSV has no float noise and no exponent" {
	run --separate-stderr cdp-export -q -F "$fields" profiles
	assert_equal "$status" 0
	printf '%s\n' "$output" >got
	cat >want <<'TXT'
profile_id,first_name,last_name,city,Montant,score.churn,score.rfm_segment
1,Théo,NOËL,Besançon,5162.10,0.000003,Champions
2,Zoé,LŒUVRE,Orléans,40.00,0.5,
TXT
	diff -u want got
}

@test "cdp-export --excel in a French locale: BOM, ';', CRLF, decimal comma" {
	LANG=fr_FR.UTF-8 LC_ALL= cdp-export -q --excel -F "$fields" profiles >got.csv
	printf '\357\273\277profile_id;first_name;last_name;city;Montant;score.churn;score.rfm_segment\r\n1;Théo;NOËL;Besançon;5162,10;0,000003;Champions\r\n2;Zoé;LŒUVRE;Orléans;40,00;0,5;\r\n' >want.csv
	cmp want.csv got.csv || { diff -u want.csv got.csv; return 1; }
	# LC_ALL wins over LANG, as setlocale(3) has it.
	LANG=en_US.UTF-8 LC_ALL=fr_FR.UTF-8 cdp-export -q --excel -F "$fields" profiles >got2.csv
	cmp want.csv got2.csv
}

@test "cdp-export --excel in an English locale: BOM, ',', CRLF, decimal point" {
	LANG=en_GB.UTF-8 LC_ALL= cdp-export -q --excel -F "$fields" profiles >got.csv
	printf '\357\273\277profile_id,first_name,last_name,city,Montant,score.churn,score.rfm_segment\r\n1,Théo,NOËL,Besançon,5162.10,0.000003,Champions\r\n2,Zoé,LŒUVRE,Orléans,40.00,0.5,\r\n' >want.csv
	cmp want.csv got.csv || { diff -u want.csv got.csv; return 1; }
	# No locale at all: the same.
	env -u LANG -u LC_ALL -u LC_NUMERIC cdp-export -q --excel -F "$fields" profiles >got.csv
	cmp want.csv got.csv
}

@test "cdp-export -D, --bom and --crlf one by one; a delimiter in a value is quoted" {
	cdp-export -q -D ';' -F profile_id,last_name,score.monetary profiles >semi.csv
	printf 'profile_id;last_name;score.monetary\n1;NOËL;5162.10\n2;LŒUVRE;40.00\n' >want
	cmp want semi.csv
	cdp-export -q -D tab --bom -F profile_id,last_name profiles >tab.csv
	printf '\357\273\277profile_id\tlast_name\n1\tNOËL\n2\tLŒUVRE\n' >want
	cmp want tab.csv
	cdp-export -q --crlf -F profile_id,city profiles >crlf.csv
	printf 'profile_id,city\r\n1,Besançon\r\n2,Orléans\r\n' >want
	cmp want crlf.csv
	q "UPDATE profile SET city = 'Saint-Denis; La Réunion' WHERE id = 2"
	LANG=fr_FR.UTF-8 LC_ALL= cdp-export -q --excel -F profile_id,city profiles >q.csv
	printf '\357\273\277profile_id;city\r\n1;Besançon\r\n2;"Saint-Denis; La Réunion"\r\n' >want
	cmp want q.csv
}

@test "cdp-export --excel: digits Excel would change stay text (postcode 06000, phone +33..., a long card number)" {
	q "UPDATE profile SET postal_code = '06000', phone = '+33612345678',
	     city = '0' WHERE id = 1"
	q "UPDATE profile SET postal_code = '75001', phone = NULL,
	     loyalty_id = '123456789012' WHERE id = 2"
	LANG=fr_FR.UTF-8 LC_ALL= cdp-export -q --excel \
	    -F profile_id,postal_code,phone,loyalty_id,city,score.monetary profiles >got.csv
	printf '\357\273\277profile_id;postal_code;phone;loyalty_id;city;score.monetary\r\n1;"=""06000""";"=""+33612345678""";;0;5162,10\r\n2;75001;;"=""123456789012""";Orléans;40,00\r\n' >want.csv
	cmp want.csv got.csv || { diff -u want.csv got.csv; return 1; }
	# Without --excel, for machines: the values as they are.
	cdp-export -q -F profile_id,postal_code,phone profiles >plain.csv
	printf 'profile_id,postal_code,phone\n1,06000,+33612345678\n2,75001,\n' >want
	cmp want plain.csv
}

@test "cdp-export changes --bom/--excel with nothing new: an empty file, no BOM" {
	q "INSERT INTO segment (id, name, definition, compiled, params,
	     created_at, created_run) VALUES (1, 'vip', 'x', 'x', '{}', 't', 9);
	   INSERT INTO segment_change VALUES (1, 10, 1, 'enter')"
	LANG=fr_FR.UTF-8 LC_ALL= cdp-export -q --excel -o first.csv -F profile_id changes vip --dest m
	printf '\357\273\277change;profile_id\r\nenter;1\r\n' >want.csv
	cmp want.csv first.csv || { diff -u want.csv first.csv; return 1; }
	# Nothing new: zero bytes, the BOM included, with either option.
	LANG=fr_FR.UTF-8 LC_ALL= cdp-export -q --excel -o none.csv -F profile_id changes vip --dest m
	run -0 stat -c %s none.csv
	assert_output 0
	cdp-export -q --bom -F profile_id changes vip --dest m >none2.csv
	run -0 stat -c %s none2.csv
	assert_output 0
	# A verb that always writes its header keeps the BOM before it.
	q "DELETE FROM profile"
	cdp-export -q --bom -F profile_id profiles >hdr.csv
	printf '\357\273\277profile_id\n' >want.csv
	cmp want.csv hdr.csv
}

@test "cdp-export: the Excel options are for CSV only, a bad delimiter is a usage error" {
	run --separate-stderr cdp-export --excel -f ndjson profiles
	assert_equal "$status" 2
	assert_equal "$stderr" "cdp-export: -D, --bom, --crlf and --excel are for CSV"
	run --separate-stderr cdp-export -D x profiles
	assert_equal "$status" 2
	assert_equal "$stderr" "cdp-export: delimiter must be one of , ; | tab"
}

@test "cdp-export events: amounts to the cent in CSV and NDJSON" {
	printf 'id,email,event_type,amount,ts\nE1,theo.noel@example.fr,purchase,19.9,2024-01-02\nE2,theo.noel@example.fr,purchase,0.30000000000000004,2024-01-03\nE3,theo.noel@example.fr,purchase,25,2024-01-04\n' >ev.csv
	cdp-ingest -q -s shop -i id ev.csv
	run --separate-stderr cdp-export -q -f csv events
	assert_equal "$status" 0
	printf '%s\n' "$output" | cut -d, -f3,6 >got
	printf 'record_id,amount\nE1,19.90\nE2,0.30\nE3,25.00\n' >want
	diff -u want got
	run --separate-stderr cdp-export -q events
	printf '%s\n' "$output" | jq -c '.amount' >got
	printf '19.9\n0.3\n25\n' >want
	diff -u want got
}

@test "cdp-segment members, list and preview take the Excel options" {
	cdp-segment -q define all 'true'
	cdp-segment -q eval
	LANG=fr_FR.UTF-8 LC_ALL= cdp-segment --excel members all >m.csv
	printf '\357\273\277profile;since_run\r\n1;5\r\n2;5\r\n' >want
	cmp want m.csv || { diff -u want m.csv; return 1; }
	cdp-segment -D tab --crlf members all >m.tsv
	printf 'profile\tsince_run\r\n1\t5\r\n2\t5\r\n' >want
	cmp want m.tsv
	run --separate-stderr cdp-segment --bom list
	assert_equal "$status" 0
	assert_equal "${lines[0]}" $'\357\273\277name,size,evaluated_run,evaluated_at,as_of,definition'
	assert_equal "${#lines[@]}" 2
	# preview: the count goes to stderr, so that stdout is the file.
	LANG=fr_FR.UTF-8 LC_ALL= cdp-segment --excel preview 'true' >p.csv 2>p.err
	printf '\357\273\277profile_id;email;first_name;last_name;city\r\n1;theo.noel@example.fr;Théo;NOËL;Besançon\r\n2;zoe.loeuvre@example.fr;Zoé;LŒUVRE;Orléans\r\n' >want
	cmp want p.csv || { diff -u want p.csv; return 1; }
	printf 'cdp-segment: 2 of 2 profiles (100.0%%)\n' >want
	diff -u want p.err
	# For CSV only, and not for the verbs that write none.
	run --separate-stderr cdp-segment -f ndjson --excel members all
	assert_equal "$status" 2
	assert_equal "$stderr" "cdp-segment: -D, --bom, --crlf and --excel are for CSV (list, members, preview)"
	run --separate-stderr cdp-segment --crlf eval
	assert_equal "$status" 2
	run --separate-stderr cdp-segment -D x members all
	assert_equal "$status" 2
	assert_equal "$stderr" "cdp-segment: delimiter must be one of , ; | tab"
}

@test "cdp-catalog: the data map as CSV for Excel, decimal comma in French" {
	LANG=fr_FR.UTF-8 LC_ALL= cdp-catalog --excel -s crm >c.csv
	# Columns source to validity (the times after them change per run).
	cut -d';' -f1-12 c.csv >got
	printf '\357\273\277source;field;kind;type;types;records;present;fill;distinct;given;valid;validity\n' >want
	printf 'crm;%s\n' \
	    'city;canonical;string;"{""string"":2}";2;2;1,0000;2;2;2;1,0000' \
	    'customer_id;canonical;integer;"{""integer"":2}";2;2;1,0000;2;2;2;1,0000' \
	    'email;canonical;email;"{""email"":2}";2;2;1,0000;2;2;2;1,0000' \
	    'first_name;canonical;string;"{""string"":2}";2;2;1,0000;2;2;2;1,0000' >>want
	head -5 got >got5
	cmp want got5 || { diff -u want got5; return 1; }
	# Every row ends with CR LF; without options, plain CSV.
	run grep -c $'\r$' c.csv
	assert_output "$(wc -l <c.csv)"
	cdp-catalog -f csv -s crm city >plain.csv
	run cut -d, -f1-8 plain.csv
	expect <<-'EOF'
	source,field,kind,type,types,records,present,fill
	crm,city,canonical,string,"{""string"":2}",2,2,1.0000
	EOF
	LANG=en_US.UTF-8 LC_ALL= cdp-catalog sources --excel >s.csv
	run head -c 63 s.csv
	assert_output $'\357\273\277source,format,records,fields,untracked,runs,files,last_file,'
	run --separate-stderr cdp-catalog -f table --excel
	assert_equal "$status" 2
	assert_equal "$stderr" "cdp-catalog: -D, --bom, --crlf and --excel are for CSV"
}

@test "cdp-score -o and cdp-merge -o take the Excel options" {
	printf 'id,email,event_type,amount,ts\nE1,a@example.fr,purchase,19.9,2024-01-02\nE2,b@example.fr,purchase,0.30000000000000004,2024-01-03\nE3,b@example.fr,purchase,5.25,2024-01-04\n' >ev.csv
	cdp-ingest -q -s shop -i id ev.csv
	cdp-match -q | cdp-merge -q
	LANG=fr_FR.UTF-8 LC_ALL= cdp-score -q -o --excel --as-of 2024-02-01 \
	    orders monetary aov >s.csv
	printf '\357\273\277profile;orders;monetary;aov\r\n1;0;0;\r\n2;0;0;\r\n3;1;19,9;19,9\r\n4;1;0,3;0,3\r\n5;1;5,25;5,25\r\n' >want
	cmp want s.csv || { diff -u want s.csv; return 1; }
	run --separate-stderr cdp-score -q --excel
	assert_equal "$status" 2
	assert_equal "$stderr" "cdp-score: -D, --bom, --crlf and --excel are for -o in CSV"
	LANG=fr_FR.UTF-8 LC_ALL= cdp-merge -q -o clusters.csv --excel "$FIX/merge-pairs.ndjson"
	printf '\357\273\277cluster_id;source;record_id\r\n1;crm;C1\r\n1;shop;S1\r\n1;shop;S3\r\n4;shop;S2\r\n4;crm;C2\r\n6;crm;C4\r\n' >want
	cmp want clusters.csv || { diff -u want clusters.csv; return 1; }
	cdp-merge -q -o c2.csv -D '|' "$FIX/merge-pairs.ndjson"
	run head -2 c2.csv
	expect <<-'EOF'
	cluster_id|source|record_id
	1|crm|C1
	EOF
	run --separate-stderr cdp-merge -q --bom "$FIX/merge-pairs.ndjson"
	assert_equal "$status" 2
	assert_equal "$stderr" "cdp-merge: -D, --bom, --crlf and --excel are for -o"
}
