#!/usr/bin/env bats
# Crash consistency of cdp-ingest: kill -9 at 20 moments of a large
# ingest, each time a database that passes PRAGMA integrity_check and
# that a rerun brings to exactly the database of an uninterrupted run.

load test_helper
bats_require_minimum_version 1.5.0

N=10000		# records in the input, in batches of at most 100
TRIALS=20

# gen: N NDJSON events with every kind of derived row (identifiers,
# names and their keys, consents, timestamps), and a bad line every 997
# (rejects go to the reject table of each run), deterministic.
gen() {
	awk -v n="$N" 'BEGIN { for (i = 1; i <= n; i++) {
	    if (i % 997 == 0) print "{\"id\":\"bad" i "\",";
	    printf "{\"id\":\"ev%07d\",\"anonymous_id\":\"ck%05d\",\"email\":\"U%d@Example.com\",\"phone\":\"06 %08d\",\"first_name\":\"Zo\\u00e9 %d\",\"event_type\":\"view\",\"optin\":\"%s\",\"ts\":%d,\"amount\":\"%d,%02d\"}\n",
	    i, i % 5000, i % 20000, i % 30000, i % 700,
	    (i % 3 ? "oui" : "non"), 1700000000 + i, i % 500, i % 100 } }'
}

# targets: TRIALS record counts at which to kill, from a fixed seed, so
# a failure can be replayed; spread over 3% to 90% of the input.
targets() {
	awk -v n="$N" -v t="$TRIALS" 'BEGIN { srand(95);
	    for (i = 0; i < t; i++) print int(n * (0.03 + 0.87 * rand())) }'
}

# kill_at DB TARGET: start an ingest into DB with small batches and kill
# it with SIGKILL once TARGET records are committed; fails when the
# ingest ended before that.
kill_at() {
	local db=$1 want=$2 n=0 i pid
	# The input comes through a pipe at a bounded rate, so that even a
	# fast machine cannot finish before the last target is seen; $! of
	# a pipeline is its last command, the tool itself.
	awk '{ print } NR % 400 == 0 { fflush(); system("sleep 0.02") }' \
	    ev.ndjson | CDP_BATCH_ROWS=100 CDP_DB=$db cdp-ingest -q -s web \
	    -i id -c FR -m consent_email=optin 2>/dev/null &
	pid=$!
	for i in $(seq 1 6000); do
		# Only once cdp-ingest has created it (with its own mode).
		[ -e "$db" ] && { n=$(sqlite3 "$db" \
		    'SELECT count(*) FROM record' 2>/dev/null) || n=0; }
		[ "${n:-0}" -ge "$want" ] && break
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.005
	done
	kill -9 "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null || true
	echo "# target $want: killed with $n records committed" >&3
	[ "${n:-0}" -ge "$want" ]
}

# consistent DB: the file is sound and no row points at a missing record.
consistent() {
	run sqlite3 "$1" 'PRAGMA integrity_check'
	assert_output ok
	run sqlite3 "$1" "SELECT
	    (SELECT count(*) FROM ident WHERE record NOT IN
	        (SELECT id FROM record)) +
	    (SELECT count(*) FROM consent WHERE record NOT IN
	        (SELECT id FROM record)) +
	    (SELECT count(*) FROM record_history WHERE record NOT IN
	        (SELECT id FROM record))"
	assert_output 0
}

@test "cdp-ingest: 20 kill -9 at seeded moments, each rerun converges to the uninterrupted database" {
	gen >ev.ndjson
	run env CDP_DB=full.db cdp-ingest -q -s web -i id -c FR \
	    -m consent_email=optin ev.ndjson
	assert_equal "$status" 3
	dump full.db >full.dump
	[ "$(grep -c '^record|' full.dump)" -eq "$N" ]
	trial=0
	for want in $(targets); do
		trial=$((trial + 1))
		rm -f k.db k.db-wal k.db-shm
		kill_at k.db "$want"
		# Killed mid-run: fewer records, the run still "running".
		n=$(sqlite3 k.db 'SELECT count(*) FROM record')
		[ "$n" -lt "$N" ]
		run sqlite3 k.db 'SELECT outcome FROM run ORDER BY id DESC LIMIT 1'
		assert_output running
		consistent k.db
		# Every third trial the rerun is killed too, before the last
		# (when enough is left to catch it mid-run).
		if [ $((trial % 3)) -eq 0 ] && [ "$n" -lt $((N * 6 / 10)) ]; then
			kill_at k.db $((n + (N - n) / 3))
			consistent k.db
		fi
		run env CDP_DB=k.db cdp-ingest -q -s web -i id -c FR \
		    -m consent_email=optin ev.ndjson
		assert_equal "$status" 3
		consistent k.db
		dump k.db >k.dump
		diff -u full.dump k.dump
		# The last run stored what the killed ones had not.
		run sqlite3 k.db "SELECT inserted + unchanged, updated,
		    outcome FROM run ORDER BY id DESC LIMIT 1"
		assert_output "$N|0|rejects"
	done
	[ "$trial" -eq "$TRIALS" ]
}
