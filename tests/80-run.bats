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
	run -0 q "SELECT count(*) FROM reject"
	assert_output 6
	# The same file left in incoming (an interrupted run) and read
	# again: its rejects once, in the file and in the store.
	cp "$T/spool/web/done/b.ndjson" "$T/spool/web/incoming/b.ndjson"
	run -3 cdp-run -c "$T/run.conf"
	run sh -c "wc -l <'$T/spool/web/rejects/b.ndjson.ndjson'"
	assert_output "6"
	run -0 q "SELECT count(*) FROM reject"
	assert_output 6
	run -0 stat -c %a "$T/spool/web/rejects/b.ndjson.ndjson"
	assert_output 600
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
		[ "$t" = export ] && [ "\$1" = -o ] && exec >"\$2"
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
	run sh -c "head -6 '$calls' | sed 's/[0-9]\{8\}T[0-9]\{6\}Z/STAMP/'"
	expect <<-EOF
	match -t 0.9
	merge  read 1 pairs
	score 
	segment -q eval vip
	export -o $T/out/profiles.csv -f csv profiles
	export -o $T/out/vip-STAMP.csv -f csv segment vip
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

@test "cdp-run: the temporaries that killed exports left under other nights' names go at the next run" {
	ln -s "${BIN%/}/cdp-export" "$T/bin/cdp-export"
	sh -c 'exit 0' &
	dead=$!
	wait "$dead"
	mkdir -m 700 "$T/out"
	(umask 077
	 : >"$T/out/p-20260101T020000Z.csv.cdp-tmp$dead"
	 : >"$T/out/p-20251231T020000Z.csv.tmp$dead"
	 : >"$T/out/keep.csv")
	printf 'exports\t%s\nexport\tp-{stamp}.csv profiles\n' "$T/out" >>"$T/run.conf"
	run -0 cdp-run -c "$T/run.conf"
	run -0 ls "$T/out"
	assert_equal "${#lines[@]}" 2
	assert_line --index 0 keep.csv
	[[ ${lines[1]} =~ ^p-[0-9]{8}T[0-9]{6}Z\.csv$ ]]
}

@test "cdp-run: only regular files of their own are ingested; links, FIFOs refused" {
	printf 'ID_CLIENT;PRENOM;EMAIL\nS1;Root;root@example.fr\n' >"$T/secret.csv"
	ln -s "$T/secret.csv" "$T/spool/crm/incoming/00-link.csv"
	ln "$T/secret.csv" "$T/spool/crm/incoming/00-hard.csv"
	mkfifo "$T/spool/crm/incoming/00-fifo.csv"
	run --separate-stderr cdp-run -c "$T/run.conf"
	assert_equal "$status" 1
	output=$stderr
	expect - <<-EOF
	cdp-run: crm: 00-fifo.csv: not a regular file of its own (a link, a FIFO, a device?): refused, moved to $T/spool/crm/failed
	cdp-run: crm: 00-hard.csv: not a regular file of its own (a link, a FIFO, a device?): refused, moved to $T/spool/crm/failed
	cdp-run: crm: 00-link.csv: not a regular file of its own (a link, a FIFO, a device?): refused, moved to $T/spool/crm/failed
	EOF
	run -0 q "SELECT count(*) FROM record WHERE record_id = 'S1'"
	assert_output 0
	[ -L "$T/spool/crm/failed/00-link.csv" ] && [ -p "$T/spool/crm/failed/00-fifo.csv" ]
	run -0 q "SELECT count(*) FROM record"
	assert_output 7
}

