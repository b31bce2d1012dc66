#!/usr/bin/env bats
# Kill trials of the bulk load (store/bulk_load.h), phase by phase: a
# first load killed with SIGKILL while it stages its batches, builds
# record_key, sorts the identifiers into ident, just after it committed
# them, while it takes another writer's repair (adopt), and the repair
# of a killed load killed in turn.  Each kill lands at a repeatable
# moment, CDP_TEST_KILL=PHASE[:N] (N thousand SQLite steps into the
# phase, from a fixed seed); after each, the file passes integrity_check,
# and a rerun gives every table the load writes exactly as an
# uninterrupted load wrote it: records, identifiers, consents, history,
# rejects, the catalog and the source (full_dump below).  95-crash kills
# the indexed path at seeded record counts; 14-bulk kills a real load
# by time.

load test_helper
bats_require_minimum_version 1.5.0

N=6000		# records, in batches of 100, a bad line every 997
SEED=${CDP_CRASH_SEED:-0}

# gen [U]: N events with every kind of derived row; every 7th repeated
# with the same content (unchanged on its second reading), a bad line
# every 997 (a reject); with U, every 11th updates an earlier record with
# a new email (whose old identifier must leave ident).
gen() {
	awk -v n="$N" -v u="${1:-0}" 'BEGIN { for (i = 1; i <= n; i++) {
	    if (i % 997 == 0) print "{\"id\":\"bad" i "\",";
	    s = sprintf("{\"id\":\"e%06d\",\"anonymous_id\":\"ck%04d\",\"email\":\"U%d@Example.com\",\"phone\":\"06 %08d\",\"first_name\":\"Zo\\u00e9 %d\",\"optin\":\"%s\",\"ts\":%d}",
	        i, i % 300, i, i % 900, i % 50, (i % 3 ? "oui" : "non"),
	        1700000000 + i)
	    print s
	    if (i % 7 == 0) print s
	    if (u && i % 11 == 0)
		printf "{\"id\":\"e%06d\",\"anonymous_id\":\"ck%04d\",\"email\":\"new%d@example.com\",\"optin\":\"non\",\"ts\":%d}\n",
		    int(i / 2), i % 300, i, 1800000000 + i } }'
}

load_ev() {
	CDP_BATCH_ROWS=100 cdp-ingest -q -s web -i id -c FR \
	    -m consent_email=optin ev.ndjson
}

# full_dump DB: every table cdp-ingest writes, by natural keys, without
# run ids and timestamps: dump (test_helper), the rejects (each run
# records its own: the set of them), the catalog, the record count and
# the index.
full_dump() {
	dump "$1"
	sqlite3 -batch "$1" <<'SQL'
.mode list
SELECT DISTINCT 'reject', s.name, j.file, j.line, j.reason, j.raw FROM reject j
JOIN source s ON s.id = j.source_id ORDER BY 2, 3, 4, 5, 6;
SELECT 'catalog', field, kind, type, present, n_string, n_integer, n_date,
  n_email, n_phone, n_null, given, valid, distinct_est, min_text, max_text
FROM catalog ORDER BY field;
SELECT 'records', count(*) FROM record;
SELECT 'index', sql FROM sqlite_master WHERE name = 'record_key';
SQL
}

# kops SEED MAX K: K numbers of thousands of steps in [1, MAX], seeded.
kops() {
	awk -v s="$(($1 + SEED))" -v m="$2" -v k="$3" 'BEGIN { srand(s);
	    for (i = 0; i < k; i++) print 1 + int(m * rand()) }'
}

setup_file() {
	common_setup
	cd "$BATS_FILE_TMPDIR" || return 1
	gen >ev.ndjson
	local st=0
	CDP_DB=full.db load_ev 2>/dev/null || st=$?
	[ "$st" -eq 3 ] || return 1
	full_dump full.db >full.dump
}

setup() {
	common_setup
	cp "$BATS_FILE_TMPDIR/ev.ndjson" "$BATS_FILE_TMPDIR/full.dump" .
}

# killed PHASE: a first load into an empty store, killed in PHASE.
killed() {
	rm -f "$CDP_DB" "$CDP_DB-wal" "$CDP_DB-shm"
	run env CDP_TEST_KILL="$1" bash -c 'CDP_BATCH_ROWS=100 exec \
	    cdp-ingest -q -s web -i id -c FR -m consent_email=optin ev.ndjson'
	assert_equal "$status" 137
	run q 'PRAGMA integrity_check'
	assert_output ok
	echo "# $1: killed with $(q 'SELECT count(*) FROM record') records, $(q 'SELECT count(*) FROM ident') idents" >&3
}

