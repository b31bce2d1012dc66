#!/usr/bin/env bats
# cdp-report: the HTML report of a demo-like store (share/spool run by
# cdp-run, two segments evaluated twice), opened page by page in headless
# Chromium: no console error, no network request, a screenshot of each
# under the test's directory; every chart has its table; nothing links
# outside the report; French labels under a French locale; a customer's
# page by e-mail or profile id.

load test_helper
bats_require_minimum_version 1.5.0

PAGES="index datamap identity scores segments"

setup_file() {
	export STORE="$BATS_FILE_TMPDIR/store"
	mkdir -p "$STORE"
	cp -R "$BATS_TEST_DIRNAME/../share/spool" "$STORE/spool"
	export PATH="${BIN:-$BATS_TEST_DIRNAME/../}:$BATS_TEST_DIRNAME/..:$PATH"
	export CDP_DB="$STORE/cdp.db" LC_ALL=C.UTF-8 TZ=UTC
	printf 'spool\t%s\ndb\t%s\nlog\t%s\nreport\t%s\n' "$STORE/spool" \
	    "$CDP_DB" "$STORE/log" "$STORE/nightly" >"$STORE/run.conf"
	cdp-run -c "$STORE/run.conf" || [ $? -eq 3 ]
	cdp-segment -q define big_spenders 'sum(amount, purchase, 3650d) > 200'
	cdp-segment -q define newsletter 'has_consent(email) and email is not null'
	cdp-segment -q eval
	cdp-segment -q define big_spenders 'sum(amount, purchase, 3650d) > 300'
	cdp-segment -q eval
}

setup() {
	common_setup
	export CDP_DB="$STORE/cdp.db"
}

# chromium_ok: skip, saying why, when Chromium cannot run here.
chromium_ok() {
	command -v chromium >/dev/null ||
	    skip "chromium is not installed (scripts/install-deps installs it)"
}

# open_page FILE PNG: load FILE in headless Chromium with every
# background service off, save a screenshot as PNG; its console in
# console.txt, the URLs the page itself requested (not Chromium's own
# update and account checks, whose initiator is "not an origin"; the
# page's is its own, "null" for file://) in urls.txt, once each.
open_page() {
	rm -rf net.json prof
	timeout 120 chromium --headless --no-sandbox --disable-gpu \
	    --hide-scrollbars --disable-background-networking \
	    --disable-component-update --disable-sync --no-first-run \
	    --disable-default-apps --disable-extensions \
	    --user-data-dir="$PWD/prof" --log-net-log="$PWD/net.json" \
	    --enable-logging=stderr --v=0 --window-size=1200,1600 \
	    --screenshot="$2" "file://$1" >/dev/null 2>chromium.err
	grep -E 'CONSOLE|Uncaught|console' chromium.err >console.txt || true
	python3 - net.json >urls.txt <<-'PY'
	import json, sys
	d = json.load(open(sys.argv[1]))
	url, init, by = {}, {}, {}
	for e in d['events']:
	    p = e.get('params', {})
	    s = e['source']['id']
	    if 'url' in p and s not in url:
	        url[s] = p['url']
	    if 'initiator' in p:
	        init[s] = p['initiator']
	for s, u in url.items():
	    if s in init:
	        by.setdefault(u, set()).add(init[s])
	for u in sorted(by):
	    if 'not an origin' not in by[u] and not u.startswith(('file:', 'data:')):
	        print(u)
	PY
}

@test "cdp-report: five pages, private, the index's path on stdout" {
	run --separate-stderr cdp-report -o rep
	assert_equal "$status" 0
	assert_output "rep/index.html"
	[[ "$stderr" == "cdp-report: 5 pages in "*" s" ]]
	run sh -c "cd rep && ls"
	expect <<-'EOF'
	datamap.html
	identity.html
	index.html
	scores.html
	segments.html
	EOF
	run stat -c '%a %n' rep rep/index.html rep/datamap.html
	expect <<-'EOF'
	700 rep
	600 rep/index.html
	600 rep/datamap.html
	EOF
	# Again into the same directory: replaced, nothing left behind.
	run --separate-stderr cdp-report -q -o rep
	assert_equal "$status" 0
	assert_equal "$stderr" ""
	run sh -c "ls -A rep | wc -l"
	assert_output 5
}

