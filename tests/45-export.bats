#!/usr/bin/env bats
# cdp-export members and profiles: exact CSV and NDJSON, RFC 4180
# quoting, the output file, exit codes.

load test_helper
bats_require_minimum_version 1.5.0

setup() {
	common_setup
	cdp-ingest -q -s crm -i id -c FR "$FIX/merge-crm.csv"
	cdp-ingest -q -s shop -i id -c FR "$FIX/merge-shop.csv"
	cdp-merge -q "$FIX/merge-pairs.ndjson"
}

# many_events: 20,000 purchases stored, about 2 MB as NDJSON events.
many_events() {
	awk 'BEGIN { print "id,email,event_type,ts,amount"
	    for (i = 1; i <= 20000; i++)
	    printf "e%d,p%d@mail.test,purchase,2026-01-01T00:00:00Z,%d.5\n", i, i, i }' >ev.csv
	cdp-ingest -q -s ev -i id ev.csv
}

@test "cdp-export members: one line per record, by profile, source, id" {
	run --separate-stderr cdp-export members
	assert_equal "$status" 0
	expect <<-'EOF'
	profile_id,source,record_id
	1,crm,C1
	1,shop,S1
	1,shop,S3
	2,crm,C2
	2,shop,S2
	3,crm,C3
	4,crm,C4
	EOF
	assert_equal "$stderr" "cdp-export: members: 7 rows"
	run -0 cdp-export -q -f ndjson members
	assert_line --index 0 '{"profile_id":1,"source":"crm","record_id":"C1"}'
	assert_line --index 6 '{"profile_id":4,"source":"crm","record_id":"C4"}'
	assert_equal "${#lines[@]}" 7
}

@test "cdp-export members: a merge and a split show at once" {
	cdp-merge -q split shop:S1
	run -0 cdp-export -q members
	expect <<-'EOF'
	profile_id,source,record_id
	1,crm,C1
	1,shop,S3
	2,crm,C2
	2,shop,S2
	3,crm,C3
	4,crm,C4
	5,shop,S1
	EOF
}

@test "cdp-export profiles: the golden records as CSV" {
	run -0 cdp-export -q profiles
	expect <<-'EOF'
	profile_id,nrecords,first_seen,last_seen,email,phone,customer_id,loyalty_id,anonymous_id,first_name,last_name,full_name,birth_date,gender,org_name,street,postal_code,city,country
	1,3,2023-01-10T00:00:00Z,2024-07-01T10:00:00Z,jean.dupont@example.fr,+33612345678,,,,Jean,Dupont,,1985-03-15,,,3 avenue Foch,69006,Lyon,
	2,2,2023-02-01T00:00:00Z,2024-06-01T10:00:00Z,marie.curie@example.fr,+33698765432,,,,Marie,Curie,,1967-11-07,,,1 place Jussieu,75005,Paris,
	3,1,2023-03-01T00:00:00Z,2023-03-01T00:00:00Z,paul.martin@example.fr,+33611111111,,,,Paul,Martin,,1990-01-01,,,5 rue Neuve,69001,Lyon,
	4,1,2023-04-01T00:00:00Z,2023-04-01T00:00:00Z,jeanne.dupont@example.fr,+33622222222,,,,Jeanne,Dupont,,1962-07-01,,,12 rue de la Paix,75002,Paris,
	EOF
}

@test "cdp-export profiles: NDJSON leaves null values out" {
	run -0 cdp-export -q -f ndjson profiles
	expect <<-'EOF'
	{"profile_id":1,"nrecords":3,"first_seen":"2023-01-10T00:00:00Z","last_seen":"2024-07-01T10:00:00Z","email":"jean.dupont@example.fr","phone":"+33612345678","first_name":"Jean","last_name":"Dupont","birth_date":"1985-03-15","street":"3 avenue Foch","postal_code":"69006","city":"Lyon"}
	{"profile_id":2,"nrecords":2,"first_seen":"2023-02-01T00:00:00Z","last_seen":"2024-06-01T10:00:00Z","email":"marie.curie@example.fr","phone":"+33698765432","first_name":"Marie","last_name":"Curie","birth_date":"1967-11-07","street":"1 place Jussieu","postal_code":"75005","city":"Paris"}
	{"profile_id":3,"nrecords":1,"first_seen":"2023-03-01T00:00:00Z","last_seen":"2023-03-01T00:00:00Z","email":"paul.martin@example.fr","phone":"+33611111111","first_name":"Paul","last_name":"Martin","birth_date":"1990-01-01","street":"5 rue Neuve","postal_code":"69001","city":"Lyon"}
	{"profile_id":4,"nrecords":1,"first_seen":"2023-04-01T00:00:00Z","last_seen":"2023-04-01T00:00:00Z","email":"jeanne.dupont@example.fr","phone":"+33622222222","first_name":"Jeanne","last_name":"Dupont","birth_date":"1962-07-01","street":"12 rue de la Paix","postal_code":"75002","city":"Paris"}
	EOF
}

