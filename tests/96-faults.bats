#!/usr/bin/env bats
# cdp-ingest under resource faults: a full disk, a file size limit, an
# unreadable input, a closed or broken stdout and stderr, and SQLite
# running out of memory at successive allocations.  Each time: a clear
# message, a documented exit status, and a database that is intact,
# still usable, and brought by a rerun to what an uninterrupted run
# stores.  (A read-only database is in 12-robust.bats.)

load test_helper
bats_require_minimum_version 1.5.0

setup() {
	common_setup
	# The sizes below (a 4 MB disk, a 400 KB file limit) are set for
	# 4 KiB pages, where they fall in the middle of a load.
	export CDP_PAGE_SIZE=4096
	MNT=
	OTHERDIR=
}

teardown() {
	if [ -n "$MNT" ] && mountpoint -q "$MNT"; then
		umount "$MNT"
	fi
	if [ -n "$OTHERDIR" ]; then
		rm -rf "$OTHERDIR"
	fi
}

# gen N: N NDJSON events with ids and emails, deterministic.
gen() {
	awk -v n="$1" 'BEGIN { for (i = 1; i <= n; i++)
	    printf "{\"id\":\"ev%07d\",\"email\":\"u%d@example.com\",\"ts\":%d}\n",
	    i, i, 1700000000 + i }'
}

# reference: the dump of a database where one.ndjson then ev.ndjson
# were ingested without a fault.
reference() {
	CDP_DB=ref.db cdp-ingest -q -s first -i id one.ndjson
	CDP_DB=ref.db cdp-ingest -q -s big -i id ev.ndjson
	dump ref.db >ref.dump
}