@test "cdp-report: every page in Chromium: no console error, no network request, a screenshot" {
	chromium_ok
	cdp-report -q -o rep >/dev/null
	cdp-report -q -o rep -p 2 >/dev/null
	mkdir -p shots
	for p in $PAGES customer-2; do
		open_page "$PWD/rep/$p.html" "shots/$p.png"
		[ -s "shots/$p.png" ] || { echo "$p: no screenshot" >&2; cat chromium.err >&2; return 1; }
		[ "$(stat -c %s "shots/$p.png")" -gt 20000 ] || { echo "$p: a blank screenshot?" >&2; return 1; }
		[ ! -s console.txt ] || { echo "$p:" >&2; cat console.txt >&2; return 1; }
		[ ! -s urls.txt ] || { echo "$p requested:" >&2; cat urls.txt >&2; return 1; }
	done
	echo "# screenshots in $PWD/shots" >&3
}

@test "cdp-report: the Chromium checks catch a console error and a request" {
	chromium_ok
	cdp-report -q -o rep >/dev/null
	sed 's|</main>|<img alt="x" src="http://127.0.0.1:9/x.png"><script>console.error("boom")</script></main>|' \
	    rep/index.html >bad.html
	open_page "$PWD/bad.html" bad.png
	run cat urls.txt
	assert_output "http://127.0.0.1:9/x.png"
	run grep -c boom console.txt
	assert_output 1
}

@test "cdp-report: self-contained: no script, no external style, font, image or link" {
	cdp-report -q -o rep >/dev/null
	cdp-report -q -o rep -p 2 >/dev/null
	# Any src or href is a page of the report itself.
	run sh -c "grep -ohE '(src|href)=\"[^\"]*\"' rep/*.html | sort -u"
	expect <<-'EOF'
	href="datamap.html"
	href="identity.html"
	href="index.html"
	href="scores.html"
	href="segments.html"
	EOF
	run grep -lE '<script|<link|<img|<iframe|@import|url\(|https?://' rep/*.html
	assert_output ""
	assert_equal "$status" 1
}

@test "cdp-report: every chart has its table, with the same numbers" {
	cdp-report -q -o rep >/dev/null
	python3 - rep/*.html <<-'PY'
	import re, sys
	total = 0
	for f in sys.argv[1:]:
	    html = open(f, encoding='utf-8').read()
	    figs = re.findall(r'<figure class="chart".*?</figure>', html, re.S)
	    assert html.count('<svg') == len([g for g in figs if '<svg' in g]), f + ': an svg outside a chart figure'
	    for g in figs:
	        if '<svg' not in g:
	            assert 'class="chart-data"' not in g
	            continue
	        total += 1
	        assert 'role="img"' in g and 'aria-labelledby=' in g, f
	        bars = re.findall(r'<rect [^>]*/><text [^>]*>([^<]*)</text>', g)
	        table = re.search(r'<table class="chart-data">.*?</table>', g, re.S)
	        assert table, f + ': a chart without its table'
	        cells = re.findall(r'<td class="n">([^<]*)</td>', table.group(0))
	        assert bars == cells, (f, bars, cells)
	assert total >= 10, total
	print(total)
	PY
}

@test "cdp-report: accessible structure: lang, one h1, captions, header cells" {
	cdp-report -q -o rep >/dev/null
	for p in $PAGES; do
		f=rep/$p.html
		run grep -c '<html lang="en">' "$f"
		assert_output 1
		run grep -c '<h1>' "$f"
		assert_output 1
		# As many captions as tables, every column head a th scope.
		[ "$(grep -o '<table' "$f" | wc -l)" -eq "$(grep -o '<caption' "$f" | wc -l)" ]
		run grep -c '<th>' "$f"
		assert_output 0
		run grep -c '<meta charset="utf-8">' "$f"
		assert_output 1
	done
}

@test "cdp-report: French labels under a French locale, English otherwise" {
	LANG=fr_FR.UTF-8 LC_ALL= cdp-report -q -o fr >/dev/null
	run grep -o '<html lang="fr">\|<h1>[^<]*</h1>' fr/index.html
	expect <<-'EOF'
	<html lang="fr">
	<h1>Vue d&#39;ensemble</h1>
	EOF
	run grep -o '<h1>[^<]*</h1>' fr/datamap.html
	assert_output "<h1>Cartographie des données</h1>"
	LANG=en_GB.UTF-8 LC_ALL= cdp-report -q -o en >/dev/null
	run grep -o '<h1>[^<]*</h1>' en/index.html
	assert_output "<h1>Overview</h1>"
}