@test "cdp-export: fields with commas and quotes are quoted" {
	# (cdp-ingest keeps line breaks out of ids and values; csvw's
	# quoting of them is in tests/unit/t-pairs.c.)
	printf '{"id":"w,1","first_name":"Ann \\"Jo\\"","city":"Paris","ts":"2024-01-01T00:00:00Z"}\n{"id":"w\\"2","email":"w2@example.fr"}\n' >w.ndjson
	cdp-ingest -q -s web -i id w.ndjson
	cdp-merge -P -q </dev/null
	run -0 cdp-export -q members
	# The ids sort 'w"2' before "w,1": rowids, then profiles, follow.
	assert_equal "${lines[8]}" '5,web,"w""2"'
	assert_equal "${lines[9]}" '6,web,"w,1"'
	run -0 cdp-export -q profiles
	assert_equal "${lines[6]}" '6,1,2024-01-01T00:00:00Z,2024-01-01T00:00:00Z,,,,,,"Ann ""Jo""",,,,,,,,Paris,'
}

@test "cdp-export -o: a private file, written whole" {
	run --separate-stderr cdp-export -o members.csv members
	assert_equal "$status" 0
	assert_output ""
	assert_equal "$stderr" "cdp-export: members: 7 rows"
	run stat -c %a members.csv
	assert_output 600
	run head -n 2 members.csv
	expect <<-'EOF'
	profile_id,source,record_id
	1,crm,C1
	EOF
	run ls
	refute_output --partial ".tmp"
	# A failed export leaves nothing behind.
	run cdp-export -o nodir/x.csv members
	assert_equal "$status" 1
	[ ! -e nodir ]
}

@test "cdp-export -o: the temporaries of killed exports go at the next export, whatever their name; no other file" {
	# What exports killed before their rename leave, one night a name
	# (NAME.cdp-tmpPID, and NAME.tmpPID from before): their process gone.
	sh -c 'exit 0' &
	dead=$!
	wait "$dead"
	mkdir out
	(
		umask 077
		cd out
		: >"night1.csv.cdp-tmp$dead"
		: >"night0.csv.tmp$dead"
		echo data >"x.csv.tmp$dead"
		# Not ours, or not stale: kept.
		: >"live.csv.cdp-tmp$$"
		echo data >"notes.csv.tmp$dead"
		: >"wide.csv.cdp-tmp$dead"
		chmod 644 "wide.csv.cdp-tmp$dead"
		ln -s ../x "link.csv.cdp-tmp$dead"
		: >notes.tmp
		: >"two.csv.cdp-tmp$dead"
		ln "two.csv.cdp-tmp$dead" "second-link-$dead"
	)
	run -0 cdp-export -q -o out/x.csv members
	run -0 ls out
	expect <<-EOF
	link.csv.cdp-tmp$dead
	live.csv.cdp-tmp$$
	notes.csv.tmp$dead
	notes.tmp
	second-link-$dead
	two.csv.cdp-tmp$dead
	wide.csv.cdp-tmp$dead
	x.csv
	EOF
}

@test "cdp-export -o, cdp-merge -o: a failed write leaves no temporary" {
	# A file size limit of 1 MiB: a 2 MB export fails halfway (EFBIG).
	many_events
	run bash -c 'trap "" XFSZ; ulimit -f 1024; exec cdp-export -o big.nd events'
	assert_equal "$status" 1
	assert_output "cdp-export: big.nd: File too large"
	run -0 q "SELECT outcome, message FROM run WHERE tool = 'cdp-export'"
	assert_output "failed|big.nd: File too large"
	# cdp-merge -o dies on it (650 KB of clusters, 64 KiB allowed): the
	# temporary goes at exit all the same.
	awk 'BEGIN { for (i = 1; i <= 20000; i++)
	    printf "{\"a\":{\"source\":\"crm\",\"record_id\":\"c%d\"},\"b\":{\"source\":\"web\",\"record_id\":\"w%d\"},\"prob\":1,\"rule\":\"ident:email\"}\n", i, i
	    print "{\"trailer\":\"cdp-match\",\"run\":null,\"pairs\":20000,\"threshold\":0.5,\"threshold_from\":\"config\",\"watermark\":null,\"watermark_run\":null,\"status\":\"ok\"}" }' >p.nd
	run bash -c 'trap "" XFSZ; ulimit -f 64; exec cdp-merge -q -o cl.csv p.nd'
	assert_equal "$status" 1
	assert_output "cdp-merge: cl.csv: File too large"
	run -0 ls
	refute_output --partial big.nd
	refute_output --partial cl.csv
}