@test "cdp-ingest: a full disk fails the run with a clear message, the database intact and usable" {
	[ "$(id -u)" -eq 0 ] || skip "mounting a small tmpfs needs root"
	MNT=$BATS_TEST_TMPDIR/disk
	mkdir "$MNT"
	mount -t tmpfs -o size=4m tmpfs "$MNT" || { MNT=; skip "cannot mount"; }
	gen 8000 >ev.ndjson
	printf '{"id":"a","email":"a@x.fr"}\n' >one.ndjson
	reference
	export CDP_DB=$MNT/cdp.db
	cdp-ingest -q -s first -i id one.ndjson
	before=$(q "SELECT * FROM record")
	# Leave too little room for the 8000 records (they need about 3 MB).
	head -c 3400k /dev/zero >"$MNT/filler"
	CDP_BATCH_ROWS=1000 run --separate-stderr cdp-ingest -s big -i id ev.ndjson
	assert_equal "$status" 1
	# Where the disk fills (a page spilled mid-batch, the commit) may vary.
	[[ "${stderr_lines[0]}" =~ ^cdp-ingest:\ [a-z]+:\ database\ or\ disk\ is\ full$ ]]
	run q 'PRAGMA integrity_check'
	assert_output ok
	# Whole batches only, and the earlier source untouched.
	n=$(q "SELECT count(*) FROM record r JOIN source s ON s.id = r.source_id
	    WHERE s.name = 'big'")
	[ $((n % 1000)) -eq 0 ]
	[ "$n" -lt 8000 ]
	assert_equal "$(q "SELECT * FROM record WHERE source_id = 1")" "$before"
	run q "SELECT outcome FROM run ORDER BY id DESC LIMIT 1"
	assert_output failed
	# Room again: the same run completes and converges.
	rm "$MNT/filler"
	run cdp-ingest -q -s big -i id ev.ndjson
	assert_equal "$status" 0
	run q 'PRAGMA integrity_check'
	assert_output ok
	dump >got.dump
	diff -u ref.dump got.dump
}

@test "cdp-ingest: a file size limit (SIGXFSZ ignored) fails the run, the database intact" {
	gen 8000 >ev.ndjson
	printf '{"id":"a","email":"a@x.fr"}\n' >one.ndjson
	reference
	cdp-ingest -q -s first -i id one.ndjson
	# 400 KiB: the database holds one record, the 8000 need more.
	run --separate-stderr bash -c 'trap "" XFSZ; ulimit -f 400;
	    exec cdp-ingest -s big -i id ev.ndjson'
	assert_equal "$status" 1
	[[ "${stderr_lines[0]}" =~ ^cdp-ingest:\ [a-z]+:\ disk\ I/O\ error$ ]]
	run q 'PRAGMA integrity_check'
	assert_output ok
	run q "SELECT count(*) FROM record"
	assert_output 1
	run cdp-ingest -q -s big -i id ev.ndjson
	assert_equal "$status" 0
	dump >got.dump
	diff -u ref.dump got.dump
}

@test "cdp-ingest: killed by SIGXFSZ at a file size limit, a rerun converges" {
	gen 8000 >ev.ndjson
	printf '{"id":"a","email":"a@x.fr"}\n' >one.ndjson
	reference
	cdp-ingest -q -s first -i id one.ndjson
	CDP_BATCH_ROWS=500 run bash -c 'ulimit -f 400;
	    exec cdp-ingest -q -s big -i id ev.ndjson'
	assert_equal "$status" $((128 + 25))
	run q 'PRAGMA integrity_check'
	assert_output ok
	n=$(q "SELECT count(*) FROM record")
	[ "$n" -gt 1 ]
	[ "$n" -lt 8001 ]
	run cdp-ingest -q -s big -i id ev.ndjson
	assert_equal "$status" 0
	dump >got.dump
	diff -u ref.dump got.dump
}

@test "cdp-ingest: an unreadable input fails the run but not the other files" {
	if [ "$(id -u)" -eq 0 ]; then
		command -v setpriv >/dev/null || skip "no setpriv to drop root"
		# As nobody, in a directory nobody may write to (the test's
		# own is private to root).
		dir=$(mktemp -d /tmp/cdp-unreadable.XXXXXX)
		OTHERDIR=$dir
		chmod 0777 "$dir"
		as=(setpriv --reuid=65534 --regid=65534 --clear-groups)
		# A copy of the tool: nobody may not enter the checkout
		# when it lives in a private directory (root's home).
		cp "$(command -v cdp-ingest)" "$dir/cdp-ingest"
		chmod 0755 "$dir/cdp-ingest"
		tool=$dir/cdp-ingest
	else
		dir=$BATS_TEST_TMPDIR
		as=()
		tool=$(command -v cdp-ingest)
	fi
	cd "$dir"
	printf 'id,email\n1,a@x.fr\n' >ok.csv
	printf 'id,email\n2,b@x.fr\n' >secret.csv
	chmod 0644 ok.csv
	chmod 0000 secret.csv
	run --separate-stderr "${as[@]}" env CDP_DB="$dir/cdp.db" \
	    "$tool" -s s -i id secret.csv ok.csv
	export CDP_DB=$dir/cdp.db
	assert_equal "$status" 1
	assert_equal "${stderr_lines[0]}" "cdp-ingest: secret.csv: Permission denied"
	run q "SELECT record_id, email FROM record"
	assert_output "1|a@x.fr"
	run q "SELECT outcome, rows_in FROM run"
	assert_output "failed|1"
}

@test "cdp-ingest: a directory or an unreadable stream as input fails that input" {
	mkdir adir
	printf 'id,email\n1,a@x.fr\n' >ok.csv
	run --separate-stderr cdp-ingest -s s -i id adir ok.csv
	assert_equal "$status" 1
	assert_equal "${stderr_lines[0]}" "cdp-ingest: adir: Is a directory"
	run q "SELECT count(*) FROM record"
	assert_output 1
	# A read error on stdin (a directory as descriptor 0).
	run --separate-stderr bash -c 'exec cdp-ingest -s t -f csv <adir'
	assert_equal "$status" 1
	assert_equal "${stderr_lines[0]}" "cdp-ingest: stdin: Is a directory"
	run q 'PRAGMA integrity_check'
	assert_output ok
}

@test "cdp-ingest: a closed, full or broken stdout is a failure, never a crash" {
	# Closed: the write fails with EBADF, reported.
	run --separate-stderr bash -c 'exec cdp-ingest -V >&-'
	assert_equal "$status" 1
	assert_equal "$stderr" "cdp-ingest: stdout: Bad file descriptor"
	run --separate-stderr bash -c 'exec cdp-ingest -V >/dev/full'
	assert_equal "$status" 1
	assert_equal "$stderr" "cdp-ingest: stdout: No space left on device"
	# A reader that has gone: SIGPIPE, as for any filter (128 + 13)...
	run bash -c '{ sleep 0.2; exec cdp-ingest -V; } | true;
	    echo "${PIPESTATUS[0]}"'
	assert_output 141
	# ...or, with SIGPIPE ignored, EPIPE: status 1, and said.
	run bash -c '(trap "" PIPE; sleep 0.2; exec cdp-ingest -V 2>err) |
	    true; echo "${PIPESTATUS[0]}"'
	assert_output 1
	run -0 cat err
	assert_output "cdp-ingest: stdout: reader closed the pipe"
}

@test "cdp-ingest: a closed or full stderr does not change what is stored nor the status" {
	printf 'id,email\n1,a@x.fr\n2\n3,c@x.fr\n' >in.csv
	run bash -c 'exec cdp-ingest -s s -i id in.csv 2>&-'
	assert_equal "$status" 3
	run bash -c 'exec cdp-ingest -s s -i id in.csv 2>/dev/full'
	assert_equal "$status" 3
	run q "SELECT record_id FROM record ORDER BY 1"
	expect <<-'EOF'
	1
	3
	EOF
	run q "SELECT outcome FROM run ORDER BY id"
	expect <<-'EOF'
	rejects
	rejects
	EOF
}

# oom_sweep MODE: build the shim, then for N = 1, 1+s, 1+2s, ... fail
# SQLite's Nth allocation (MODE once) or every one from the Nth on
# (MODE persist) during an ingest into an existing database, until N
# is past the last allocation.  After each: no crash or hang, status 0
# or 1 with a message, PRAGMA integrity_check ok, and a clean rerun
# gives the reference dump.  s is CDP_OOM_STRIDE, or what makes about
# 120 runs; CDP_OOM_STRIDE=1 tries every allocation (minutes).
oom_sweep() {
	local mode=$1 persist=0 n=1 stride cnt fired runs=0 st asan
	[ "$mode" = persist ] && persist=1
	command -v cc >/dev/null || skip "no C compiler for the shim"
	cc -shared -fPIC -O2 -o oom.so "$CDP_TOP/tests/oom/sqlite-oom.c" \
	    -lsqlite3
	gen 40 | sed 's/"ts"/"phone":"06 12 34 56 78","optin":"oui","ts"/' \
	    >ev.ndjson
	gen 3 >first.ndjson
	CDP_DB=base.db cdp-ingest -q -s first -i id first.ndjson
	cp base.db ref.db
	CDP_DB=ref.db cdp-ingest -q -s web -i id -c FR \
	    -m consent_email=optin ev.ndjson
	dump ref.db >ref.dump
	# Count the allocations of a clean run to choose the stride.
	cp base.db t.db
	# An ASan build wants its runtime first; the shim only calls
	# sqlite3_config, so its place in the list does not matter.
	asan=ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0
	env CDP_DB=t.db CDP_OOM_REPORT=rep LD_PRELOAD=./oom.so "$asan" \
	    cdp-ingest -q -s web -i id -c FR -m consent_email=optin ev.ndjson
	read -r cnt fired <rep
	[ "$cnt" -gt 100 ]
	[ "$fired" -eq 0 ]
	stride=${CDP_OOM_STRIDE:-$(( (cnt + 119) / 120 ))}
	while :; do
		rm -f t.db t.db-wal t.db-shm rep
		cp base.db t.db
		run --separate-stderr env CDP_DB=t.db CDP_OOM_AT=$n \
		    CDP_OOM_PERSIST=$persist CDP_OOM_REPORT=rep \
		    timeout 60 env LD_PRELOAD=./oom.so "$asan" cdp-ingest -q \
		    -s web -i id -c FR -m consent_email=optin ev.ndjson
		st=$status
		read -r cnt fired <rep
		[ "$fired" -eq 0 ] && break
		runs=$((runs + 1))
		echo "# N=$n: status $st: ${stderr%%$'\n'*}" >&3
		[ "$st" -eq 0 ] || [ "$st" -eq 1 ]
		[ "$st" -eq 0 ] || [ -n "$stderr" ]
		run sqlite3 t.db 'PRAGMA integrity_check'
		assert_output ok
		run env CDP_DB=t.db cdp-ingest -q -s web -i id -c FR \
		    -m consent_email=optin ev.ndjson
		assert_equal "$status" 0
		dump t.db >t.dump
		diff -u ref.dump t.dump
		n=$((n + stride))
	done
	echo "# $mode: $runs faulty runs, every ${stride}th of $cnt allocations" >&3
	[ "$runs" -gt 0 ]
}

@test "cdp-ingest: SQLite out of memory at successive allocations (once) never corrupts the file" {
	oom_sweep once
}

@test "cdp-ingest: SQLite out of memory from successive allocations on never corrupts the file" {
	oom_sweep persist
}