@test "cdp-report: the overview's figures are the database's" {
	cdp-report -q -o rep >/dev/null
	profiles=$(q "SELECT count(*) FROM profile")
	records=$(q "SELECT count(*) FROM record")
	[ "$records" -ge 1000 ]
	run grep -o '<dt>[^<]*</dt><dd>[^<]*</dd>' rep/index.html
	expect <<-EOF
	<dt>Profiles</dt><dd>$(group "$profiles" ,)</dd>
	<dt>Records</dt><dd>$(group "$records" ,)</dd>
	<dt>Sources</dt><dd>5</dd>
	<dt>Rejects</dt><dd>$(q "SELECT count(*) FROM reject")</dd>
	EOF
	LANG=fr_FR.UTF-8 LC_ALL= cdp-report -q -o fr >/dev/null
	run grep -o '<dt>Enregistrements</dt><dd>[^<]*</dd>' fr/index.html
	assert_output "<dt>Enregistrements</dt><dd>$(group "$records" $'\u202f')</dd>"
	assert_output --partial $'\xe2\x80\xaf'
	# The data map masks personal values as cdp-catalog does.
	run grep -c '@' rep/datamap.html
	[ "$output" -gt 0 ]
	run grep -E '[a-z0-9._-]{2,}@[a-z0-9-]{2,}\.[a-z]{2,}' rep/datamap.html
	assert_output ""
}

@test "cdp-report -p: one customer by e-mail or profile id; an unknown one is an error" {
	pid=$(q "SELECT id FROM profile WHERE email IS NOT NULL ORDER BY id LIMIT 1")
	email=$(q "SELECT email FROM profile WHERE id = $pid")
	name=$(q "SELECT first_name || ' ' || last_name FROM profile WHERE id = $pid")
	run --separate-stderr cdp-report -o rep -p "$pid"
	assert_equal "$status" 0
	assert_output "rep/customer-$pid.html"
	cp "rep/customer-$pid.html" by-id.html
	run --separate-stderr cdp-report -o rep -p "$(echo "$email" | tr a-z A-Z)"
	assert_equal "$status" 0
	assert_output "rep/customer-$pid.html"
	run stat -c %a "rep/customer-$pid.html"
	assert_output 600
	run grep -c "<h1>$name</h1>" "rep/customer-$pid.html"
	assert_output 1
	run grep -c "$email" "rep/customer-$pid.html"
	assert_output 1
	# Its purchases, to the cent, as many as the store holds (at most 50).
	n=$(q "SELECT min(count(*), 50) FROM member m JOIN record r ON r.id = m.record WHERE m.profile = $pid AND r.event_type = 'purchase'")
	run sh -c "sed -n '/<h2>Purchases/,/<h2>/p' rep/customer-$pid.html | grep -cE '<td class=\"n\">[0-9]+\.[0-9]{2}</td>'"
	assert_output "$n"
	run --separate-stderr cdp-report -o rep -p nobody@example.org
	assert_equal "$status" 1
	assert_equal "$stderr" 'cdp-report: no profile "nobody@example.org"'
	run --separate-stderr cdp-report -o rep -p 999999
	assert_equal "$status" 1
}

@test "cdp-report: usage errors, a database that cannot be opened" {
	run --separate-stderr cdp-report
	assert_equal "$status" 2
	run --separate-stderr cdp-report -o rep extra
	assert_equal "$status" 2
	run --separate-stderr cdp-report -o rep -p ''
	assert_equal "$status" 2
	run --separate-stderr cdp-report -d nowhere/x.db -o rep
	assert_equal "$status" 1
	: >file
	run --separate-stderr cdp-report -o file
	assert_equal "$status" 1
	assert_equal "$stderr" "cdp-report: file: not a directory"
}

