#!/usr/bin/env bats
# Crash consistency of the pipeline after ingest: cdp-merge, cdp-score and
# cdp-segment eval, each killed with SIGKILL at seeded moments of a run on
# a database of 3000 synthetic people; after each kill the file passes
# PRAGMA integrity_check and a rerun of the same command converges to
# exactly the database of an uninterrupted run (a canonical dump of the
# tables the tool writes).  95-crash.bats does the same for cdp-ingest.

load test_helper
bats_require_minimum_version 1.5.0

# Kills per tool, and a seed offset: both fixed by default so that a
# failure replays; CDP_CRASH_TRIALS=N CDP_CRASH_SEED=N for another hunt.
TRIALS=${CDP_CRASH_TRIALS:-20}
SEED=${CDP_CRASH_SEED:-0}
ASOF=2026-01-01		# fixed, so that scores and segments are reproducible

# Built once for the whole file: ingest, match, and the databases each
# tool starts from (before merge, before score, before segment eval).
setup_file() {
	common_setup
	local d=$BATS_FILE_TMPDIR spool=$CDP_TOP/share/spool src f
	cd "$d" || return 1
	"$CDP_TOP/scripts/cdp-gen" -n 3000 -o gen >/dev/null
	export CDP_DB=$d/base.db
	for f in crm:crm.csv service:service_tickets.csv \
	    shop:shop_orders.ndjson store:store_tickets.csv \
	    web:web_events.ndjson; do
		src=${f%%:*}
		cdp-ingest -q -s "$src" -M "$spool/$src/$src.map" \
		    "gen/${f#*:}" 2>/dev/null || return 1
	done
	cdp-match -q >pairs.ndjson || return 1
	# Identifier-only links could not refuse anything: make sure the
	# pairs carry enough to exercise the merge.
	[ "$(wc -l <pairs.ndjson)" -gt 10000 ] || return 1
	cp base.db merged.db
	CDP_DB=merged.db cdp-merge -q pairs.ndjson 2>/dev/null || return 1
	cp merged.db scored.db
	CDP_DB=scored.db cdp-score -q --as-of $ASOF 2>/dev/null || return 1
	CDP_DB=scored.db cdp-segment -q define big \
	    'sum(amount, purchase, 3650d) > 200' || return 1
	CDP_DB=scored.db cdp-segment -q define news \
	    'has_consent(email) and email is not null' || return 1
	CDP_DB=scored.db cdp-segment -q define young \
	    'birth_date is not null and birth_date > "1990-01-01"' || return 1
}

# Profiles are named by their smallest member (source:record_id), not by
# their rowid, which a killed run that committed nothing may not change
# but which a canonical dump must not depend on anyway.
PKEY="WITH rk AS (SELECT r.id, s.name || ':' || r.record_id AS k
    FROM record r JOIN source s ON s.id = r.source_id),
  pk AS (SELECT m.profile AS p, min(rk.k) AS k FROM member m
    JOIN rk ON rk.id = m.record GROUP BY m.profile)"

# dump_merge DB: golden columns of every profile, record -> profile, links.
dump_merge() {
	sqlite3 -batch "$1" <<SQL
.mode list
$PKEY
SELECT 'profile', pk.k, p.nrecords, p.first_seen, p.last_seen, p.email,
  p.phone, p.customer_id, p.loyalty_id, p.anonymous_id, p.first_name,
  p.last_name, p.full_name, p.birth_date, p.gender, p.street,
  p.postal_code, p.city, p.country
FROM profile p LEFT JOIN pk ON pk.p = p.id ORDER BY 2;
$PKEY
SELECT 'member', rk.k, pk.k FROM member m JOIN rk ON rk.id = m.record
JOIN pk ON pk.p = m.profile ORDER BY 2;
$PKEY
SELECT 'link', a.k, b.k, l.rule, l.weight, l.prob, l.evidence FROM link l
JOIN rk a ON a.id = l.a JOIN rk b ON b.id = l.b ORDER BY 2, 3;
SELECT 'profiles', count(*) FROM profile;
SQL
}

# dump_score DB: every score of every profile.
dump_score() {
	sqlite3 -batch "$1" <<SQL
.mode list
$PKEY
SELECT 'score', s.name, pk.k, s.value FROM score s
LEFT JOIN pk ON pk.p = s.profile ORDER BY 2, 3;
SELECT 'score_def', name, kind, type, definition FROM score_def ORDER BY 2;
SELECT 'scores', count(*) FROM score;
SQL
}

