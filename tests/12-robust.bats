#!/usr/bin/env bats
# cdp-ingest under stress: kill -9 and rerun, permissions, concurrency,
# a live pipe, hostile values, usage and file errors.

load test_helper
bats_require_minimum_version 1.5.0

# gen N: N NDJSON events with ids, emails and cookies, deterministic.
gen() {
	awk -v n="$1" 'BEGIN { for (i = 1; i <= n; i++)
	    printf "{\"id\":\"ev%07d\",\"anonymous_id\":\"ck%05d\",\"email\":\"u%d@example.com\",\"type\":\"view\",\"ts\":%d}\n",
	    i, i % 5000, i % 20000, 1700000000 + i }'
}

@test "cdp-ingest: kill -9 mid-run, then a rerun gives the database of an uninterrupted run" {
	gen 150000 >ev.ndjson
	CDP_DB=full.db cdp-ingest -q -s web -i id ev.ndjson
	dump full.db >full.dump
	for trial in 1 2 3; do
		rm -f k.db k.db-wal k.db-shm
		CDP_BATCH_ROWS=2000 CDP_DB=k.db cdp-ingest -q -s web -i id ev.ndjson &
		pid=$!
		# Wait until some batches are in, at a different point each trial.
		want=$((trial * 20000))
		n=0
		for i in $(seq 1 400); do
			n=$(sqlite3 k.db 'SELECT count(*) FROM record' 2>/dev/null || echo 0)
			[ "${n:-0}" -ge "$want" ] && break
			sleep 0.02
		done
		kill -9 "$pid"
		wait "$pid" || true
		n=$(sqlite3 k.db 'SELECT count(*) FROM record')
		[ "$n" -gt 0 ]
		[ "$n" -lt 150000 ]
		run sqlite3 k.db 'PRAGMA integrity_check'
		assert_output ok
		run sqlite3 k.db "SELECT outcome FROM run"
		assert_output running
		CDP_DB=k.db cdp-ingest -q -s web -i id ev.ndjson
		dump k.db >k.dump
		diff -u full.dump k.dump
		run sqlite3 k.db "SELECT inserted + unchanged, inserted > 0 FROM run WHERE id = 2"
		assert_output "150000|1"
	done
}

@test "cdp-ingest: database, WAL and rejects are created 0600 whatever the umask" {
	umask 000
	printf '[1]\n{"a":1}\n' >in.ndjson
	run cdp-ingest -q -s s -r rej.ndjson in.ndjson
	assert_equal "$status" 3
	# Keep the WAL open with a reader to see its mode.
	sqlite3 "$CDP_DB" 'BEGIN; SELECT count(*) FROM record;' >/dev/null
	run stat -c '%a %n' "$CDP_DB" rej.ndjson
	expect <<-EOF
	600 $CDP_DB
	600 rej.ndjson
	EOF
	for f in "$CDP_DB"-wal "$CDP_DB"-shm; do
		[ ! -e "$f" ] || [ "$(stat -c %a "$f")" = 600 ]
	done
}

@test "cdp-ingest: two ingests at once and a reader during the writes lose nothing" {
	gen 60000 >a.ndjson
	sed 's/"ev/"zz/' a.ndjson >b.ndjson
	CDP_BATCH_ROWS=1000 cdp-ingest -q -s a -i id a.ndjson &
	p1=$!
	CDP_BATCH_ROWS=1000 cdp-ingest -q -s b -i id b.ndjson &
	p2=$!
	reads=0
	while kill -0 "$p1" 2>/dev/null || kill -0 "$p2" 2>/dev/null; do
		sqlite3 "$CDP_DB" 'SELECT count(*) FROM record' >/dev/null 2>&1 &&
		    reads=$((reads + 1))
		sleep 0.05
	done
	wait "$p1"
	wait "$p2"
	run q "SELECT s.name, count(*) FROM record r JOIN source s
	    ON s.id = r.source_id GROUP BY 1 ORDER BY 1"
	expect <<-'EOF'
	a|60000
	b|60000
	EOF
	run q "SELECT group_concat(outcome) FROM run"
	assert_output "ok,ok"
	[ "$reads" -gt 0 ]
}