# converges: a rerun stores what the killed runs had not, and the store
# is the uninterrupted one, table by table.
converges() {
	run load_ev
	assert_equal "$status" 3
	run q 'PRAGMA integrity_check'
	assert_output ok
	full_dump "$CDP_DB" >k.dump
	diff -u full.dump k.dump
	run q "SELECT inserted + unchanged, updated, outcome FROM run
	    ORDER BY id DESC LIMIT 1"
	# every record read once counted (N, and the repeats unchanged)
	assert_output "$((N + N / 7))|0|rejects"
}

@test "bulk kill: the phase hook kills, and only where it is told" {
	# Without the variable, or with another phase, nothing happens.
	run env CDP_TEST_KILL=nosuchphase bash -c 'CDP_BATCH_ROWS=100 exec \
	    cdp-ingest -q -s web -i id -c FR -m consent_email=optin ev.ndjson'
	assert_equal "$status" 3
	full_dump "$CDP_DB" >k.dump
	diff -u full.dump k.dump
	# At the start of the stage: nothing stored but the source and run.
	killed stage
	run q "SELECT (SELECT count(*) FROM record),
	    (SELECT count(*) FROM sqlite_master WHERE name = 'record_key'),
	    (SELECT outcome FROM run)"
	assert_output "0|0|running"
	# Just after the load's transaction: the idents are there.
	killed loaded
	run q "SELECT (SELECT count(*) FROM record), (SELECT count(*) FROM ident),
	    (SELECT count(*) FROM sqlite_master WHERE name = 'record_key')"
	assert_output "$N|$((N * 3))|1"
}

@test "bulk kill: while it stages its batches, at 6 seeded moments" {
	for k in $(kops 151 280 6); do
		killed "stage:$k"
		# whole batches, without the index or their idents
		run q "SELECT count(*) <= $N, (SELECT count(*) FROM ident),
		    (SELECT count(*) FROM sqlite_master WHERE name =
		    'record_key') FROM record"
		assert_output "1|0|0"
		converges
	done
}

@test "bulk kill: while it builds record_key and sorts the identifiers" {
	for p in index index:1000000 idents idents:1000000 \
	    $(kops 152 60 3 | sed 's/^/index:/') \
	    $(kops 153 400 3 | sed 's/^/idents:/'); do
		killed "$p"
		# all records, none of the build: the index and the idents
		# are one transaction
		run q "SELECT count(*), (SELECT count(*) FROM ident),
		    (SELECT count(*) FROM sqlite_master WHERE name =
		    'record_key') FROM record"
		assert_output "$N|0|0"
		converges
	done
}

@test "bulk kill: just after the load committed its indexes" {
	killed loaded
	converges
}

@test "bulk kill: the repair of a killed load killed in turn, then the next writer" {
	for k in $(kops 154 280 3); do
		killed "stage:$k"
		# The rerun's db_open repairs; killed there, at the start, at
		# a seeded step or as the repair ends (before its commit).
		for r in repair repair:$(kops $k 150 1) repair:1000000; do
			run env CDP_TEST_KILL="$r" bash -c 'CDP_BATCH_ROWS=100 \
			    exec cdp-ingest -q -s web -i id -c FR \
			    -m consent_email=optin ev.ndjson'
			assert_equal "$status" 137
			run q "SELECT (SELECT count(*) FROM ident),
			    (SELECT count(*) FROM sqlite_master WHERE name =
			    'record_key'), (SELECT count(*) FROM run)"
			assert_output "0|0|1"
		done
		# Any other writer's repair, then the rerun.
		run cdp-segment list
		assert_equal "$status" 0
		run q "SELECT count(*) FROM record r WHERE NOT EXISTS (SELECT 1
		    FROM ident i WHERE i.record = r.id AND i.kind = 'email')"
		assert_output 0
		converges
	done
}