# dump_segment DB: members of each segment, and the latest change of each
# profile in each segment (run numbers left out: a rerun is a new run).
dump_segment() {
	sqlite3 -batch "$1" <<SQL
.mode list
$PKEY
SELECT 'member', g.name, pk.k FROM segment_member m
JOIN segment g ON g.id = m.segment LEFT JOIN pk ON pk.p = m.profile
ORDER BY 2, 3;
$PKEY
SELECT 'change', g.name, pk.k, c.change FROM segment_change c
JOIN segment g ON g.id = c.segment LEFT JOIN pk ON pk.p = c.profile
WHERE c.run = (SELECT max(run) FROM segment_change c2
    WHERE c2.segment = c.segment AND c2.profile = c.profile)
ORDER BY 2, 3;
SELECT 'segment', name, size, as_of FROM segment ORDER BY 2;
SQL
}

# delays SEED MS: TRIALS kill delays in milliseconds from a fixed seed,
# spread from 0 to 1.2 times the reference run's MS, so that some kills
# land before the tool wrote anything and some after it committed.
delays() {
	awk -v s="$(($1 + SEED))" -v ms="$2" -v t="$TRIALS" 'BEGIN { srand(s);
	    for (i = 0; i < t; i++) printf "%d\n", ms * 1.2 * rand() }'
}

now_ms() { date +%s%3N; }

# trial NAME SEED START DUMPFN CMD...: the reference run of CMD on a copy
# of START, then TRIALS copies killed after a seeded delay, each checked
# and rerun to convergence.
trial() {
	local name=$1 seed=$2 start=$BATS_FILE_TMPDIR/$3 dumpfn=$4
	local t0 ms d n=0 mid=0 pid last base
	shift 4
	base=$(sqlite3 "$start" 'SELECT max(id) FROM run')
	cp "$start" ref.db
	t0=$(now_ms)
	CDP_DB=ref.db "$@" 2>/dev/null
	ms=$(($(now_ms) - t0))
	$dumpfn ref.db >ref.dump
	[ "$(wc -l <ref.dump)" -gt 100 ]
	for d in $(delays "$seed" "$ms"); do
		n=$((n + 1))
		rm -f k.db k.db-wal k.db-shm k.db-journal
		cp "$start" k.db
		CDP_DB=k.db "$@" 2>/dev/null &
		pid=$!
		sleep "$(awk -v d="$d" 'BEGIN { printf "%.3f", d / 1000 }')"
		kill -9 "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
		# The run log tells where the kill landed: no run of the tool
		# yet (before run_begin), "running" (its work uncommitted or
		# under way), or "ok" (it had finished).
		last=$(sqlite3 k.db "SELECT outcome FROM run WHERE id > $base
		    AND tool = '$1'")
		echo "# $name: trial $n: killed after $d of $ms ms: ${last:-before the run log}" >&3
		[ "$last" != running ] || mid=$((mid + 1))
		run sqlite3 k.db 'PRAGMA integrity_check'
		assert_output ok
		# Every third trial the first rerun is killed too, half as
		# early: two interrupted runs in a row.
		if [ $((n % 3)) -eq 0 ]; then
			CDP_DB=k.db "$@" 2>/dev/null &
			pid=$!
			sleep "$(awk -v d="$d" 'BEGIN { printf "%.3f", d / 2000 }')"
			kill -9 "$pid" 2>/dev/null || true
			wait "$pid" 2>/dev/null || true
			run sqlite3 k.db 'PRAGMA integrity_check'
			assert_output ok
		fi
		run env CDP_DB=k.db "$@"
		assert_equal "$status" 0
		run sqlite3 k.db 'PRAGMA integrity_check'
		assert_output ok
		$dumpfn k.db >k.dump
		diff -u ref.dump k.dump
	done
	[ "$n" -eq "$TRIALS" ]
	# At least one kill must have caught the tool in its run, or this
	# test proved nothing.
	echo "# $name: $mid of $n kills mid-run" >&3
	[ "$mid" -ge 1 ]
}

@test "cdp-merge: kill -9 at seeded moments, each rerun converges to the uninterrupted database" {
	trial merge 41 base.db dump_merge \
	    cdp-merge -q "$BATS_FILE_TMPDIR/pairs.ndjson"
}

@test "cdp-score: kill -9 at seeded moments, each rerun converges to the uninterrupted database" {
	trial score 42 merged.db dump_score cdp-score -q --as-of $ASOF
}

@test "cdp-segment eval: kill -9 at seeded moments, each rerun converges to the uninterrupted database" {
	trial segment 43 scored.db dump_segment \
	    cdp-segment -q --as-of $ASOF eval
}
