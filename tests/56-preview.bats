#!/usr/bin/env bats
# cdp-segment preview EXPRESSION: the count and a sample of the profiles a
# condition holds now, before it is defined; nothing is stored.

load test_helper
bats_require_minimum_version 1.5.0

# Twelve profiles: p1..p12, the even ones in Paris; p1..p3 each with a
# purchase (10, 120.5 and 300 in May 2024).
setup() {
	common_setup
	{
		echo 'id,email,first_name,city,event_type,amount,ts'
		for i in $(seq 1 12); do
			city=Lyon
			[ $((i % 2)) -eq 0 ] && city=Paris
			case $i in
			1) ev=purchase,10,2024-05-01 ;;
			2) ev=purchase,120.5,2024-05-02 ;;
			3) ev=purchase,300,2024-05-03 ;;
			*) ev=,, ;;
			esac
			echo "c$i,p$i@example.fr,Prénom$i,$city,$ev"
		done
	} >crm.csv
	cdp-ingest -q -s crm -i id crm.csv
	cdp-match -q | cdp-merge -q
}

@test "cdp-segment preview: the count, the share and the first members, as CSV" {
	before=$(q "SELECT count(*) FROM run; SELECT count(*) FROM segment")
	run --separate-stderr cdp-segment preview "city = 'Paris'"
	assert_equal "$status" 0
	assert_equal "$stderr" ""
	expect <<-'EOF'
	6 of 12 profiles (50.0%)

	profile_id,email,first_name,last_name,city
	2,p2@example.fr,Prénom2,,Paris
	4,p4@example.fr,Prénom4,,Paris
	6,p6@example.fr,Prénom6,,Paris
	8,p8@example.fr,Prénom8,,Paris
	10,p10@example.fr,Prénom10,,Paris
	12,p12@example.fr,Prénom12,,Paris
	EOF
	# Nothing stored: no run, no segment.
	assert_equal "$(q "SELECT count(*) FROM run; SELECT count(*) FROM segment")" "$before"
}

@test "cdp-segment preview: at most ten members shown; NDJSON; aggregates and --as-of" {
	run --separate-stderr cdp-segment preview "email is not null"
	assert_equal "$status" 0
	assert_equal "${lines[0]}" "12 of 12 profiles (100.0%)"
	assert_equal "${#lines[@]}" 12	# the count, the header, ten rows
	run --separate-stderr cdp-segment -f ndjson --as-of 2024-06-30 preview 'sum(amount, purchase, 365d) > 100'
	assert_equal "$status" 0
	expect <<-'EOF'
	{"count":2,"profiles":12,"sample":[{"profile_id":2,"email":"p2@example.fr","first_name":"Prénom2","city":"Paris"},{"profile_id":3,"email":"p3@example.fr","first_name":"Prénom3","city":"Lyon"}]}
	EOF
	# A year later the purchases are out of the window.
	run --separate-stderr cdp-segment -f ndjson --as-of 2025-12-31 preview 'sum(amount, purchase, 365d) > 100'
	assert_output '{"count":0,"profiles":12,"sample":[]}'
}

@test "cdp-segment preview: a bad expression says where, a value that is no condition is refused" {
	run --separate-stderr cdp-segment preview "city ="
	assert_equal "$status" 1
	assert_equal "$stderr" "cdp-segment: 1:7: syntax error: unexpected end of expression"
	run --separate-stderr cdp-segment preview "city"
	assert_equal "$status" 1
	assert_equal "$stderr" "cdp-segment: 1:1: a segment is a condition, not text"
	run --separate-stderr cdp-segment preview
	assert_equal "$status" 2
	run --separate-stderr cdp-segment preview "a = 1" extra
	assert_equal "$status" 2
}