@test "cdp-run: export names stay in the exports directory; runs in one second, stamps in their order" {
	printf 'spool %s\nexport ../x.csv profiles\n' "$T/spool" >"$T/bad.conf"
	run --separate-stderr cdp-run -c "$T/bad.conf"
	assert_equal "$status" 2
	assert_equal "$stderr" "cdp-run: $T/bad.conf:2: export file name \"../x.csv\" must be a plain name inside the exports directory"
	printf 'spool %s\nexport /../outside/x.csv profiles\n' "$T/spool" >"$T/bad.conf"
	run -2 cdp-run -c "$T/bad.conf"
	printf 'spool %s\nexport .hidden profiles\n' "$T/spool" >"$T/bad.conf"
	run -2 cdp-run -c "$T/bad.conf"
	# Time stands still but for sleep, which moves it one second: the
	# three runs start in the same second, the next ones wait for theirs.
	echo 1767225600 >"$T/now"
	printf '#!/bin/sh\nexec /bin/date -d @"$(cat "%s/now")" "$@"\n' "$T" >"$T/bin/date"
	printf '#!/bin/sh\necho $(($(cat "%s/now") + 1)) >"%s/now"\necho "sleep $*" >>"%s/slept"\n' "$T" "$T" "$T" >"$T/bin/sleep"
	chmod +x "$T/bin/date" "$T/bin/sleep"
	printf '#!/bin/sh\n[ "$1" = -o ] && exec >"$2"\necho "run $$"\n' >"$T/bin/cdp-export"
	chmod +x "$T/bin/cdp-export"
	printf 'exports\t%s\nexport\tp-{stamp}.csv profiles\n' "$T/out" >>"$T/run.conf"
	run -0 cdp-run -c "$T/run.conf"
	run -0 cdp-run -c "$T/run.conf"
	run -0 cdp-run -c "$T/run.conf"
	run -0 ls "$T/out" "$T/log"
	expect <<-EOF
	$T/log:
	cdp-run-20260101T000000Z.log
	cdp-run-20260101T000001Z.log
	cdp-run-20260101T000002Z.log

	$T/out:
	p-20260101T000000Z.csv
	p-20260101T000001Z.csv
	p-20260101T000002Z.csv
	EOF
	# Name order is delivery order: each file from its own run.
	run -0 cat "$T"/out/*.csv
	assert_equal "${#lines[@]}" 3
	[ "${lines[0]}" != "${lines[1]}" ] && [ "${lines[1]}" != "${lines[2]}" ]
	run -0 cat "$T/slept"
	expect <<-'EOF'
	sleep 0.1
	sleep 0.1
	EOF
	# A clock that does not move at all: an error, not a loop.
	printf '#!/bin/sh\n' >"$T/bin/sleep"
	run --separate-stderr cdp-run -c "$T/run.conf"
	assert_equal "$status" 1
	assert_equal "$stderr" "cdp-run: $T/log/cdp-run-20260101T000002Z.log: taken, and the clock does not move: no time stamp for this run"
	run -0 ls "$T/out"
	assert_equal "${#lines[@]}" 3
}

@test "cdp-run: exports and the report in the caller's locale, the batch itself in C" {
	# A fake cdp-export and cdp-report that say the locale they got.
	printf '#!/bin/sh\n[ "$1" = -o ] && exec >"$2"\necho "LC_ALL=${LC_ALL-unset} LC_NUMERIC=${LC_NUMERIC-unset}"\n' >"$T/bin/cdp-export"
	printf '#!/bin/sh\nmkdir -p "$3"\necho "LC_ALL=${LC_ALL-unset} LANG=${LANG-unset}" >"$3/locale"\n' >"$T/bin/cdp-report"
	chmod +x "$T/bin/cdp-export" "$T/bin/cdp-report"
	printf 'exports\t%s\nexport\tp.csv --excel profiles\nreport\t%s\n' \
	    "$T/out" "$T/rep" >>"$T/run.conf"
	# As cron runs it: no locale but the crontab's LC_NUMERIC line.
	run -0 env -i PATH="$PATH" LC_NUMERIC=fr_FR.UTF-8 cdp-run -c "$T/run.conf"
	run cat "$T/out/p.csv" "$T/rep/locale"
	expect <<-'EOF'
	LC_ALL=unset LC_NUMERIC=fr_FR.UTF-8
	LC_ALL=unset LANG=unset
	EOF
	# A caller's LC_ALL is given back as it was.
	run -0 env -i PATH="$PATH" LC_ALL=fr_FR.UTF-8 cdp-run -c "$T/run.conf"
	run cat "$T/out/p.csv" "$T/rep/locale"
	expect <<-'EOF'
	LC_ALL=fr_FR.UTF-8 LC_NUMERIC=unset
	LC_ALL=fr_FR.UTF-8 LANG=unset
	EOF
}

@test "cdp-ingest under cdp-run (CDP_NOFOLLOW): what was opened is checked, not the name" {
	printf 'ID_CLIENT;PRENOM;EMAIL\nS1;Root;root@example.fr\n' >"$T/secret.csv"
	ln -s "$T/secret.csv" link.csv
	ln "$T/secret.csv" hard.csv
	run --separate-stderr env CDP_NOFOLLOW=1 cdp-ingest -q -s x -i ID_CLIENT link.csv
	assert_equal "$status" 1
	assert_equal "$stderr" "cdp-ingest: link.csv: Too many levels of symbolic links"
	run --separate-stderr env CDP_NOFOLLOW=1 cdp-ingest -q -s x -i ID_CLIENT hard.csv
	assert_equal "$status" 1
	assert_equal "$stderr" "cdp-ingest: hard.csv: Operation not permitted"
	run -0 q "SELECT count(*) FROM record"
	assert_output 0
	run -0 env CDP_NOFOLLOW=1 cdp-ingest -q -s x -i ID_CLIENT "$T/spool/crm/incoming/02-crm.csv"
}

# holders FILE...: those of the files that hold a line of $T/tokens.
holders() {
	grep -r -l -s -a -i -F -f "$T/tokens" "$@" | sort
}

# The real tools after cdp-ingest, for the tests that run them all.
real_tools() {
	for t in match merge score segment export privacy; do
		ln -s "${BIN%/}/cdp-$t" "$T/bin/cdp-$t"
	done
}

@test "cdp-run, then cdp-privacy -r: nothing of the erased person anywhere, nothing back on re-delivery" {
	real_tools
	# Jean (C001 of the fixture) comes back as C006, and as C007 with
	# his names and birth date alone.
	printf 'ID_CLIENT;PRENOM;NOM;EMAIL;TELEPHONE;DATE_NAISSANCE\n%s\n%s\n%s\n%s\n' \
	    ';Jean;DUPONT;jean.dupont@example.fr;06 12 34 56 78;' \
	    'C005;Ana;Lopez;ana.lopez@example.fr;07 11 22 33 44;' \
	    'C006;Jean;DUPONT;jean.dupont@example.fr;06 12 34 56 78;15/03/1985' \
	    'C007;Jean-François;Dupont;;;15/03/1985' \
	    >"$T/spool/crm/incoming/02-crm.csv"
	printf '%s\n' \
	    '{"id":"web-jd-01","user":{"email":"JEAN.DUPONT@example.fr","anon":"ck-77"},"event":"login","ts":"2024-03-01T10:00:00Z"}' \
	    '{"id":"web-jd-02","user":{"anon":"ck-77"},"event":"page_view","ts":"2024-03-01T10:01:00Z"}' \
	    '{"id":"web-jd-03","user":{"email":"Jean.Dupont@@example.fr","anon":"ck-77"},"event":"page_view","ts":"2024-03-01T10:02:00Z"}' \
	    >"$T/spool/web/incoming/b.ndjson"
	printf 'anonymous_id=user.anon\n' >>"$T/spool/web/web.map"
	cp -r "$T/spool" "$T/delivered"
	cat >>"$T/run.conf" <<-EOF
	match	-q
	merge
	score	-q
	exports	$T/out
	export	all.csv -q -F profile_id,email,phone,first_name,last_name profiles
	export	ads.csv -q -H sha256 -F email,phone profiles
	EOF
	run --separate-stderr cdp-run -c "$T/run.conf"
	assert_equal "$status" 3
	# A user's own export, hashed, outside cdp-run's folders.
	mkdir "$T/mine"
	cdp-export -q -o "$T/mine/vip.csv" -H sha256 \
	    -F profile_id,email,phone,last_name profiles
	# The person is everywhere before: identifiers, names, birth
	# dates, the hashed forms the exports used, the record ids.
	printf '%s\n' dupont Jean-François jean.dupont@example.fr \
	    '06 12 34 56 78' +33612345678 \
	    "$(printf %s jean.dupont@example.fr | sha256sum | cut -c1-64)" \
	    "$(printf %s +33612345678 | sha256sum | cut -c1-64)" ck-77 \
	    1985-03-15 15/03/1985 C001 C006 C007 web-jd-01 web-jd-02 >"$T/tokens"
	# The log never named them: warnings and merge messages carry no
	# value of a record.
	run holders "$T/log"
	assert_output ""
	run grep -c -e '^cdp-merge: ' -e 'b.ndjson:3: invalid email in user.email$' \
	    "$T"/log/*.log
	assert_output 2
	run holders "$T/spool" "$T/out" "$T/mine"
	expect <<-EOF
	$T/mine/vip.csv
	$T/out/ads.csv
	$T/out/all.csv
	$T/spool/crm/done/01-crm.csv
	$T/spool/crm/done/02-crm.csv
	$T/spool/crm/rejects/02-crm.csv.ndjson
	$T/spool/web/done/b.ndjson
	EOF
	# Identity's evidence holds the compared values (C007 is Jean by
	# his names and birth date alone).
	evidence="SELECT count(*) FROM link WHERE evidence LIKE '%dupont%'
	    AND evidence LIKE '%1985-03-15%'"
	run q "$evidence"
	assert_output 1
	run --separate-stderr cdp-privacy -r "$T/run.conf" erase jean.dupont@example.fr
	assert_equal "$status" 0
	# The recipients are named by the files they got.
	assert_line --regexp "^  export [0-9]+  [0-9TZ:-]+  profiles  to $T/out/all.csv\$"
	assert_line --regexp "^  export [0-9]+  [0-9TZ:-]+  profiles  to $T/out/ads.csv\$"
	assert_line --regexp "^  export [0-9]+  [0-9TZ:-]+  profiles  to $T/mine/vip.csv\$"
	assert_equal "$(printf '%s\n' "$output" | sed -n '/^files rewritten/,$p')" "\
files rewritten (cdp-run's spool, log, exports and report):
  $T/spool/crm/done/01-crm.csv: 1 record removed
  $T/spool/crm/done/02-crm.csv: 3 records removed
  $T/spool/crm/rejects/02-crm.csv.ndjson: deleted
  $T/spool/web/done/b.ndjson: deleted
  $T/out/ads.csv: 3 records removed
  $T/out/all.csv: 3 records removed
  files            6
export files (cdp-export -o, in export_log.path):
  $T/mine/vip.csv: 3 records removed
  files            1"
	run q "$evidence"
	assert_output 0
	run holders "$T/spool" "$T/log" "$T/out" "$T/mine" "$CDP_DB" \
	    "$CDP_DB-wal" "$CDP_DB-shm"
	assert_output ""
	# Not a piece of the CSV record whose address spans two lines.
	run grep -c 'timent B' "$T/spool/crm/done/01-crm.csv"
	assert_output 0
	# The others are still there, whole.
	run grep -c -i -F -e ana.lopez -e elodie.martin -e zoe@ \
	    "$T/spool/crm/done/01-crm.csv" "$T/spool/crm/done/02-crm.csv" \
	    "$T/out/all.csv"
	expect <<-EOF
	$T/spool/crm/done/01-crm.csv:2
	$T/spool/crm/done/02-crm.csv:1
	$T/out/all.csv:3
	EOF
	# The same files delivered again bring nothing of the person back,
	# neither into the database nor into the copies kept in done/.
	cp "$T"/delivered/crm/incoming/* "$T/spool/crm/incoming/"
	cp "$T"/delivered/web/incoming/* "$T/spool/web/incoming/"
	run --separate-stderr cdp-run -c "$T/run.conf"
	assert_equal "$status" 0
	run holders "$T/spool" "$T/out" "$T/log" \
	    "$T/mine" "$CDP_DB" "$CDP_DB-wal" "$CDP_DB-shm"
	assert_output ""
	run grep -c -i -F -e ana.lopez -e elodie.martin -e zoe@ \
	    "$T/spool/crm/done/01-crm.csv.1" "$T/spool/crm/done/02-crm.csv.1"
	expect <<-EOF
	$T/spool/crm/done/01-crm.csv.1:2
	$T/spool/crm/done/02-crm.csv.1:1
	EOF
	run sqlite3 "$CDP_DB" "SELECT tool, suppressed FROM run
	    WHERE tool = 'cdp-ingest' AND suppressed > 0 ORDER BY id"
	expect <<-'EOF'
	cdp-ingest|1
	cdp-ingest|3
	cdp-ingest|3
	EOF
}

@test "cdp-run: kept files older than the retention window are deleted" {
	mkdir -p "$T/spool/crm/done" "$T/spool/crm/rejects" "$T/spool/web/failed" \
	    "$T/out" "$T/log"
	mkdir -p "$T/report"
	for f in spool/crm/done/old.csv spool/crm/rejects/old.csv.ndjson \
	    spool/web/failed/old.ndjson out/old.csv log/cdp-run-old.log \
	    report/customer-7.html; do
		echo x >"$T/$f"
		touch -d '11 days ago' "$T/$f"
	done
	echo x >"$T/out/recent.csv"
	touch -d '9 days ago' "$T/out/recent.csv"
	# A file delivered with an old time stamp is kept from its ingest.
	touch -d '40 days ago' "$T/spool/crm/incoming/02-crm.csv"
	printf 'exports\t%s\nreport\t%s\nretention\t10\n' "$T/out" "$T/report" \
	    >>"$T/run.conf"
	run --separate-stderr cdp-run -c "$T/run.conf"
	assert_equal "$status" 0
	run files
	expect <<-'EOF'
	./crm/crm.map
	./crm/done/01-crm.csv
	./crm/done/02-crm.csv
	./web/done/a.ndjson
	./web/web.map
	EOF
	run ls "$T/out" "$T/log"
	assert_line recent.csv
	refute_line old.csv
	refute_line cdp-run-old.log
	# An old customer page of cdp-report -p too.
	run ls -A "$T/report"
	assert_output ""
	run grep -c 'retention: 6 files older than 10 days deleted' "$T"/log/*.log
	assert_output 1
	printf 'retention\tten\n' >>"$T/run.conf"
	run --separate-stderr cdp-run -c "$T/run.conf"
	assert_equal "$status" 2
	assert_equal "$stderr" "cdp-run: $T/run.conf:8: retention needs a number of days"
}

@test "cdp-run: retain erases the inactive profiles each night, kept files included" {
	real_tools
	printf '%s\n' \
	    '{"id":"o1","user":{"email":"old.client@example.fr"},"event":"purchase","ts":"2019-05-01T10:00:00Z"}' \
	    '{"id":"o2","user":{"email":"recent@example.fr"},"event":"purchase","ts":"2026-01-01T10:00:00Z"}' \
	    >"$T/spool/web/incoming/b.ndjson"
	printf 'match\t-q\nmerge\t-q\nretain\t3y\n' >>"$T/run.conf"
	run --separate-stderr cdp-run -c "$T/run.conf"
	assert_equal "$status" 0
	run sqlite3 "$CDP_DB" "SELECT record_id FROM record WHERE record_id IN
	    ('o1', 'o2')"
	assert_output o2
	run grep -c -r old.client "$T/spool" "$T/log" "$CDP_DB"
	refute_line --regexp ':[1-9]'
	run grep -h -e 'retain 3y' -e '^profiles with no activity' "$T"/log/*.log
	assert_line --regexp '^profiles with no activity since [0-9T:Z-]+: 1$'
	assert_line --regexp '^[0-9T:Z-]+ retain 3y: ok$'
	run grep -c "b.ndjson: 1 record removed" "$T"/log/*.log
	assert_output 1
}

@test "cdp-run: a file delivered again after an erasure is kept without the person's records; kept files are 0600" {
	real_tools
	printf '%s\n' \
	    '{"id":"w1","user":{"email":"jean.dupont@example.fr","anon":"ck-77"},"event":"login"}' \
	    '{"id":"w2","user":{"anon":"ck-77"},"event":"page_view"}' \
	    '{"id":"w3","user":{"email":"luc@example.fr"},"event":"login"}' \
	    >"$T/spool/web/incoming/b.ndjson"
	printf 'anonymous_id=user.anon\n' >>"$T/spool/web/web.map"
	cp -r "$T/spool" "$T/delivered"
	printf 'match\t-q\nmerge\t-q\n' >>"$T/run.conf"
	umask 022
	# One kept by an older cdp-run, as it was delivered.
	mkdir -p "$T/spool/web/done"
	printf '{"id":"w0"}\n' >"$T/spool/web/done/0.ndjson"
	chmod 644 "$T/spool/web/done/0.ndjson"
	run --separate-stderr cdp-run -c "$T/run.conf"
	assert_equal "$status" 0
	# Private like the folders they are in, whatever the umask.
	run stat -c '%a %n' "$T"/spool/crm/done/* "$T"/spool/web/done/*
	expect <<-EOF
	600 $T/spool/crm/done/01-crm.csv
	600 $T/spool/crm/done/02-crm.csv
	600 $T/spool/web/done/0.ndjson
	600 $T/spool/web/done/a.ndjson
	600 $T/spool/web/done/b.ndjson
	EOF
	rm "$T/spool/web/done/0.ndjson"
	cdp-privacy -q -r "$T/run.conf" erase jean.dupont@example.fr >/dev/null
	printf '%s\n' dupont jean.dupont@example.fr '06 12 34 56 78' ck-77 \
	    C001 '"w1"' '"w2"' >"$T/tokens"
	run holders "$T/spool" "$T/log"
	assert_output ""
	# The sources send the same files again: refused at ingest, and
	# not kept either.
	cp "$T"/delivered/crm/incoming/* "$T/spool/crm/incoming/"
	cp "$T"/delivered/web/incoming/* "$T/spool/web/incoming/"
	run --separate-stderr cdp-run -c "$T/run.conf"
	assert_equal "$status" 0
	run holders "$T/spool" "$T/log" "$CDP_DB"
	assert_output ""
	run q "SELECT sum(suppressed) FROM run WHERE tool = 'cdp-ingest'"
	assert_output 3
	run files
	expect <<-'EOF'
	./crm/crm.map
	./crm/done/01-crm.csv
	./crm/done/01-crm.csv.1
	./crm/done/02-crm.csv
	./crm/done/02-crm.csv.1
	./web/done/a.ndjson
	./web/done/a.ndjson.1
	./web/done/b.ndjson
	./web/done/b.ndjson.1
	./web/web.map
	EOF
	# Only her records went: the others are kept whole.
	run diff "$T/spool/crm/done/01-crm.csv" "$T/spool/crm/done/01-crm.csv.1"
	assert_equal "$status" 0
	run cat "$T/spool/web/done/b.ndjson.1"
	assert_output '{"id":"w3","user":{"email":"luc@example.fr"},"event":"login"}'
	run stat -c %a "$T/spool/crm/done/01-crm.csv.1" "$T/spool/web/done/b.ndjson.1"
	expect <<-'EOF'
	600
	600
	EOF
	run grep -h 'record.* removed$' "$T"/log/*.log
	expect <<-EOF
	$T/spool/crm/done/01-crm.csv.1: 1 record removed
	$T/spool/web/done/b.ndjson.1: 2 records removed
	EOF
}

@test "cdp-privacy -r: the person's customer page and every report page holding them leave cdp-run's report folder" {
	real_tools
	ln -s "${BIN%/}/cdp-report" "$T/bin/cdp-report"
	printf 'match\t-q\nmerge\t-q\nreport\t%s\n' "$T/report" >>"$T/run.conf"
	run --separate-stderr cdp-run -c "$T/run.conf"
	assert_equal "$status" 0
	jean=$(cdp-report -q -o "$T/report" -p jean.dupont@example.fr)
	elodie=$(cdp-report -q -o "$T/report" -p elodie.martin@gmail.com)
	# A page a user saved there, quoting her.
	printf '<p>Mail from <a>Jean.Dupont@Example.FR</a></p>\n' \
	    >"$T/report/notes.html"
	printf '%s\n' dupont jean.dupont@example.fr '06 12 34 56 78' \
	    Jean-François >"$T/tokens"
	run holders "$T/report"
	expect <<-EOF
	$jean
	$T/report/notes.html
	EOF
	run --separate-stderr cdp-privacy -r "$T/run.conf" erase -n jean.dupont@example.fr
	assert_equal "$status" 0
	assert_equal "$(printf '%s\n' "$output" | sed -n '/^files holding/,/^  files/p')" "\
files holding the person (cdp-run's spool, log, exports and report):
  $T/spool/crm/done/01-crm.csv: 1 record to remove
  $jean: deleted
  $T/report/notes.html: deleted
  files            3"
	assert [ -e "$jean" ]
	run --separate-stderr cdp-privacy -r "$T/run.conf" erase jean.dupont@example.fr
	assert_equal "$status" 0
	assert_equal "$(printf '%s\n' "$output" | sed -n '/^files rewritten/,/^  files/p')" "\
files rewritten (cdp-run's spool, log, exports and report):
  $T/spool/crm/done/01-crm.csv: 1 record removed
  $jean: deleted
  $T/report/notes.html: deleted
  files            3"
	run holders "$T/report" "$T/spool"
	assert_output ""
	# The other pages stay.
	run ls "$T/report"
	expect <<-EOF
	${elodie##*/}
	datamap.html
	identity.html
	index.html
	scores.html
	segments.html
	EOF
}