@test "cdp-export -o: a device or a FIFO is written in place, never replaced" {
	run --separate-stderr cdp-export -o /dev/null profiles
	assert_equal "$status" 0
	assert_equal "$stderr" "cdp-export: profiles: 4 rows"
	[ -c /dev/null ]
	run -0 stat -c %a /dev/null
	assert_output 666
	run -0 ls /dev
	refute_output --partial "null.tmp"
	# /dev/stdout, a link to a pipe here: written through, in place.
	run -0 cdp-export -q -o /dev/stdout members
	assert_line --index 1 "1,crm,C1"
	[ -L /dev/stdout ]
	mkfifo fifo
	cat fifo >got.csv &
	run -0 cdp-export -q -o fifo members
	wait $!
	[ -p fifo ]
	run -0 cat got.csv
	assert_line --index 0 "profile_id,source,record_id"
	assert_equal "${#lines[@]}" 8
}

@test "cdp-export -o: a symlink is written through and kept; a dangling one or a directory refused" {
	mkdir d
	printf 'old\n' >d/real.csv
	ln -s d/real.csv link.csv
	run -0 cdp-export -q -o link.csv members
	[ -L link.csv ]
	run -0 readlink link.csv
	assert_output d/real.csv
	run -0 head -n 1 d/real.csv
	assert_output "profile_id,source,record_id"
	run -0 ls d
	assert_output real.csv
	ln -s nowhere.csv dangling.csv
	run --separate-stderr cdp-export -q -o dangling.csv members
	assert_equal "$status" 1
	assert_equal "$stderr" "cdp-export: dangling.csv: a symbolic link to nothing"
	[ -L dangling.csv ] && [ ! -e nowhere.csv ]
	run --separate-stderr cdp-export -q -o d members
	assert_equal "$status" 1
	assert_equal "$stderr" "cdp-export: d: is a directory"
	run -0 q "SELECT count(*) FROM export_log"
	assert_output 1
}

@test "cdp-export: CSV cells that would run as formulas are neutralised, numbers kept" {
	printf '%s\n' \
	    '{"id":"=1+1","first_name":"=HYPERLINK(\"http://x\",\"y\")","last_name":"+cmd|'"'"' /C calc'"'"'!A0","city":"@SUM(1+1)","email":"=cmd@example.com","phone":"+33612345678","note":"-12.5","note2":"-2+3","event_type":"purchase","amount":-12.5,"ts":"2024-01-01T00:00:00Z"}' \
	    '{"id":"b","last_name":"-Dash","city":"Lyon"}' >h.ndjson
	export CDP_DB="$BATS_TEST_TMPDIR/h.db"
	cdp-ingest -q -s web -i id -c FR h.ndjson
	cdp-merge -P -q </dev/null
	run -0 cdp-export -q -F profile_id,first_name,last_name,city,email,phone,attr.note,attr.note2 profiles
	expect <<-'EOF'
	profile_id,first_name,last_name,city,email,phone,attr.note,attr.note2
	1,"'=HYPERLINK(""http://x"",""y"")",'+cmd|' /C calc'!A0,'@SUM(1+1),'=cmd@example.com,+33612345678,-12.5,'-2+3
	2,,'-Dash,Lyon,,,,
	EOF
	run -0 cdp-export -q -f csv events
	expect <<-'EOF'
	profile_id,source,record_id,event_type,ts,amount,currency
	1,web,'=1+1,purchase,2024-01-01T00:00:00Z,-12.50,
	EOF
	# --raw: as stored, for programs; NDJSON is never changed.
	run -0 cdp-export -q --raw -F first_name,last_name profiles
	expect <<-'EOF'
	first_name,last_name
	"=HYPERLINK(""http://x"",""y"")",+cmd|' /C calc'!A0
	,-Dash
	EOF
	run -0 cdp-export -q -f ndjson -F city profiles
	assert_line --index 0 '{"city":"@SUM(1+1)"}'
	# The other CSV writers share the guard.
	run -0 cdp-export -q members
	assert_line --index 1 "1,web,'=1+1"
}

