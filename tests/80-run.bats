#!/usr/bin/env bats
# cdp-run: the nightly batch over a spool: files moved, the lock, a
# failed file and its resumption, the same database from the same
# spool, the later steps and their exit statuses.

load test_helper
bats_require_minimum_version 1.5.0

setup() {
	common_setup
	T=$BATS_TEST_TMPDIR
	# A bin directory holding only what a test gives cdp-run: the real
	# cdp-ingest, and fake later steps when a test wants them.
	mkdir -p "$T/bin"
	ln -s "$(command -v cdp-ingest)" "$T/bin/cdp-ingest"
	ln -s "$(command -v cdp-run || echo "$CDP_TOP/scripts/cdp-run")" \
	    "$T/bin/cdp-run"
	export PATH="$T/bin:/usr/bin:/bin"
	mkdir -p "$T/spool/crm/incoming" "$T/spool/web/incoming"
	printf '@id ID_CLIENT\n@country FR\n@date-format %%d/%%m/%%Y\n' \
	    >"$T/spool/crm/crm.map"
	printf '@id id\n@format ndjson\nemail=user.email\nevent_type=event\n' \
	    >"$T/spool/web/web.map"
	cp "$FIX/crm_fr.csv" "$T/spool/crm/incoming/01-crm.csv"
	printf 'ID_CLIENT;PRENOM;EMAIL\nC004;Luc;luc@example.fr\n' \
	    >"$T/spool/crm/incoming/02-crm.csv"
	cp "$FIX/web.ndjson" "$T/spool/web/incoming/a.ndjson"
	cat >"$T/run.conf" <<-EOF
	# test configuration
	spool	$T/spool
	db	$CDP_DB
	log	$T/log
	EOF
}

files() {
	(cd "$T/spool" && find . -type f ! -name .cdp-run.lock | sort)
}

# catalog_dump: the catalog without its time stamps and run ids.
catalog_dump() {
	sqlite3 -batch "${1:-$CDP_DB}" "SELECT s.name, c.field, c.type,
	    c.present, c.distinct_est, c.top_values, cs.records
	    FROM catalog c JOIN source s ON s.id = c.source_id
	    JOIN catalog_source cs ON cs.source_id = c.source_id
	    ORDER BY 1, 2"
}

@test "cdp-run: each file ingested in name order and moved to done/" {
	run --separate-stderr cdp-run -c "$T/run.conf"
	assert_equal "$status" 0
	assert_equal "$stderr" ""
	run files
	expect <<-'EOF'
	./crm/crm.map
	./crm/done/01-crm.csv
	./crm/done/02-crm.csv
	./web/done/a.ndjson
	./web/web.map
	EOF
	run q "SELECT s.name, substr(json_extract(r.args, '\$[#-1]'),
	    length('$T') + 2), r.outcome FROM run r
	    JOIN source s ON s.id = r.source_id ORDER BY r.id"
	expect <<-'EOF'
	crm|spool/crm/incoming/01-crm.csv|ok
	crm|spool/crm/incoming/02-crm.csv|ok
	web|spool/web/incoming/a.ndjson|ok
	EOF
	run q "SELECT count(*) FROM record"
	assert_output "7"
	# One log per run, telling each step.
	run sh -c "ls '$T/log' | wc -l"
	assert_output "1"
	run sh -c "grep '^[0-9]\{4\}-' '$T'/log/cdp-run-*.log | cut -d' ' -f2-"
	expect <<-EOF
	start: spool $T/spool, database $CDP_DB, log $T/log/$(ls "$T/log")
	crm: 01-crm.csv: ingested
	crm: 02-crm.csv: ingested
	web: a.ndjson: ingested
	match | merge: skipped: cdp-match not installed
	match | merge: skipped: cdp-merge not installed
	score: skipped: cdp-score not installed
	segment: skipped: cdp-segment not installed
	report: skipped: cdp-report not installed
	end: exit 0
	EOF
}