@test "bulk kill: a load killed as it takes another writer's repair" {
	for p in adopt adopt:1000000 adopt:1; do
		rm -f "$CDP_DB" "$CDP_DB-wal" "$CDP_DB-shm"
		# A repair by cdp-segment's db_open once the first batch
		# is in; the load takes it at its next batch.
		CDP_TEST_KILL=$p CDP_BATCH_ROWS=100 \
		    cdp-ingest -q -s web -i id -c FR -m consent_email=optin \
		    ev.ndjson 2>/dev/null &
		pid=$!
		for i in $(seq 1 2000); do
			n=0
			[ -e "$CDP_DB" ] && { n=$(q 'SELECT count(*) FROM
			    record' 2>/dev/null) || n=0; }
			[ "${n:-0}" -ge 100 ] && break
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.005
		done
		CDP_DB=$CDP_DB cdp-segment list >/dev/null
		st=0
		wait "$pid" || st=$?
		echo "# $p: repaired at $n records, load exit $st, $(q 'SELECT count(*) FROM record') records" >&3
		# Killed in its adoption (not finished before the repair).
		assert_equal "$st" 137
		run q 'PRAGMA integrity_check'
		assert_output ok
		# The repair's idents are there; the adoption's are not.
		run q "SELECT count(*) FROM record r WHERE NOT EXISTS (SELECT 1
		    FROM ident i WHERE i.record = r.id AND i.kind = 'email')"
		assert_output 0
		converges
	done
}

# Readers of a killed load's records: every tool that reads records
# opens the store as a writer, so its db_open completes the load before
# it reads (store/bulk_load.h); cdp-status, which only reads, shows the
# unfinished load as an anomaly until then.
@test "bulk kill: cdp-status flags a killed load; cdp-match, cdp-export and cdp-segment complete it before they read" {
	killed stage:30
	n=$(q 'SELECT count(*) FROM record')
	[ "$n" -gt 0 ] && [ "$n" -lt "$N" ]
	run cdp-status
	assert_equal "$status" 4
	assert_line --regexp "^bulk_load +web +1 +cdp-ingest interrupted in a bulk load at [0-9T:Z-]+: $n records stored without their identifiers; the next writing tool completes the load\$"
	# cdp-report, which only reads, names it in words, in French too.
	cdp-report -q -o rep >/dev/null
	run grep -c "^<tr><td>Bulk load interrupted</td><td>web</td><td class=\"n\">1</td><td>cdp-ingest interrupted in a bulk load at [0-9T:Z-]*: $n records stored" rep/index.html
	assert_output 1
	LANG=fr_FR.UTF-8 LC_ALL= cdp-report -q -o fr >/dev/null
	run grep -c "^<tr><td>Chargement en masse interrompu</td><td>web</td>" fr/index.html
	assert_output 1
	assert_equal "$(q 'SELECT count(*) FROM record')" "$n"
	# The same records loaded through the index: the reference.
	q 'SELECT raw FROM record ORDER BY id' >part.ndjson
	CDP_DB=ref.db CDP_BULK=0 cdp-ingest -q -s web -i id -c FR \
	    -m consent_email=optin part.ndjson
	# (the source's format is written when a run completes)
	dump ref.db | grep -v '^source|' >ref.dump
	# pairs FILE: the pairs without rowids and the trailer's run
	pairs() { jq -c 'select(.trailer == null) | del(.a.rowid, .b.rowid)' "$1" | sort; }
	CDP_DB=ref.db cdp-match -q >ref.pairs
	[ "$(wc -l <ref.pairs)" -gt 100 ]
	for tool in "cdp-match -q" "cdp-export -q members" "cdp-segment list"; do
		cp "$CDP_DB" c.db
		st=0
		env CDP_DB=c.db $tool >c.out 2>c.err || st=$?
		assert_equal "$st" 0
		dump c.db | grep -v '^source|' >c.dump
		diff -u ref.dump c.dump
		run env CDP_DB=c.db cdp-status
		refute_line --partial bulk_load
	done
	# What cdp-match read was the completed store: the same pairs.
	cp "$CDP_DB" c.db
	CDP_DB=c.db cdp-match -q >c.pairs
	diff -u <(pairs ref.pairs) <(pairs c.pairs)
}

# A load that updates its own records stages their earlier identifiers
# too, and keeps only those the records still hold (bulk_finish's
# updated).  A rerun records the updates again (history) and counts them
# again in the catalog, bulk or not: every other table is the
# uninterrupted load's.
@test "bulk kill: a load updating its own records, killed while it stages, builds and sorts" {
	gen 1 >up.ndjson
	run env CDP_DB=upfull.db CDP_BATCH_ROWS=100 cdp-ingest -q -s web -i id \
	    -c FR -m consent_email=optin up.ndjson
	assert_equal "$status" 3
	full_dump upfull.db | grep -v '^history|\|^catalog|' >upfull.dump
	# the updates are there: an email replaced, its old value gone
	run sqlite3 upfull.db "SELECT email FROM record WHERE record_id = 'e000005'"
	assert_output new11@example.com
	run sqlite3 upfull.db "SELECT count(*) FROM ident WHERE value = 'u5@example.com'"
	assert_output 0
	for p in stage:$(kops 155 280 1) stage:$(kops 156 280 1) \
	    index:$(kops 157 60 1) idents:$(kops 158 400 1) idents:1000000; do
		rm -f "$CDP_DB" "$CDP_DB-wal" "$CDP_DB-shm"
		run env CDP_TEST_KILL="$p" bash -c 'CDP_BATCH_ROWS=100 exec \
		    cdp-ingest -q -s web -i id -c FR -m consent_email=optin \
		    up.ndjson'
		assert_equal "$status" 137
		run env CDP_BATCH_ROWS=100 cdp-ingest -q -s web -i id -c FR \
		    -m consent_email=optin up.ndjson
		assert_equal "$status" 3
		run q 'PRAGMA integrity_check'
		assert_output ok
		full_dump "$CDP_DB" | grep -v '^history|\|^catalog|' >k.dump
		diff -u upfull.dump k.dump
	done
}
