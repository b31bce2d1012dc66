#!/usr/bin/env bats
# cdp-status: the last runs, each anomaly kind with its evidence, exit 4.

load test_helper
bats_require_minimum_version 1.5.0

# newdb: an empty database of the current schema (cdp-ingest creates it;
# its run and source are removed).
newdb() {
	cdp-ingest -q -s init </dev/null 2>/dev/null || true
	q "DELETE FROM run; DELETE FROM source; DELETE FROM reject;
	    DELETE FROM catalog_source; DELETE FROM run_file"
}

# history SOURCE ROWS DAYS_AGO...: completed ingest runs of SOURCE, each
# having read ROWS records, started DAYS_AGO days ago (run log by SQL).
history() {
	local src=$1 rows=$2 d
	shift 2
	[ -f "$CDP_DB" ] || newdb
	q "INSERT OR IGNORE INTO source(name, created_at) VALUES ('$src', 'x')"
	for d in "$@"; do
		q "INSERT INTO run(tool, args, source_id, pid, started_at,
		    ended_at, seconds, rows_in, rows_ok, inserted, outcome)
		    SELECT 'cdp-ingest', '[]', id, 1,
		    strftime('%Y-%m-%dT%H:%M:%SZ', 'now', '-$d days'),
		    strftime('%Y-%m-%dT%H:%M:%SZ', 'now', '-$d days'), 1.0,
		    $rows, $rows, $rows, 'ok' FROM source WHERE name = '$src'"
	done
}

# Three good records of source web, ingested now.
ingest3() {
	cdp-ingest -q -s web -i id "$FIX/web.ndjson" 2>/dev/null || true
}