@test "cdp-run: a file with rejected records is done, its rejects beside; exit 3" {
	cp "$FIX/bad.ndjson" "$T/spool/web/incoming/b.ndjson"
	run --separate-stderr cdp-run -c "$T/run.conf"
	assert_equal "$status" 3
	assert_equal "$stderr" "cdp-run: web: b.ndjson: ingested, some records rejected (see $T/spool/web/rejects/b.ndjson.ndjson)"
	run files
	expect <<-'EOF'
	./crm/crm.map
	./crm/done/01-crm.csv
	./crm/done/02-crm.csv
	./web/done/a.ndjson
	./web/done/b.ndjson
	./web/rejects/b.ndjson.ndjson
	./web/web.map
	EOF
	run sh -c "wc -l <'$T/spool/web/rejects/b.ndjson.ndjson'"
	assert_output "6"
}

@test "cdp-run: a failed file goes to failed/, the others go on; resumed after a fix" {
	printf 'PRENOM;EMAIL\nAnne;anne@example.fr\n' \
	    >"$T/spool/crm/incoming/015-noid.csv"
	run --separate-stderr cdp-run -c "$T/run.conf"
	assert_equal "$status" 1
	assert_equal "$stderr" "cdp-run: crm: 015-noid.csv: not ingested (exit 1), moved to $T/spool/crm/failed; see $(ls "$T"/log/*.log)"
	run files
	expect <<-'EOF'
	./crm/crm.map
	./crm/done/01-crm.csv
	./crm/done/02-crm.csv
	./crm/failed/015-noid.csv
	./web/done/a.ndjson
	./web/web.map
	EOF
	# Fixed by hand and put back: the next run ingests it.
	printf 'ID_CLIENT;PRENOM;EMAIL\nC005;Anne;anne@example.fr\n' \
	    >"$T/spool/crm/incoming/015-noid.csv"
	rm "$T/spool/crm/failed/015-noid.csv"
	sleep 1	# a new log name (one per second)
	run --separate-stderr cdp-run -c "$T/run.conf"
	assert_equal "$status" 0
	run q "SELECT record_id FROM record WHERE source_id =
	    (SELECT id FROM source WHERE name = 'crm') ORDER BY 1"
	expect <<-'EOF'
	C001
	C002
	C003
	C004
	C005
	EOF
	run sh -c "ls '$T/log' | wc -l"
	assert_output "2"
}

@test "cdp-run: a second run while one holds the lock exits 5 at once" {
	run --separate-stderr flock "$T/spool/.cdp-run.lock" \
	    cdp-run -c "$T/run.conf"
	assert_equal "$status" 5
	assert_equal "$stderr" "cdp-run: another run holds $T/spool/.cdp-run.lock; not starting"
	run files
	expect <<-'EOF'
	./crm/crm.map
	./crm/incoming/01-crm.csv
	./crm/incoming/02-crm.csv
	./web/incoming/a.ndjson
	./web/web.map
	EOF
	[ ! -e "$CDP_DB" ]
}