@test "cdp-privacy -r: a file that had delivered the person's exit is rewritten and their exit queued again; its logged digest follows the rewrite" {
	real_tools
	cat >>"$T/run.conf" <<-EOF
	match	-q
	merge	-q
	exports	$T/out
	export	brevo-{stamp}.csv -q -c email -F email,first_name changes all --dest brevo
	EOF
	# The first night, before the segment is defined, fails its export.
	run -1 cdp-run -c "$T/run.conf"
	cdp-segment -q define all 'true'
	for e in jean.dupont@example.fr elodie.martin@gmail.com luc@example.fr; do
		cdp-privacy -q consent "$e" email granted
	done
	run -0 cdp-run -c "$T/run.conf"
	cdp-privacy -q consent jean.dupont@example.fr email denied
	run -0 cdp-run -c "$T/run.conf"
	# The second file tells brevo that Jean left, by his email alone.
	set -- $(cd "$T/out" && ls -tr)
	assert_equal $# 2
	entries=$T/out/$1 exits=$T/out/$2
	run cat "$exits"
	expect <<-'EOF'
	change,email,first_name
	exit,jean.dupont@example.fr,
	EOF
	# Erased before brevo collected it: the files lose him, and his
	# exit is queued again.
	run --separate-stderr cdp-privacy -r "$T/run.conf" erase jean.dupont@example.fr
	assert_equal "$status" 0
	assert_equal "$(printf '%s\n' "$output" | sed -n '/^files rewritten/,$p')" "\
files rewritten (cdp-run's spool, log, exports and report):
  $T/spool/crm/done/01-crm.csv: 1 record removed
$(printf '  %s: 1 record removed\n' "$entries" "$exits" | LC_ALL=C sort)
  files            3
exits queued again (a file rewritten above had delivered the person to them):
  segment all  to brevo"
	run q "SELECT segment, dest, keys, exited FROM export_key
	    WHERE keys LIKE '%jean%'"
	assert_output 'all|brevo|{"email":"jean.dupont@example.fr"}|'
	# The rewritten files are still the exports' (their digests
	# follow): a later erasure without -r rewrites them too.
	run --separate-stderr cdp-privacy erase elodie.martin@gmail.com
	assert_equal "$status" 0
	assert_equal "$(printf '%s\n' "$output" | sed -n '/^export files/,$p')" "\
export files (cdp-export -o, in export_log.path):
  $entries: 1 record removed
  files            1
exits queued again (a file rewritten above had delivered the person to them):
  segment all  to brevo"
	run q "SELECT count(*) FROM export_log WHERE path IS NOT NULL AND
	    sha256 IS NOT NULL"
	assert_output 2
	for f in "$entries" "$exits"; do
		run q "SELECT sha256 FROM export_log WHERE path = '$f'"
		assert_output "$(sha256sum <"$f" | cut -c1-64)"
	done
	# The next night brevo gets both exits, by their emails alone.
	run -0 cdp-run -c "$T/run.conf"
	run ls "$T/out"
	assert_equal ${#lines[@]} 3
	run cat $(ls -d "$T"/out/* | grep -v -x -F -e "$entries" -e "$exits")
	expect <<-'EOF'
	change,email,first_name
	exit,jean.dupont@example.fr,
	exit,elodie.martin@gmail.com,
	EOF
	# Their keys stay only while that file may be delivered again.
	run q "SELECT count(*) FROM export_key WHERE (keys LIKE '%jean%'
	    OR keys LIKE '%elodie%') AND exited = (SELECT max(id) FROM
	    export_log)"
	assert_output 2
	run -0 cdp-run -c "$T/run.conf"
	run q "SELECT count(*) FROM export_key WHERE keys LIKE '%jean%'
	    OR keys LIKE '%elodie%'"
	assert_output 0
}

@test "cdp-run: the files of changes exports (exit notices) are kept for the exits window only" {
	mkdir -p "$T/out"
	for f in brevo-20260101T000000Z.csv brevo-20260101T000000Z-1.csv \
	    ads.ndjson all-old.csv brevo-recent.csv brevo.txt; do
		echo x >"$T/out/$f"
		touch -d '8 days ago' "$T/out/$f"
	done
	touch -d '6 days ago' "$T/out/brevo-recent.csv"
	cat >>"$T/run.conf" <<-EOF
	exports	$T/out
	export	brevo-{stamp}.csv -q -c email -F email changes vip --dest brevo
	export	ads.ndjson -q -H sha256 -F email changes vip --dest ads
	export	all-{stamp}.csv -q -F email profiles
	export	brevo-{stamp}.txt -q -F email profiles
	EOF
	run --separate-stderr cdp-run -c "$T/run.conf"
	assert_equal "$status" 0
	# Only the changes exports' files past 7 days (the default) go.
	run ls "$T/out"
	expect <<-'EOF'
	all-old.csv
	brevo-recent.csv
	brevo.txt
	EOF
	run grep -c 'retention: 3 changes export files older than 7 days deleted' "$T"/log/*.log
	assert_output 1
	printf 'exits\t5\n' >>"$T/run.conf"
	run --separate-stderr cdp-run -c "$T/run.conf"
	assert_equal "$status" 0
	run ls "$T/out"
	expect <<-'EOF'
	all-old.csv
	brevo.txt
	EOF
	printf 'exits\tsoon\n' >>"$T/run.conf"
	run --separate-stderr cdp-run -c "$T/run.conf"
	assert_equal "$status" 2
	assert_equal "$stderr" "cdp-run: $T/run.conf:11: exits needs a number of days"
}

@test "cdp-privacy -r: the person's values leave the merge log's and the links' evidence; the others' stay" {
	real_tools
	printf 'match\t-q\nmerge\t-q\n' >>"$T/run.conf"
	run -0 cdp-run -c "$T/run.conf"
	# The next night Jean and Élodie come back by names and birth date.
	printf 'ID_CLIENT;PRENOM;NOM;DATE_NAISSANCE\n%s\n%s\n' \
	    'C007;Jean-François;Dupont;15/03/1985' \
	    'C008;Élodie;Martin;29/02/1992' >"$T/spool/crm/incoming/03-crm.csv"
	run -0 cdp-run -c "$T/run.conf"
	run q "SELECT (SELECT count(*) FROM link WHERE evidence LIKE
	    '%dupont%1985-03-15%'), (SELECT count(*) FROM merge_log WHERE
	    action = 'add' AND evidence LIKE '%dupont%1985-03-15%'),
	    (SELECT count(*) FROM link WHERE evidence LIKE '%martin%'),
	    (SELECT count(*) FROM merge_log WHERE action = 'add' AND
	    evidence LIKE '%martin%')"
	assert_output '1|1|1|1'
	run -0 cdp-privacy -q -r "$T/run.conf" erase jean.dupont@example.fr
	printf '%s\n' dupont 'jean francois' Jean-François 1985-03-15 \
	    15/03/1985 C001 C007 >"$T/tokens"
	run holders "$T/spool" "$T/log" "$CDP_DB" "$CDP_DB-wal" "$CDP_DB-shm"
	assert_output ""
	run q "SELECT (SELECT count(*) FROM link WHERE evidence LIKE
	    '%martin%'), (SELECT count(*) FROM merge_log WHERE action = 'add'
	    AND evidence LIKE '%martin%')"
	assert_output '1|1'
}