@test "cdp-export: an empty database gives the header alone" {
	export CDP_DB="$BATS_TEST_TMPDIR/empty.db"
	printf 'id\n' | cdp-ingest -q -s x -i id
	run -0 cdp-export -q members
	assert_output "profile_id,source,record_id"
	run -0 cdp-export -q -f ndjson profiles
	assert_output ""
}

@test "cdp-export: exit codes" {
	run cdp-export -h
	assert_equal "$status" 0
	assert_line --index 0 "usage: cdp-export [-qv] [-c PURPOSE] [-D DELIM] [-d DB] [-F FIELDS] [-f csv|ndjson] [-H hash]"
	assert_line --index 1 "           [-o FILE] [--bom] [--crlf] [--excel] [--dest DEST] [--raw] [--since TS] WHAT [NAME]"
	run cdp-export
	assert_equal "$status" 2
	run cdp-export members profiles
	assert_equal "$status" 2
	run cdp-export -f xml members
	assert_equal "$status" 2
	assert_output "cdp-export: format must be csv or ndjson"
	run cdp-export everything
	assert_equal "$status" 2
	assert_line --index 0 'cdp-export: unknown WHAT "everything": members, profiles, segment, changes, profile or events'
	run cdp-export -d nowhere.db members
	assert_equal "$status" 1
	[ ! -e nowhere.db ]
}

@test "cdp-export | a reader that went away: said, exit 1, the run logged as failed, nothing logged as exported" {
	# A pipe whose reader is gone before the first write: EPIPE.
	run python3 -c 'import os, subprocess, sys
r, w = os.pipe()
os.close(r)
p = subprocess.run(["cdp-export", "profiles"], stdout=w, stderr=subprocess.PIPE)
sys.stdout.write(p.stderr.decode())
sys.exit(128 + 13 if p.returncode == -13 else p.returncode)'
	assert_equal "$status" 1
	assert_output "cdp-export: stdout: reader closed the pipe"
	run -0 q "SELECT outcome, message FROM run WHERE tool = 'cdp-export'"
	assert_output "failed|stdout: reader closed the pipe"
	run -0 q "SELECT count(*) FROM export_log"
	assert_output 0
}

@test "cdp-export | head -1: the reader leaves mid-export; a FIFO's reader too, named" {
	# About 2 MB of events: far more than a pipe holds.
	many_events
	run bash -c 'cdp-export events 2>err | head -1; echo "${PIPESTATUS[0]}"'
	expect <<-'EOF'
	{"source":"ev","record_id":"e1","event_type":"purchase","ts":"2026-01-01T00:00:00Z","amount":1.5}
	1
	EOF
	run -0 cat err
	assert_output "cdp-export: stdout: reader closed the pipe"
	mkfifo fifo
	head -c 100 fifo >/dev/null &
	run --separate-stderr cdp-export -o fifo events
	wait $!
	assert_equal "$status" 1
	assert_equal "$stderr" "cdp-export: fifo: reader closed the pipe"
	[ -p fifo ]
	run -0 q "SELECT outcome, message FROM run WHERE tool = 'cdp-export' ORDER BY id"
	expect <<-'EOF'
	failed|stdout: reader closed the pipe
	failed|fifo: reader closed the pipe
	EOF
	run -0 q "SELECT count(*) FROM export_log"
	assert_output 0
}

@test "cdp-export changes | a reader that went away: the cursor stays, the next export delivers it all" {
	q "INSERT INTO segment (id, name, definition, compiled, params,
	     created_at, created_run) VALUES (1, 'vip', 'x', 'x', '{}', 't', 9);
	   INSERT INTO segment_change VALUES (1, 10, 1, 'enter'),
	     (1, 10, 2, 'enter');"
	run python3 -c 'import os, subprocess, sys
r, w = os.pipe()
os.close(r)
p = subprocess.run(["cdp-export", "-F", "email", "changes", "vip", "--dest", "mailer"],
    stdout=w, stderr=subprocess.PIPE)
sys.stdout.write(p.stderr.decode())
sys.exit(128 + 13 if p.returncode == -13 else p.returncode)'
	assert_equal "$status" 1
	assert_output "cdp-export: stdout: reader closed the pipe"
	run -0 q "SELECT (SELECT count(*) FROM export_cursor),
	  (SELECT count(*) FROM export_key), (SELECT count(*) FROM export_log)"
	assert_output "0|0|0"
	run -0 cdp-export -q -F email changes vip --dest mailer
	expect <<-'EOF'
	change,email
	enter,jean.dupont@example.fr
	enter,marie.curie@example.fr
	EOF
	run -0 q "SELECT run FROM export_cursor"
	assert_output 10
}