@test "cdp-run: the same spool gives the same database; a re-run changes nothing" {
	cp -R "$T/spool" "$T/spool2"
	cdp-run -c "$T/run.conf"
	sed -e "s|$T/spool|$T/spool2|" -e "s|$CDP_DB|$T/other.db|" \
	    "$T/run.conf" >"$T/run2.conf"
	cdp-run -c "$T/run2.conf"
	dump >one
	catalog_dump >>one
	dump "$T/other.db" >two
	catalog_dump "$T/other.db" >>two
	diff -u one two
	[ "$(wc -l <one)" -gt 20 ]
	# The files delivered again: nothing is counted twice.
	mv "$T"/spool/crm/done/* "$T/spool/crm/incoming/"
	cp "$T"/spool/web/done/* "$T/spool/web/incoming/"
	cdp-run -c "$T/run.conf"
	dump >three
	catalog_dump >>three
	diff -u one three
	run q "SELECT inserted, updated, unchanged FROM run ORDER BY id DESC
	    LIMIT 1"
	assert_output "0|0|3"
	# Names already in done/ are kept: the second copy gets a suffix.
	run sh -c "ls '$T/spool/web/done'"
	expect <<-'EOF'
	a.ndjson
	a.ndjson.1
	EOF
}

@test "cdp-run: later steps in order with their arguments; exports; worst status" {
	calls=$T/calls
	for t in match merge score segment export report; do
		cat >"$T/bin/cdp-$t" <<-EOF
		#!/bin/sh
		if [ "$t" = merge ]; then
			echo "merge \$* read \$(wc -l) pairs" >>"$calls"
		else
			echo "$t \$*" >>"$calls"
		fi
		[ "$t" = match ] && echo '{"a":1,"b":2}' 
		[ "$t" = export ] && echo "profile_id,email"
		exit \${FAIL_$t:-0}
		EOF
		chmod +x "$T/bin/cdp-$t"
	done
	cat >>"$T/run.conf" <<-EOF
	match	-t 0.9
	segment	-q eval vip
	exports	$T/out
	export	profiles.csv -f csv profiles
	export	vip-{stamp}.csv -f csv segment vip
	report	$T/rep
	EOF
	run --separate-stderr cdp-run -c "$T/run.conf"
	assert_equal "$status" 0
	# The report last, once the exports are out.
	run tail -1 "$calls"
	assert_output "report -q -o $T/rep"
	run head -6 "$calls"
	expect <<-'EOF'
	match -t 0.9
	merge  read 1 pairs
	score 
	segment -q eval vip
	export -f csv profiles
	export -f csv segment vip
	EOF
	run cat "$T/out/profiles.csv"
	assert_output "profile_id,email"
	run sh -c "ls '$T/out' | sed 's/[0-9]\{8\}T[0-9]\{6\}Z/STAMP/'"
	expect <<-'EOF'
	profiles.csv
	vip-STAMP.csv
	EOF
	# A failing step is reported; the later ones still run; exit 1.
	: >"$calls"
	FAIL_score=1 FAIL_export=2 run --separate-stderr cdp-run -c "$T/run.conf"
	assert_equal "$status" 1
	assert_equal "${stderr_lines[0]}" "cdp-run: score: failed (exit 1); see $(ls -t "$T"/log/*.log | head -1)"
	assert_equal "${stderr_lines[1]}" "cdp-run: export profiles.csv: failed (exit 2); see $(ls -t "$T"/log/*.log | head -1)"
	run grep -c . "$calls"
	assert_output "7"
}

@test "cdp-run: configuration errors" {
	printf 'spool %s\nbogus 1\n' "$T/spool" >"$T/bad.conf"
	run --separate-stderr cdp-run -c "$T/bad.conf"
	assert_equal "$status" 2
	assert_equal "$stderr" "cdp-run: $T/bad.conf:2: unknown setting \"bogus\""
	printf 'spool %s\n' "$T/nospool" >"$T/bad.conf"
	run --separate-stderr cdp-run -c "$T/bad.conf"
	assert_equal "$status" 2
	assert_equal "$stderr" "cdp-run: $T/nospool: no such spool directory"
	run cdp-run -x
	assert_equal "$status" 2
	run cdp-run extra
	assert_equal "$status" 2
}

@test "cdp-run: its log and exports are private whatever the umask" {
	umask 000
	ln -s "${BIN%/}/cdp-export" "$T/bin/cdp-export"
	rm -rf spool && mkdir -p spool/crm/incoming
	cp "$CDP_TOP/share/spool/crm/crm.map" spool/crm/
	cp "$CDP_TOP"/share/spool/crm/incoming/* spool/crm/incoming/
	printf 'spool\t%s\ndb\t%s\nlog\t%s\nlock\t%s\nexports\t%s\nexport\tp.csv -f csv profiles\n' \
	    "$PWD/spool" "$CDP_DB" "$PWD/log" "$PWD/lock" "$PWD/exports" >run.conf
	run cdp-run -c run.conf
	assert_equal "$status" 0
	run find log exports -type f ! -perm 600
	assert_output ""
	run find log exports -type f
	[ "${#lines[@]}" -ge 2 ]
}