@test "cdp-ingest: ingests started together on a new store all load it" {
	# All turn the new file to WAL mode, and SQLite answers one of them
	# "database is locked" at once, without waiting: db_open retries.
	# Two read files, so may bulk load, which drops record_key; the two
	# reading a pipe may not, and need it: only a load that sees no
	# other running bulk loads, and one that finds record_key gone
	# builds it (bulk_begin).
	for s in a b c d; do
		printf '{"id":"%s1","email":"%s@x.fr"}\n' "$s" "$s" >"$s.ndjson"
	done
	for round in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20; do
		rm -f "$CDP_DB" "$CDP_DB"-wal "$CDP_DB"-shm
		pids=
		for s in a b; do
			cdp-ingest -q -s "$s" -i id "$s.ndjson" 2>"$s.err" &
			pids="$pids $!"
		done
		for s in c d; do
			cat "$s.ndjson" | cdp-ingest -q -s "$s" -i id 2>"$s.err" &
			pids="$pids $!"
		done
		for p in $pids; do
			wait "$p" || { cat ./*.err; false; }
		done
		[ "$(q 'SELECT count(*) FROM record')" = 4 ]
		[ "$(q "SELECT count(*) FROM sqlite_master WHERE name =
		    'record_key'")" = 1 ]
		[ "$(q 'SELECT count(*) FROM ident')" = 4 ]
	done
}

@test "cdp-ingest: records from a pipe that stays open are visible within about a second" {
	mkfifo pipe
	cdp-ingest -q -s live -i id <pipe &
	pid=$!
	exec 7>pipe
	printf '{"id":"1","email":"a@x.fr"}\n{"id":"2","email":"b@x.fr"}\n' >&7
	n=0
	for i in $(seq 1 30); do
		n=$(q 'SELECT count(*) FROM record' 2>/dev/null || echo 0)
		[ "$n" = 2 ] && break
		sleep 0.1
	done
	assert_equal "$n" 2
	kill -0 "$pid"
	printf '{"id":"3","email":"c@x.fr"}\n' >&7
	exec 7>&-
	wait "$pid"
	run q 'SELECT count(*) FROM record'
	assert_output 3
}

@test "cdp-ingest: hostile values are stored as data" {
	cat >evil.csv <<-'EOF'
	id,email,first_name,city
	1,x@y.fr,"Robert'); DROP TABLE record;--",%n%s%x
	2,z@y.fr,"a"" OR 1=1 --",../../etc/passwd
	EOF
	run cdp-ingest -q -s evil -i id evil.csv
	assert_equal "$status" 0
	run q "SELECT first_name, city FROM record ORDER BY record_id"
	expect <<-'EOF'
	Robert'); DROP TABLE record;--|%n%s%x
	a" OR 1=1 --|../../etc/passwd
	EOF
	run q "SELECT count(*) FROM sqlite_master WHERE name = 'record'"
	assert_output 1
}

@test "cdp-ingest: usage errors exit 2 and touch nothing" {
	run cdp-ingest in.csv
	assert_equal "$status" 2
	assert_line --index 0 --partial "usage: cdp-ingest [-qv] [-d DB] -s SOURCE"
	run cdp-ingest -s ../../etc x.csv
	assert_equal "$status" 2
	assert_output "cdp-ingest: invalid source name \"../../etc\": letters, digits, '_', '-' and '.', at most 64"
	run cdp-ingest -s s -f xml x
	assert_equal "$status" 2
	run cdp-ingest -s s -m nosuch=field x
	assert_equal "$status" 2
	assert_output 'cdp-ingest: unknown canonical field "nosuch"'
	run cdp-ingest -s s -c XX x
	assert_equal "$status" 2
	run cdp-ingest -x
	assert_equal "$status" 2
	[ ! -e "$CDP_DB" ]
}

@test "cdp-ingest: a missing file fails the run but not the other files" {
	printf 'id,email\n1,a@x.fr\n' >ok.csv
	run --separate-stderr cdp-ingest -s s -i id nosuch.csv ok.csv
	assert_equal "$status" 1
	assert_equal "${stderr_lines[0]}" "cdp-ingest: nosuch.csv: No such file or directory"
	run q "SELECT count(*) FROM record"
	assert_output 1
	run q "SELECT outcome FROM run"
	assert_output failed
}

@test "cdp-ingest: a read-only database is a clear failure" {
	printf 'id,email\n1,a@x.fr\n' >ok.csv
	cdp-ingest -q -s s -i id ok.csv
	chmod 0400 "$CDP_DB"
	# root ignores file modes: make the file immutable instead.
	if [ "$(id -u)" -eq 0 ]; then
		chattr +i "$CDP_DB" || skip "no chattr here"
	fi
	before=$(dump)
	run cdp-ingest -q -s s -i id ok.csv
	[ "$(id -u)" -ne 0 ] || chattr -i "$CDP_DB"
	assert_equal "$status" 1
	assert_output "cdp-ingest: $CDP_DB: attempt to write a readonly database"
	assert_equal "$(dump)" "$before"
}

@test "cdp-ingest: -V prints the version" {
	run cdp-ingest -V
	assert_equal "$status" 0
	assert_output "cdp-ingest 0.1.0"
}

@test "cdp: the dispatcher runs cdp-VERB and lists the tools" {
	printf 'id,email\n1,a@x.fr\n' >ok.csv
	run cdp ingest -q -s s -i id ok.csv
	assert_equal "$status" 0
	run q "SELECT email FROM record"
	assert_output a@x.fr
	run cdp help
	assert_equal "$status" 0
	assert_line "  ingest"
	run cdp nosuch
	assert_equal "$status" 2
	assert_output 'cdp: unknown verb "nosuch" (cdp help lists the verbs)'
}

@test "exit statuses match what was committed: ingest warns, merge fails on its run log" {
	printf 'id,email\n1,a@example.fr\n2,b@example.fr\n' >a.csv
	cdp-ingest -q -s crm -i id a.csv
	# The run log and the source row cannot be written after the
	# records are (a full disk at the end): the records are stored,
	# so ingest warns and exits 0.
	q "CREATE TRIGGER full1 BEFORE UPDATE ON run WHEN NEW.outcome != 'running'
	   BEGIN SELECT RAISE(ABORT, 'database or disk is full'); END;
	   CREATE TRIGGER full2 BEFORE UPDATE ON source
	   BEGIN SELECT RAISE(ABORT, 'database or disk is full'); END;"
	printf 'id,email\n3,c@example.fr\n' >b.csv
	run --separate-stderr cdp-ingest -q -s crm -i id b.csv
	assert_equal "$status" 0
	output=$stderr expect <<-'EOF'
	cdp-ingest: warning: source: database or disk is full (the records are stored)
	cdp-ingest: warning: run log: database or disk is full (the records are stored)
	EOF
	run -0 q "SELECT count(*) FROM record"
	assert_output 3
	# cdp-merge whose run log fails: a failure, exit 1.
	run --separate-stderr cdp-merge -P -q </dev/null
	assert_equal "$status" 1
	assert_equal "$stderr" "cdp-merge: run log: database or disk is full"
}

@test "a tool that does not create the database says where it comes from" {
	rm -f "$CDP_DB"
	run --separate-stderr cdp-segment define x 'true'
	assert_equal "$status" 1
	assert_equal "$stderr" "cdp-segment: $CDP_DB: no such database (cdp-ingest creates it with the first records)"
	run --separate-stderr cdp-score
	assert_equal "$status" 1
	assert_equal "$stderr" "cdp-score: $CDP_DB: no such database (cdp-ingest creates it with the first records)"
	[ ! -e "$CDP_DB" ]
}

# closed CMD...: CMD with its standard output a pipe whose reader has gone
# before the first write; prints its stderr; its status (141: SIGPIPE).
closed() {
	python3 -c 'import os, subprocess, sys
r, w = os.pipe()
os.close(r)
p = subprocess.run(sys.argv[1:], stdout=w, stderr=subprocess.PIPE)
sys.stdout.write(p.stderr.decode())
sys.exit(128 + 13 if p.returncode == -13 else p.returncode)' "$@"
}

@test "a reader that went away: each tool that writes a stream says so and exits 1, nothing of it kept" {
	printf 'id,email,type,ts,amount\n' >none.csv
	cdp-ingest -q -s s -i id -m event_type=type -m ts=ts none.csv
	cdp-segment -q define buyers 'count(purchase, 30d) > 0'
	printf '%s\n' 'id,email,type,ts,amount' \
	    '1,a@x.fr,purchase,2024-06-01T10:00:00Z,5' \
	    '2,a@x.fr,purchase,2024-06-02T10:00:00Z,7' '3,b@x.fr,,,' >s.csv
	cdp-ingest -q -s s -i id -m event_type=type -m ts=ts s.csv
	# cdp-match: its pairs not delivered, its run failed, no key stored.
	run closed cdp-match -q
	assert_equal "$status" 1
	assert_output "cdp-match: stdout: reader closed the pipe"
	run -0 q "SELECT outcome, message FROM run WHERE tool = 'cdp-match';
	  SELECT count(*) FROM matchkey"
	expect <<-'EOF'
	failed|stdout: reader closed the pipe
	0
	EOF
	cdp-match -q | cdp-merge -q
	run -0 q "SELECT count(DISTINCT profile), count(*) FROM member"
	assert_output "2|3"
	# cdp-stream: said; the changes stay in its outbox for the next one.
	run closed cdp-stream -1 --as-of 2024-06-10
	assert_equal "$status" 1
	assert_output "cdp-stream: stdout: reader closed the pipe"
	run -0 cdp-stream -1 --as-of 2024-06-10
	run -0 jq -c '[.seq, .profile, .change]' <<<"$output"
	assert_output "[1,1,\"enter\"]"
	run closed cdp-segment members buyers
	assert_equal "$status" 1
	assert_output "cdp-segment: stdout: reader closed the pipe"
	run closed cdp-catalog
	assert_equal "$status" 1
	assert_output "cdp-catalog: stdout: reader closed the pipe"
	# A tool that is no stream writer ends as any filter does.
	run closed cdp-ingest -V
	assert_equal "$status" 141
	assert_output ""
}

@test "--as-of: one check for cdp-score, cdp-segment and cdp-stream, before anything is opened" {
	for bad in 2024-02-30 2024-1-1 2024-01-01T00:00:00Z x ''; do
		for t in "cdp-score" "cdp-segment eval" "cdp-stream -1"; do
			run --separate-stderr ${t%% *} --as-of "$bad" ${t#* }
			assert_equal "$status" 2
			assert_equal "$stderr" "${t%% *}: --as-of \"$bad\": expected a date YYYY-MM-DD"
		done
	done
	[ ! -e "$CDP_DB" ]
	# A good date, or none (today): accepted.
	printf 'id,email\n1,a@x.fr\n' >a.csv
	cdp-ingest -q -s s -i id a.csv
	cdp-segment -q define all 'email is not null'
	run -0 cdp-segment -q --as-of 2024-02-29 eval
	run -0 q "SELECT message FROM run WHERE tool = 'cdp-segment' ORDER BY id DESC LIMIT 1"
	assert_output "as of 2024-02-29: 1 segments, 0 members, 0 entered, 0 exited"
	run -0 cdp-segment -q eval
	run -0 q "SELECT substr(message, 1, 17) FROM run WHERE tool = 'cdp-segment' ORDER BY id DESC LIMIT 1"
	assert_output "as of $(date -u +%F):"
}