@test "cdp-run: the nightly run wrote the report" {
	[ -s "$STORE/nightly/index.html" ]
	grep -q "report: ok" "$STORE"/log/*.log
}

@test "cdp-report: the report's size does not follow the number of profiles" {
	cdp-report -q -o small >/dev/null
	cp "$CDP_DB" big.db
	# 20000 more profiles with scores and segment memberships.
	sqlite3 big.db "
	  WITH RECURSIVE n(i) AS (SELECT 100000 UNION ALL SELECT i + 1 FROM n
	    WHERE i < 119999)
	  INSERT INTO profile(id, created_run, updated_run, nrecords, email)
	    SELECT i, 1, 1, 1 + i % 7, 'p' || i || '@example.org' FROM n;
	  INSERT INTO score SELECT 'monetary', id, (id % 997) * 1.37, 1
	    FROM profile WHERE id >= 100000;
	  INSERT INTO score SELECT 'rfm', id, 100 * (1 + id % 5) + 10 * (1 + id / 5 % 5) + 1, 1
	    FROM profile WHERE id >= 100000;
	  INSERT INTO segment_member SELECT 1, id, 1 FROM profile
	    WHERE id >= 100000 AND id % 3 = 0"
	CDP_DB=big.db cdp-report -q -o big >/dev/null
	run sqlite3 big.db "SELECT count(*) FROM profile"
	[ "$output" -gt 20000 ]
	for p in $PAGES; do
		s=$(stat -c %s "small/$p.html")
		b=$(stat -c %s "big/$p.html")
		# The same bounded lists and charts: within 10%.
		[ $((b * 10)) -lt $((s * 11)) ] && [ $((s * 10)) -lt $((b * 11)) ] ||
		    { echo "$p: $s bytes, then $b" >&2; return 1; }
	done
}

@test "cdp-report: WCAG AA contrast of every colour pair of the style, and the check can fail" {
	cdp-report -o rep >/dev/null 2>&1
	run python3 "$FIX/contrast.py" rep/scores.html
	assert_equal "$status" 0
	expect <<-'EOF'
	body color                               #1b1b1b on #fff 17.22:1 >= 4.5
	header color                             #fff on #12324f 13.17:1 >= 4.5
	nav a color                              #fff on #12324f 13.17:1 >= 4.5
	a color                                  #0b4f8a on #fff  8.40:1 >= 4.5
	a color in th                            #0b4f8a on #eef2f6  7.47:1 >= 4.5
	.kpis dt color                           #444 on #fff  9.74:1 >= 4.5
	svg text fill                            #1b1b1b on #fff 17.22:1 >= 4.5
	summary color                            #0b4f8a on #fff  8.40:1 >= 4.5
	footer color                             #444 on #fff  9.74:1 >= 4.5
	body color in th                         #1b1b1b on #eef2f6 15.31:1 >= 4.5
	nav a[aria-current=page] border-bottom (marker) #ffd166 on #12324f  9.13:1 >= 3
	chart bar fill                           #1f5f99 on #fff  6.66:1 >= 3
	EOF
	sed 's/#1b1b1b/#999/; s/fill="#1f5f99"/fill="#bbb"/' rep/scores.html >bad.html
	run python3 "$FIX/contrast.py" bad.html
	assert_equal "$status" 1
	assert_equal "${lines[0]}" "body color                               #999 on #fff  2.85:1 <  4.5"
	assert_equal "${lines[-1]}" "chart bar fill                           #bbb on #fff  1.92:1 <  3"
}

@test "cdp-report: records held, not rows stored over runs; the runs' sources" {
	cp "$CDP_DB" own.db
	export CDP_DB="$PWD/own.db"
	held=$(q "SELECT count(*) FROM record WHERE source_id = (SELECT id FROM source WHERE name = 'crm')")
	read1=$(q "SELECT records FROM catalog_source WHERE source_id = (SELECT id FROM source WHERE name = 'crm')")
	# A record changed: as many records held, one more row stored.
	cdp-ingest -q -s crm -i ID_CLIENT -c FR "$FIX/crm_fr.csv" 2>/dev/null
	n=$(q "SELECT count(*) FROM record WHERE source_id = (SELECT id FROM source WHERE name = 'crm')")
	[ "$n" -gt "$held" ]
	read2=$(q "SELECT records FROM catalog_source WHERE source_id = (SELECT id FROM source WHERE name = 'crm')")
	sed 's/Dupont/Dupond/' "$FIX/crm_fr.csv" >changed.csv
	cdp-ingest -q -s crm -i ID_CLIENT -c FR changed.csv 2>/dev/null
	assert_equal "$(q "SELECT count(*) FROM record WHERE source_id = (SELECT id FROM source WHERE name = 'crm')")" "$n"
	read3=$(q "SELECT records FROM catalog_source WHERE source_id = (SELECT id FROM source WHERE name = 'crm')")
	assert_equal "$read3" "$((read2 + 1))"
	cdp-report -q -o rep >/dev/null
	run grep -o '<dt>Records</dt><dd>[^<]*</dd>' rep/index.html
	assert_output "<dt>Records</dt><dd>$(group "$(q "SELECT count(*) FROM record")" ,)</dd>"
	run grep -c "^<tr><td>crm</td><td>[a-z]*</td><td class=\"n\">$n</td><td class=\"n\">$read3</td>" rep/index.html
	assert_output 1
	run grep -c '<th scope="col">Rows stored over runs</th>' rep/index.html
	assert_output 1
	id=$(q "SELECT max(id) FROM run")
	run grep -c "^<tr><td class=\"n\">$id</td><td>cdp-ingest</td><td>crm</td>" rep/index.html
	assert_output 1
}

@test "cdp-report: the overview shows cdp-status's anomalies, from the same checks" {
	cp "$CDP_DB" own.db
	export CDP_DB="$PWD/own.db"
	run cdp-export changes vipp
	assert_equal "$status" 2
	id=$(q "SELECT max(id) FROM run")
	run cdp-status -f ndjson
	assert_equal "$status" 4
	cdp-report -o rep >/dev/null 2>&1
	run grep -c "<tr><td>Failed run</td><td></td><td class=\"n\">$id</td><td>cdp-export changes vipp usage at [0-9T:Z-]*: changes needs --dest</td>" rep/index.html
	assert_output 1
	run grep -c "<td>usage error</td>" rep/index.html
	assert_output 1
	LANG=fr_FR.UTF-8 LC_ALL= cdp-report -q -o fr >/dev/null
	run grep -c "<tr><td>Exécution en échec</td>" fr/index.html
	assert_output 1
	run grep -c "<td>erreur d&#39;usage</td>" fr/index.html
	assert_output 1
	n=$(cdp-status -f ndjson | grep -c '"record":"anomaly"')
	run sh -c "sed -n '/<h2>Anomalies/,/<\/table>/p' rep/index.html | grep -c '^<tr><td>'"
	assert_output "$n"
	cdp-status clear "$id" 2>/dev/null
	cdp-report -o rep >/dev/null 2>&1
	run grep -c "vipp" rep/index.html
	assert_output 0
}

@test "cdp-report -p: scores under readable labels, one Who heading" {
	cdp-score -q
	pid=$(q "SELECT profile FROM score WHERE name = 'clv_t' ORDER BY profile LIMIT 1")
	cdp-report -o rep -p "$pid" >/dev/null
	run grep -c '<td>clv_t</td>\|<td>rfm_r</td>\|<td>recency_days</td>' "rep/customer-$pid.html"
	assert_output 0
	run grep -c '<td>Weeks since the first purchase (lifetime value model)</td>' "rep/customer-$pid.html"
	assert_output 1
	run grep -c '>Who<' "rep/customer-$pid.html"
	assert_output 2
	run grep -c '<caption class="sr">Who</caption>' "rep/customer-$pid.html"
	assert_output 1
	LC_ALL=fr_FR.UTF-8 cdp-report -o rep -p "$pid" >/dev/null
	run grep -c '<td>Semaines depuis le premier achat (modèle de valeur vie)</td>' "rep/customer-$pid.html"
	assert_output 1
	run grep -c '<h2>Coordonnées</h2>' "rep/customer-$pid.html"
	assert_output 1
}

@test "cdp-report: what a marketer reads: links, the RFM grid, no lifetime value, the data map's prefixes, French segment names" {
	cdp-report -q -o rep >/dev/null
	run grep -o '<th scope="row">same [^<]*</th>' rep/identity.html
	expect <<-'EOF'
	<th scope="row">same cookie (anonymous id)</th>
	<th scope="row">same e-mail</th>
	<th scope="row">same loyalty card</th>
	<th scope="row">same phone</th>
	EOF
	run grep -c '<th scope="row">probabilistic (names, dates, addresses)</th>' rep/identity.html
	assert_output 1
	# Every non-empty cell of the grid says which figure is the average.
	cells=$(grep -o '<td class="n">[0-9]*<br>' rep/scores.html | wc -l)
	avgs=$(grep -o '<td class="n">[0-9]*<br>avg [0-9]*\.[0-9][0-9]</td>' rep/scores.html | wc -l)
	[ "$cells" -gt 0 ]
	assert_equal "$avgs" "$cells"
	if [ "$(q "SELECT count(*) FROM score WHERE name = 'clv'")" = 0 ]; then
		run grep -c '<p>No lifetime value yet: cdp-score computes it once' rep/scores.html
		assert_output 1
	fi
	run grep -c "<p>Fields without a prefix are cdp&#39;s own fields" rep/datamap.html
	assert_output 1
	# The overlap table's caption is not a second visible heading.
	run grep -c '<caption class="sr">Overlap: profiles in both segments</caption>' rep/segments.html
	assert_output 1
	LANG=fr_FR.UTF-8 LC_ALL= cdp-report -q -o fr >/dev/null
	n=$(q "SELECT count(DISTINCT value) FROM score WHERE name = 'rfm_segment' AND value IN ('Lost', 'Loyal', 'Hibernating', 'New')")
	m=$(grep -o '<th scope="row">\(Perdus\|Fidèles\|En hibernation\|Nouveaux\)</th>' fr/scores.html | wc -l)
	[ "$n" -gt 0 ]
	assert_equal "$m" "$n"
	run grep -c '<th scope="row">\(Lost\|Loyal\|Hibernating\)</th>' fr/scores.html
	assert_output 0
}

@test "cdp-report: French pages say the runs' outcomes and the catalog's types in French" {
	LANG=fr_FR.UTF-8 LC_ALL= cdp-report -q -o fr >/dev/null
	LANG=en_GB.UTF-8 LC_ALL= cdp-report -q -o en >/dev/null
	# The data map's type column, one line per type with its count.
	types() {
		grep -o '<tr><td>[^<]*</td><td>[^<]*</td>' "$1" |
		    sed 's/.*<td>\(.*\)<\/td>$/\1/' | sort | uniq -c |
		    awk '{ print $2, $1 }'
	}
	run types fr/datamap.html
	q "SELECT CASE type WHEN 'string' THEN 'texte' WHEN 'integer' THEN 'entier' WHEN 'number' THEN 'nombre' WHEN 'boolean' THEN 'booléen' WHEN 'email' THEN 'e-mail' WHEN 'phone' THEN 'téléphone' WHEN 'object' THEN 'objet' WHEN 'array' THEN 'liste' ELSE type END || ' ' || count(*) FROM catalog GROUP BY type" | sort >want
	[ -s want ]
	diff -u want - <<<"$output"
	run types en/datamap.html
	q "SELECT type || ' ' || count(*) FROM catalog GROUP BY type" | sort >want
	diff -u want - <<<"$output"
	run grep -c '<td>texte</td>' fr/datamap.html
	[ "$output" -gt 0 ]
	run grep -c '<td>\(string\|integer\|number\|object\)</td>' fr/datamap.html
	assert_output 0
	# The last 15 runs' outcomes: "réussi", never "ok", in French.
	n=$(q "SELECT count(*) FROM (SELECT outcome FROM run ORDER BY id DESC LIMIT 15) WHERE outcome = 'ok'")
	[ "$n" -gt 0 ]
	run grep -c '<td>réussi</td>' fr/index.html
	assert_output "$n"
	run grep -c '<td>ok</td>' fr/index.html
	assert_output 0
	run grep -c '<td>ok</td>' en/index.html
	assert_output "$n"
}

# group N SEP: N with SEP between its thousands, as the pages' figures.
group() {
	echo "$1" | sed ":a;s/\B[0-9]\{3\}\>/$2&/;ta"
}

# readable ISO [fr]: ISO 8601 UTC time as the pages show it.
readable() {
	local en=(Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec)
	local fr=(janv. févr. mars avr. mai juin juil. août sept. oct. nov. déc.)
	local m=$((10#${1:5:2} - 1)) mon
	if [ "${2:-}" = fr ]; then mon=${fr[$m]}; else mon=${en[$m]}; fi
	printf '<time datetime="%s">%d %s %s %s UTC</time>\n' "$1" \
	    "$((10#${1:8:2}))" "$mon" "${1:0:4}" "${1:11:5}"
}

@test "cdp-report -p: last seen is the latest event of the profile's records, else its last ingest" {
	pid=$(q "SELECT m.profile FROM member m JOIN record r ON r.id = m.record WHERE r.ts IS NOT NULL ORDER BY m.profile LIMIT 1")
	ts=$(q "SELECT max(r.ts) FROM member m JOIN record r ON r.id = m.record WHERE m.profile = $pid")
	[ "$ts" != "$(q "SELECT last_seen FROM profile WHERE id = $pid")" ]
	cdp-report -q -o rep -p "$pid" >/dev/null
	run grep -o '<th scope="row">Last seen</th><td>.*</td>' "rep/customer-$pid.html"
	assert_output "<th scope=\"row\">Last seen</th><td>$(readable "$ts")</td>"
	# A profile none of whose records has a time: when it was ingested.
	pid=$(q "SELECT id FROM profile p WHERE NOT EXISTS (SELECT 1 FROM member m JOIN record r ON r.id = m.record WHERE m.profile = p.id AND r.ts IS NOT NULL) ORDER BY id LIMIT 1")
	[ -n "$pid" ]
	ts=$(q "SELECT last_seen FROM profile WHERE id = $pid")
	cdp-report -q -o rep -p "$pid" >/dev/null
	run grep -o '<th scope="row">Last seen</th><td>.*</td>' "rep/customer-$pid.html"
	assert_output "<th scope=\"row\">Last seen</th><td>$(readable "$ts")</td>"
}

@test "cdp-report: times read as dates in the page's language, the ISO value in <time datetime>" {
	pid=$(q "SELECT profile FROM profile_consent ORDER BY profile LIMIT 1")
	first=$(q "SELECT first_seen FROM profile WHERE id = $pid")
	LANG=fr_FR.UTF-8 LC_ALL= cdp-report -q -o fr -p "$pid" >/dev/null
	run grep -o '<th scope="row">Vu la première fois</th><td>.*</td>' "fr/customer-$pid.html"
	assert_output "<th scope=\"row\">Vu la première fois</th><td>$(readable "$first" fr)</td>"
	cdp-report -q -o en -p "$pid" >/dev/null
	run grep -o '<th scope="row">First seen</th><td>.*</td>' "en/customer-$pid.html"
	assert_output "<th scope=\"row\">First seen</th><td>$(readable "$first")</td>"
	# Consents' times too: no ISO time outside a datetime attribute.
	since=$(q "SELECT min(ts) FROM profile_consent WHERE profile = $pid")
	[ -n "$since" ]
	run grep -c "<td>$(readable "$since" fr)</td>" "fr/customer-$pid.html"
	[ "$output" -ge 1 ]
	run grep -c 'T[0-9][0-9]:[0-9][0-9]:[0-9][0-9]Z[^"]' "fr/customer-$pid.html"
	assert_output 0
	# The footer of every page: its time of writing.
	LANG=fr_FR.UTF-8 LC_ALL= cdp-report -q -o fr >/dev/null
	for p in $PAGES; do
		run grep -o '<footer><p>Généré le <time datetime="[^"]*">' "fr/$p.html"
		[ "${#lines[@]}" -eq 1 ]
		iso=$(echo "$output" | sed 's/.*datetime="\([^"]*\)".*/\1/')
		run grep -c "<footer><p>Généré le $(readable "$iso" fr), cdp " "fr/$p.html"
		assert_output 1
	done
	run grep -c 'T[0-9][0-9]:[0-9][0-9]:[0-9][0-9]Z[^"]' fr/index.html
	assert_output 0
	readable 2026-02-07T09:05:00Z fr >got
	echo '<time datetime="2026-02-07T09:05:00Z">7 févr. 2026 09:05 UTC</time>' | diff -u - got
}

@test "cdp-report -p: a customer's RFM segment in French on a French page" {
	pid=$(q "SELECT profile FROM score WHERE name = 'rfm_segment' AND value = 'Loyal' ORDER BY profile LIMIT 1")
	[ -n "$pid" ]
	LANG=fr_FR.UTF-8 LC_ALL= cdp-report -q -o fr -p "$pid" >/dev/null
	run grep -o '<td>Segment RFM</td><td>[^<]*</td>' "fr/customer-$pid.html"
	assert_output "<td>Segment RFM</td><td>Fidèles</td>"
	cdp-report -q -o en -p "$pid" >/dev/null
	run grep -o '<td>RFM segment</td><td>[^<]*</td>' "en/customer-$pid.html"
	assert_output "<td>RFM segment</td><td>Loyal</td>"
}