@test "cdp-status: healthy after an ingest, exit 0" {
	cdp-ingest -q -s crm -i ID_CLIENT -c FR "$FIX/crm_fr.csv" 2>/dev/null
	run cdp-status
	assert_equal "$status" 0
	assert_equal "${lines[0]}" "run  tool        source  started               seconds  in  ok  rejected  outcome"
	[[ "${lines[1]}" =~ ^\ \ 1\ \ cdp-ingest\ \ crm\ \ \ \ \ [0-9T:-]+Z\ +[0-9.]+\ \ \ 3\ \ \ 3\ \ \ \ \ \ \ \ \ 0\ \ ok$ ]]
	assert_equal "${lines[2]}" "no anomalies"
	run cdp-status -f ndjson
	assert_equal "$status" 0
	[[ "$output" =~ ^\{\"record\":\"run\",\"run\":1,\"tool\":\"cdp-ingest\",\"source\":\"crm\",.*\"in\":3,\"ok\":3,\"rejected\":0,\"outcome\":\"ok\"\}$ ]]
}

@test "cdp-status: a failed run and an interrupted one" {
	newdb
	q "INSERT INTO run(tool, args, source_id, pid, started_at, outcome,
	    message) VALUES ('cdp-score', '[]', NULL, 1, '2024-06-01T02:00:00Z',
	    'failed', 'database is locked')"
	q "INSERT INTO run(tool, args, source_id, pid, started_at, outcome)
	    VALUES ('cdp-merge', '[]', NULL, 99999999, '2024-06-01T02:10:00Z',
	    'running')"
	q "INSERT INTO run(tool, args, source_id, pid, started_at, outcome)
	    VALUES ('cdp-match', '[]', NULL, $$, '2024-06-01T02:20:00Z',
	    'running')"
	run cdp-status -f ndjson
	assert_equal "$status" 4
	expect <<-'EOF'
	{"record":"run","run":3,"tool":"cdp-match","source":null,"started":"2024-06-01T02:20:00Z","seconds":null,"in":0,"ok":0,"rejected":0,"outcome":"running"}
	{"record":"run","run":2,"tool":"cdp-merge","source":null,"started":"2024-06-01T02:10:00Z","seconds":null,"in":0,"ok":0,"rejected":0,"outcome":"interrupted"}
	{"record":"run","run":1,"tool":"cdp-score","source":null,"started":"2024-06-01T02:00:00Z","seconds":null,"in":0,"ok":0,"rejected":0,"outcome":"failed"}
	{"record":"anomaly","kind":"failed","source":null,"run":1,"evidence":"cdp-score failed at 2024-06-01T02:00:00Z: database is locked"}
	{"record":"anomaly","kind":"failed","source":null,"run":2,"evidence":"cdp-merge interrupted at 2024-06-01T02:10:00Z"}
	EOF
}

@test "cdp-status: a reject rate above the threshold" {
	run cdp-ingest -q -s web -i id "$FIX/bad.ndjson"
	assert_equal "$status" 3
	run cdp-status
	assert_equal "$status" 4
	assert_equal "${lines[-2]}" "kind         source  run  evidence"
	assert_equal "${lines[-1]}" "reject_rate  web       1  6 of 9 records rejected (66.7%, above 5.0%)"
	run cdp-status -o reject_rate=0.7
	assert_equal "$status" 0
	printf '# a comment\nreject_rate = 0.7\n' >status.conf
	run cdp-status -c status.conf
	assert_equal "$status" 0
}

@test "cdp-status: volume below half and above twice the trailing median" {
	history web 100 6 5 4 3 2
	ingest3
	run cdp-status
	assert_equal "$status" 4
	assert_equal "${lines[-1]}" "volume_low  web       6  3 records read, below 0.5 x the median of 100 of the 5 runs before"
	rm -f "$CDP_DB"*
	history web 1 6 5 4 3 2
	ingest3
	run cdp-status
	assert_equal "$status" 4
	assert_equal "${lines[-1]}" "volume_high  web       6  3 records read, above 2 x the median of 1 of the 5 runs before"
	# Too little history: no judgement.
	rm -f "$CDP_DB"*
	history web 100 3 2
	ingest3
	run cdp-status
	assert_equal "$status" 0
}

@test "cdp-status: a source silent for longer than its usual interval" {
	history crm 50 10 9 8 7 6 5
	run cdp-status
	assert_equal "$status" 4
	assert_equal "${lines[-1]}" "stale  crm          no data for 5.0 days; usually every 24.0 hours (median of the last 5 intervals); 5 deliveries missed"
	run cdp-status -o stale_factor=6
	assert_equal "$status" 0
}

@test "cdp-status: schema drift of a source" {
	printf 'id,email,city\n1,a@example.com,Paris\n' >v1.csv
	printf 'id,email,phone\n2,b@example.com,0612345678\n' >v2.csv
	cdp-ingest -q -s s -i id v1.csv
	run cdp-status
	assert_equal "$status" 0
	cdp-ingest -q -s s -i id -c FR v2.csv
	run cdp-status
	assert_equal "$status" 4
	assert_equal "${lines[-1]}" "drift  s         2  new attr.phone; new phone; missing attr.city; missing city (run 2 against run 1)"
}

@test "cdp-status: a segment whose size jumped" {
	newdb
	q "INSERT INTO segment(id, name, definition, compiled, params,
	    created_at, created_run, last_eval_run, size) VALUES
	    (1, 'vip', 'x', 'x', '[]', 'x', 1, 3, 500),
	    (2, 'new', 'x', 'x', '[]', 'x', 3, 3, 300),
	    (3, 'calm', 'x', 'x', '[]', 'x', 1, 3, 105)"
	# vip: 100 entered at run 2, 400 more at run 3; new: first evaluation;
	# calm: 100 at run 2, 5 more at run 3.
	q "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n
	    WHERE i < 500)
	    INSERT INTO segment_change(segment, run, profile, change)
	    SELECT 1, CASE WHEN i <= 100 THEN 2 ELSE 3 END, i, 'enter' FROM n
	    UNION ALL SELECT 2, 3, i, 'enter' FROM n WHERE i <= 300
	    UNION ALL SELECT 3, CASE WHEN i <= 100 THEN 2 ELSE 3 END, i,
	    'enter' FROM n WHERE i <= 105"
	run cdp-status
	assert_equal "$status" 4
	assert_equal "${lines[-2]}" "kind          source  run  evidence"
	assert_equal "${lines[-1]}" "segment_jump            3  segment vip: 500 profiles after 100 (400 entered, 0 left)"
	run cdp-status -o segment_jump=5
	assert_equal "$status" 0
}

@test "cdp-status: --since lists every run since a date" {
	history web 10 3 2 1
	run cdp-status -f ndjson --since 2000-01-01
	assert_equal "$status" 0
	assert_equal "${#lines[@]}" 3
	run cdp-status -f ndjson
	assert_equal "${#lines[@]}" 1
	run cdp-status --since yesterday
	assert_equal "$status" 2
}

@test "cdp-status: usage" {
	run cdp-status -o nosuch=1
	assert_equal "$status" 2
	assert_output "cdp-status: unknown threshold \"nosuch\""
	run cdp-status -o reject_rate=2
	assert_equal "$status" 2
	run cdp-status extra
	assert_equal "$status" 2
	run cdp-status -d "$BATS_TEST_TMPDIR/none.db"
	assert_equal "$status" 1
}
