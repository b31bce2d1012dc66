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
	assert_equal "${lines[0]}" "run  started               seconds  in  ok  rejected  outcome  job"
	[[ "${lines[1]}" =~ ^\ \ 1\ \ [0-9T:-]+Z\ +[0-9.]+\ \ \ 3\ \ \ 3\ \ \ \ \ \ \ \ \ 0\ \ ok\ \ \ \ \ \ \ cdp-ingest\ -s\ crm$ ]]
	assert_equal "${lines[2]}" "no anomalies"
	run cdp-status -f ndjson
	assert_equal "$status" 0
	[[ "$output" =~ ^\{\"record\":\"run\",\"run\":1,\"tool\":\"cdp-ingest\",\"source\":\"crm\",.*\"in\":3,\"ok\":3,\"rejected\":0,\"outcome\":\"ok\",\"job\":\"cdp-ingest\ -s\ crm\"\}$ ]]
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
	{"record":"run","run":3,"tool":"cdp-match","source":null,"started":"2024-06-01T02:20:00Z","seconds":null,"in":0,"ok":0,"rejected":0,"outcome":"running","job":"cdp-match"}
	{"record":"run","run":2,"tool":"cdp-merge","source":null,"started":"2024-06-01T02:10:00Z","seconds":null,"in":0,"ok":0,"rejected":0,"outcome":"interrupted","job":"cdp-merge"}
	{"record":"run","run":1,"tool":"cdp-score","source":null,"started":"2024-06-01T02:00:00Z","seconds":null,"in":0,"ok":0,"rejected":0,"outcome":"failed","job":"cdp-score"}
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
	# Looser: six intervals, and no judging by its regularity.
	run cdp-status -o stale_factor=6
	assert_equal "$status" 4
	run cdp-status -o stale_factor=6 -o late_margin=0
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

# run_row TOOL ARGS_JSON OUTCOME STARTED [SOURCE] [MESSAGE]: a run by SQL.
run_row() {
	[ -f "$CDP_DB" ] || newdb
	q "INSERT INTO run(tool, args, source_id, pid, started_at, ended_at,
	    seconds, outcome, message) VALUES ('$1', '$2',
	    (SELECT id FROM source WHERE name = '${5:-}'), 1, '$4', '$4', 1.0,
	    '$3', NULLIF('${6:-}', ''))"
}

@test "cdp-status: a failure stays until a success of the same job, not of another" {
	newdb
	q "INSERT INTO source(name, created_at) VALUES ('crm', 'x'), ('web', 'x')"
	run_row cdp-export '["cdp-export","-o","a.csv","--dest","mailer","changes","vip"]' failed 2024-06-01T02:00:00Z "" "disk full"
	run_row cdp-export '["cdp-export","--dest","crm","changes","vip"]' ok 2024-06-01T02:05:00Z
	run_row cdp-ingest '["cdp-ingest","-s","crm","crm.csv"]' failed 2024-06-01T02:10:00Z crm "bad header"
	run_row cdp-ingest '["cdp-ingest","-s","web","web.ndjson"]' ok 2024-06-01T02:15:00Z web
	run_row cdp-segment '["cdp-segment","eval","vip"]' failed 2024-06-01T02:20:00Z
	run_row cdp-segment '["cdp-segment","eval","vip"]' failed 2024-06-02T02:20:00Z
	run_row cdp-segment '["cdp-segment","eval"]' ok 2024-06-02T02:30:00Z
	run cdp-status --as-of 2024-06-02T03:00:00Z
	assert_equal "$status" 4
	expect <<-'EOF'
	run  started               seconds  in  ok  rejected  outcome  job
	  2  2024-06-01T02:05:00Z      1.0   0   0         0  ok       cdp-export changes vip --dest crm
	  1  2024-06-01T02:00:00Z      1.0   0   0         0  failed   cdp-export changes vip --dest mailer
	  3  2024-06-01T02:10:00Z      1.0   0   0         0  failed   cdp-ingest -s crm
	  4  2024-06-01T02:15:00Z      1.0   0   0         0  ok       cdp-ingest -s web
	  7  2024-06-02T02:30:00Z      1.0   0   0         0  ok       cdp-segment eval
	  6  2024-06-02T02:20:00Z      1.0   0   0         0  failed   cdp-segment eval vip

	3 anomalies:
	kind    source  run  evidence
	failed            1  cdp-export changes vip --dest mailer failed at 2024-06-01T02:00:00Z: disk full
	failed  crm       3  cdp-ingest -s crm failed at 2024-06-01T02:10:00Z: bad header
	failed            6  cdp-segment eval vip failed at 2024-06-02T02:20:00Z (2 failed runs since its last success)
	EOF
	# The same jobs succeed: nothing left.
	run_row cdp-export '["cdp-export","--dest=mailer","-o","b.csv","changes","vip"]' ok 2024-06-02T02:00:00Z
	run_row cdp-ingest '["cdp-ingest","-s","crm","crm2.csv"]' ok 2024-06-02T02:10:00Z crm
	run_row cdp-segment '["cdp-segment","-q","eval","vip"]' ok 2024-06-02T02:40:00Z
	run cdp-status --as-of 2024-06-02T03:00:00Z
	assert_equal "$status" 0
	assert_equal "${lines[-1]}" "no anomalies"
}

@test "cdp-status: a usage error is logged, stays an anomaly, and can be cleared" {
	ingest3
	run cdp-export changes vipp
	assert_equal "$status" 2
	assert_equal "$(q "SELECT id, tool, args, outcome, message FROM run WHERE id = 2")" \
	    '2|cdp-export|["cdp-export","changes","vipp"]|usage|changes needs --dest'
	run cdp-status -f ndjson
	assert_equal "$status" 4
	[[ "${lines[-1]}" =~ ^\{\"record\":\"anomaly\",\"kind\":\"failed\",\"source\":null,\"run\":2,\"evidence\":\"cdp-export\ changes\ vipp\ usage\ at\ [0-9T:-]+Z:\ changes\ needs\ --dest\"\}$ ]]
	# A run of another job does not clear it; clear does, logged.
	run cdp-export nosuch
	assert_equal "$status" 2
	run cdp-status clear 2
	assert_equal "$status" 0
	assert_output "cdp-status: cleared cdp-export changes vipp"
	assert_equal "$(q "SELECT tool, args, outcome, message FROM run WHERE id = 4")" \
	    'cdp-status|["cdp-status","clear","2"]|ok|cleared cdp-export changes vipp'
	run cdp-status -f ndjson
	assert_equal "$status" 4
	[[ "${lines[-1]}" =~ \"run\":3,\"evidence\":\"cdp-export\ nosuch\ usage\ at ]]
	run cdp-status clear 3
	assert_equal "$status" 0
	run cdp-status
	assert_equal "$status" 0
	# Not a failure, not a run: refused.
	run cdp-status clear 1
	assert_equal "$status" 1
	assert_output "cdp-status: clear: run 1 is not a failure"
	run cdp-status clear x
	assert_equal "$status" 2
	run cdp-status clear
	assert_equal "$status" 2
}

@test "cdp-status: a usage error logs no identifier, and creates no store" {
	ingest3
	run cdp-privacy erase a@example.com extra
	assert_equal "$status" 2
	run cdp-export -F email view someone@example.com --nosuch
	assert_equal "$status" 2
	run cdp-export -q profile +33612345678 extra
	assert_equal "$status" 2
	assert_equal "$(q "SELECT args, message FROM run WHERE outcome = 'usage' ORDER BY id")" \
	    '["cdp-privacy","erase","(subject)","(subject)"]|usage error
["cdp-export","-F","email","view","(subject)","--nosuch"]|usage error
["cdp-export","-q","profile","(subject)","extra"]|usage error'
	run cdp-export -d "$BATS_TEST_TMPDIR/none.db" changes vip
	assert_equal "$status" 2
	[ ! -e "$BATS_TEST_TMPDIR/none.db" ]
}

# nightly SOURCE DAY...: ingests of SOURCE at 02:00 on those days of June 2024.
nightly() {
	local src=$1 d
	shift
	[ -f "$CDP_DB" ] || newdb
	q "INSERT OR IGNORE INTO source(name, created_at) VALUES ('$src', 'x')"
	for d in "$@"; do
		run_row cdp-ingest "[\"cdp-ingest\",\"-s\",\"$src\"]" ok "2024-06-0${d}T02:00:00Z" "$src"
		q "UPDATE run SET rows_in = 50, rows_ok = 50 WHERE id = (SELECT max(id) FROM run)"
	done
}

@test "cdp-status: one missed nightly delivery is flagged the same morning" {
	nightly crm 1 2 3 4 5 6
	run cdp-status --as-of 2024-06-07T01:00:00Z
	assert_equal "$status" 0
	run cdp-status --as-of 2024-06-07T02:00:59Z
	assert_equal "$status" 0
	# Its deliveries are regular: the status run after tonight's batch
	# says it missed tonight's.
	run cdp-status --as-of 2024-06-07T02:35:00Z
	assert_equal "$status" 4
	assert_equal "${lines[-1]}" "stale  crm          no data for 24.6 hours; usually every 24.0 hours (median of the last 5 intervals, each within 0 seconds of it); 1 delivery missed"
	# A source that came at 01:50 once: within 10 minutes, late past 30.
	q "UPDATE run SET started_at = '2024-06-04T01:50:00Z' WHERE started_at = '2024-06-04T02:00:00Z'"
	run cdp-status --as-of 2024-06-07T02:29:00Z
	assert_equal "$status" 0
	run cdp-status --as-of 2024-06-07T02:31:00Z
	assert_equal "$status" 4
	assert_equal "${lines[-1]}" "stale  crm          no data for 24.5 hours; usually every 24.0 hours (median of the last 5 intervals, each within 10 minutes of it); 1 delivery missed"
	run cdp-status -o late_margin=0 --as-of 2024-06-07T02:31:00Z
	assert_equal "$status" 0
	q "UPDATE run SET started_at = '2024-06-04T02:00:00Z' WHERE started_at = '2024-06-04T01:50:00Z'"
	run cdp-status --as-of 2024-06-07T07:00:00Z
	assert_equal "$status" 4
	assert_equal "${lines[-1]}" "stale  crm          no data for 29.0 hours; usually every 24.0 hours (median of the last 5 intervals); 1 delivery missed"
	# Declared: weekly, then every 12 hours; none goes back to history.
	run cdp-status expect crm 1w
	assert_equal "$status" 0
	assert_equal "$(q "SELECT cadence FROM source WHERE name = 'crm'")" 604800
	run cdp-status --as-of 2024-06-07T07:00:00Z
	assert_equal "$status" 0
	run cdp-status expect crm 12h
	run cdp-status --as-of 2024-06-07T07:00:00Z
	assert_equal "$status" 4
	assert_equal "${lines[-1]}" "stale  crm          no data for 29.0 hours; expected every 12.0 hours (declared); 2 deliveries missed"
	# Declared nightly, delivered nightly: late the same night.
	run cdp-status expect crm 1d
	run cdp-status --as-of 2024-06-07T02:35:00Z
	assert_equal "$status" 4
	assert_equal "${lines[-1]}" "stale  crm          no data for 24.6 hours; expected every 24.0 hours (declared; its last 5 intervals, each within 0 seconds of it); 1 delivery missed"
	run cdp-status expect crm none
	assert_equal "$(q "SELECT count(*) FROM source WHERE cadence IS NULL")" 1
	assert_equal "$(q "SELECT args FROM run WHERE tool = 'cdp-status' ORDER BY id")" \
	    '["cdp-status","expect","crm","1w"]
["cdp-status","expect","crm","12h"]
["cdp-status","expect","crm","1d"]
["cdp-status","expect","crm","none"]'
	# A declared cadence judges a source with little history.
	rm -f "$CDP_DB"*
	nightly web 5 6
	run cdp-status --as-of 2024-06-07T07:00:00Z
	assert_equal "$status" 0
	cdp-status expect web 1d
	run cdp-status --as-of 2024-06-07T07:00:00Z
	assert_equal "$status" 4
	assert_equal "${lines[-1]}" "stale  web          no data for 29.0 hours; expected every 24.0 hours (declared); 1 delivery missed"
	run cdp-status expect nosuch 1d
	assert_equal "$status" 1
	assert_output 'cdp-status: expect: no source "nosuch"'
	run cdp-status expect web 3x
	assert_equal "$status" 2
}

@test "cdp-status: a failed ingest's evidence says why" {
	printf 'ID;EMAIL\n1;a@example.com\n' >crm.csv
	run cdp-ingest -q -s crm -i ID_CLIENT crm.csv nosuch.csv
	assert_equal "$status" 1
	run cdp-status
	assert_equal "$status" 4
	[[ "${lines[-1]}" =~ ^failed\ \ crm\ +1\ \ cdp-ingest\ -s\ crm\ failed\ at\ [0-9T:Z-]+:\ (.*)$ ]]
	assert_equal "${BASH_REMATCH[1]}" 'crm.csv: no id field "ID_CLIENT" in the header; nosuch.csv: No such file or directory'
	run q "SELECT count(*) FROM run WHERE message LIKE '%@%'"
	assert_output 0
}

@test "cdp-status: two exports that cannot write their files are two failures" {
	cdp-ingest -q -s crm -i ID_CLIENT -c FR "$FIX/crm_fr.csv" 2>/dev/null
	cdp-segment -q define vip 'email is not null'
	cdp-segment -q eval
	run cdp-export -o nodir/a.csv --dest a changes vip
	assert_equal "$status" 1
	run cdp-export -o nodir/b.csv --dest b changes vip
	assert_equal "$status" 1
	run cdp-status
	assert_equal "$status" 4
	[[ "${lines[-2]}" =~ ^failed\ +[0-9]+\ \ cdp-export\ changes\ vip\ --dest\ a\ failed\ at\ [0-9T:Z-]+:\ nodir/a\.csv\.cdp-tmp[0-9]+:\ No\ such\ file\ or\ directory$ ]]
	[[ "${lines[-1]}" =~ ^failed\ +[0-9]+\ \ cdp-export\ changes\ vip\ --dest\ b\ failed\ at ]]
	assert_equal "$(q "SELECT count(*) FROM run WHERE tool = 'cdp-export' AND outcome = 'failed'")" 2
}

# files SOURCE NIGHT...: three ingests of SOURCE, at 20:48, 20:49 and 20:51
# of those days of December 2026, as cdp-run ingests three files a night.
files() {
	local src=$1 d m
	shift
	[ -f "$CDP_DB" ] || newdb
	q "INSERT OR IGNORE INTO source(name, created_at) VALUES ('$src', 'x')"
	for d in "$@"; do
		for m in 48 49 51; do
			run_row cdp-ingest "[\"cdp-ingest\",\"-s\",\"$src\"]" ok "2026-12-0${d}T20:${m}:00Z" "$src"
			q "UPDATE run SET rows_in = 50, rows_ok = 50 WHERE id = (SELECT max(id) FROM run)"
		done
	done
}

@test "cdp-status: several files a night are one delivery" {
	files crm 4 5 6 7
	# Right after night 4: not stale, its usual interval is a day.
	run cdp-status --as-of 2026-12-07T20:53:00Z
	assert_equal "$status" 0
	run cdp-status --as-of 2026-12-08T20:00:00Z
	assert_equal "$status" 0
	run cdp-status --as-of 2026-12-08T21:00:00Z
	assert_equal "$status" 4
	assert_equal "${lines[-1]}" "stale  crm          no data for 24.1 hours; usually every 24.0 hours (median of the last 3 intervals, each within 0 seconds of it); 1 delivery missed"
	# Each run its own delivery: the intervals between files.
	run cdp-status -o delivery_gap=0 --as-of 2026-12-07T20:55:00Z
	assert_equal "$status" 4
	assert_equal "${lines[-1]}" "stale  crm          no data for 4 minutes; usually every 2 minutes (median of the last 7 intervals); 2 deliveries missed"
	# Two nights are too little history.
	rm -f "$CDP_DB"*
	files crm 6 7
	run cdp-status --as-of 2026-12-09T20:53:00Z
	assert_equal "$status" 0
}

@test "cdp-status: a live ingest shows its rate, and its source is not stale" {
	nightly web 1 2 3 4 5
	q "INSERT INTO run(tool, args, source_id, pid, started_at, rows_in,
	    rows_ok) SELECT 'cdp-ingest', '[\"cdp-ingest\",\"-s\",\"web\"]', id,
	    $$, '2024-06-06T10:00:00Z', 900, 900 FROM source WHERE name = 'web'"
	q "INSERT INTO run_progress(run, at, rows) VALUES
	    (6, '2024-06-06T10:00:01Z', 10), (6, '2024-06-06T10:01:00Z', 100),
	    (6, '2024-06-06T10:05:00Z', 500), (6, '2024-06-06T10:09:00Z', 900)"
	run cdp-status --as-of 2024-06-06T10:10:00Z
	assert_equal "$status" 0
	expect <<-'EOF'
	run  started               seconds  in   ok   rejected  outcome  job
	  6  2024-06-06T10:00:00Z           900  900         0  live     cdp-ingest -s web

	1 live ingest:
	run  source  stored  per_minute  minutes
	  6  web        900        80.0      5.0

	no anomalies
	EOF
	# Dead, it is interrupted, and its source late.
	q "UPDATE run SET pid = 99999999 WHERE id = 6"
	run cdp-status -f ndjson --as-of 2024-06-06T10:10:00Z
	assert_equal "$status" 4
	assert_equal "${lines[0]}" '{"record":"run","run":6,"tool":"cdp-ingest","source":"web","started":"2024-06-06T10:00:00Z","seconds":null,"in":900,"ok":900,"rejected":0,"outcome":"interrupted","job":"cdp-ingest -s web"}'
	assert_equal "${lines[2]}" '{"record":"anomaly","kind":"stale","source":"web","run":null,"evidence":"no data for 32.2 hours; usually every 24.0 hours (median of the last 4 intervals); 1 delivery missed"}'
}

@test "cdp-status: a real tail -F | cdp-ingest is live while it runs" {
	mkfifo feed
	cdp-ingest -q -s web -i id <feed 3>&- &
	exec 8>feed
	head -2 "$FIX/web.ndjson" >&8
	for i in $(seq 50); do
		[ "$(q "SELECT count(*) FROM record" 2>/dev/null)" = 2 ] && break
		sleep 0.1
	done
	run cdp-status -f ndjson
	exec 8>&-
	wait
	assert_equal "$status" 0
	[[ "${lines[0]}" =~ \"in\":2,\"ok\":2,\"rejected\":0,\"outcome\":\"live\",\"job\":\"cdp-ingest\ -s\ web\"\}$ ]]
	[[ "${lines[1]}" =~ ^\{\"record\":\"live\",\"run\":1,\"source\":\"web\",\"stored\":2, ]]
	# Ended: ok, its samples gone.
	run cdp-status -f ndjson
	[[ "${lines[0]}" =~ \"outcome\":\"ok\",\"job\":\"cdp-ingest\ -s\ web\"\}$ ]]
	assert_equal "$(q "SELECT count(*) FROM run_progress")" 0
}

@test "cdp-status: drift ignores widening within numbers" {
	printf 'id,email,visits,city\n1,a@example.com,10,Paris\n' >v1.csv
	printf 'id,email,visits,city\n2,b@example.com,10.5,Lyon\n' >v2.csv
	printf 'id,email,visits,city\n3,c@example.com,12,Nice\n' >v3.csv
	cdp-ingest -q -s s -i id v1.csv
	cdp-ingest -q -s s -i id v2.csv
	run cdp-status
	assert_equal "$status" 0
	assert_equal "${lines[-1]}" "no anomalies"
	cdp-ingest -q -s s -i id v3.csv
	run cdp-status
	assert_equal "$status" 0
	# A real change of type is still drift.
	printf 'id,email,visits,city\n4,d@example.com,cheap,Nice\n' >v4.csv
	cdp-ingest -q -s s -i id v4.csv
	run cdp-status
	assert_equal "$status" 4
	[[ "${lines[-1]}" =~ ^drift\ +s\ +4\ +type\ attr.visits\ (integer|number)\ -\>\ string ]]
}
