#!/usr/bin/env bats
# cdp-score: built-in indicators and RFM on a fixture computed by hand,
# the CDNOW reproduction of the published BG/NBD and Gamma-Gamma fits,
# predictions against independent values, spec scores with every
# aggregate in a window, errors with positions, injection, --as-of.

load test_helper
bats_require_minimum_version 1.5.0

# The fixture of score-shop.csv and score-web.csv: customer cN is profile
# N, profile 8 has no record at all.  Profiles are made here, not by
# cdp-merge, so that these tests depend on the scoring alone.
fixture() {
	cdp-ingest -q -s shop -i id -m event_type=type -m ts=ts \
	    -m customer_id=customer_id -m amount=amount \
	    "$FIX/score-shop.csv"
	cdp-ingest -q -s web -i id -m event_type=type -m ts=ts \
	    -m customer_id=customer_id "$FIX/score-web.csv"
	profiles
	q "INSERT INTO profile(id, created_run, updated_run, city)
	    VALUES (8, 1, 1, 'Nowhere')"
}

# One profile per customer_id, its id the number in the customer id.
profiles() {
	q "INSERT INTO profile(id, created_run, updated_run, nrecords,
	    customer_id) SELECT CAST(ltrim(customer_id, 'c0') AS INTEGER), 1,
	    1, count(*), customer_id FROM record GROUP BY customer_id;
	  INSERT INTO member(record, profile, run) SELECT r.id, p.id, 1
	    FROM record r JOIN profile p ON p.customer_id = r.customer_id"
}

# The CDNOW sample as purchase events: sample customer id, date, amount.
cdnow() {
	awk 'BEGIN { print "id,customer_id,date,cds,amount" }
	    { printf "%d,%s,%s-%s-%s,%s,%s\n", NR, $2, substr($3, 1, 4),
	      substr($3, 5, 2), substr($3, 7, 2), $4, $5 }' \
	    "$DATA/cdnow/CDNOW_sample.txt" >cdnow.csv
	cdp-ingest -q -s cdnow -i id -m ts=date -m event_type:=purchase \
	    -m customer_id=customer_id -m amount=amount cdnow.csv
	profiles
}

# within GOT WANT TOL: |GOT - WANT| <= TOL * |WANT|
within() {
	awk -v g="$1" -v w="$2" -v t="$3" 'BEGIN {
	    d = g - w; if (d < 0) d = -d; a = w < 0 ? -w : w
	    if (g == "" || d > t * a) {
	        printf "%s is not within %s of %s\n", g, t, w > "/dev/stderr"
	        exit 1 } }'
}

@test "cdp-score: indicators on a fixture computed by hand" {
	fixture
	run cdp-score -q --as-of 2024-06-30 -o recency_days frequency orders \
	    monetary aov first_purchase last_purchase tenure_days \
	    purchases_30d purchases_90d purchases_365d engagement \
	    preferred_source
	assert_equal "$status" 0
	expect <<-'EOF'
	profile,recency_days,frequency,orders,monetary,aov,first_purchase,last_purchase,tenure_days,purchases_30d,purchases_90d,purchases_365d,engagement,preferred_source
	1,2,3,4,200,50,2024-01-05,2024-06-28,177,2,3,4,3,shop
	2,15,1,1,10,10,2024-06-15,2024-06-15,15,1,1,1,2,shop
	3,150,2,2,800,400,2023-12-01,2024-02-01,212,0,0,2,0,shop
	4,365,1,1,40,40,2023-07-01,2023-07-01,365,0,0,0,0,shop
	5,0,2,2,100,50,2024-06-01,2024-06-30,29,2,2,2,2,shop
	6,,0,0,0,,,,20,0,0,0,1,web
	7,,0,0,0,,,,,0,0,0,0,
	8,,0,0,0,,,,,0,0,0,0,
	EOF
}

@test "cdp-score: RFM quintiles and segments on the fixture" {
	fixture
	# R by last purchase: c4 < c3 < c2 < c1 < c5; F (occasions; c1's two
	# orders of 06-28 are one): c2 = c4 = 1 < c3 = c5 = 2 < c1 = 3; M:
	# c2 < c4 < c5 < c1 < c3.  Score 1 + floor(5 k / 5), k the number of
	# customers strictly worse; ties share a score.
	run cdp-score -q --as-of 2024-06-30 -o -f ndjson rfm_r rfm_f rfm_m \
	    rfm rfm_segment
	assert_equal "$status" 0
	expect <<-'EOF'
	{"profile":1,"rfm_r":4,"rfm_f":5,"rfm_m":4,"rfm":454,"rfm_segment":"Loyal"}
	{"profile":2,"rfm_r":3,"rfm_f":1,"rfm_m":1,"rfm":311,"rfm_segment":"About to sleep"}
	{"profile":3,"rfm_r":2,"rfm_f":3,"rfm_m":5,"rfm":235,"rfm_segment":"At risk"}
	{"profile":4,"rfm_r":1,"rfm_f":1,"rfm_m":2,"rfm":112,"rfm_segment":"Lost"}
	{"profile":5,"rfm_r":5,"rfm_f":3,"rfm_m":3,"rfm":533,"rfm_segment":"Potential loyalist"}
	{"profile":6,"rfm_r":null,"rfm_f":null,"rfm_m":null,"rfm":null,"rfm_segment":null}
	{"profile":7,"rfm_r":null,"rfm_f":null,"rfm_m":null,"rfm":null,"rfm_segment":null}
	{"profile":8,"rfm_r":null,"rfm_f":null,"rfm_m":null,"rfm":null,"rfm_segment":null}
	EOF
}

@test "cdp-score: scores are stored with their run and as-of date" {
	fixture
	run cdp-score --as-of 2024-06-30 rfm_segment monetary
	assert_equal "$status" 0
	assert_output "cdp-score: as of 2024-06-30: 8 profiles, 5 customers, 13 events, 2 scores, 13 values"
	run q "SELECT s.profile, s.value, s.run = r.id, r.tool, r.outcome,
	    sr.as_of FROM score s JOIN run r ON r.id = s.run
	    JOIN score_run sr ON sr.run = s.run
	    WHERE s.name = 'rfm_segment' ORDER BY 1"
	expect <<-'EOF'
	1|Loyal|1|cdp-score|ok|2024-06-30
	2|About to sleep|1|cdp-score|ok|2024-06-30
	3|At risk|1|cdp-score|ok|2024-06-30
	4|Lost|1|cdp-score|ok|2024-06-30
	5|Potential loyalist|1|cdp-score|ok|2024-06-30
	EOF
	run q "SELECT name, kind, type FROM score_def ORDER BY 1"
	expect <<-'EOF'
	monetary|builtin|number
	rfm_segment|builtin|text
	EOF
	# a later run replaces the values of the scores it computes
	cdp-score -q --as-of 2023-12-31 monetary
	run q "SELECT profile, value FROM score WHERE name = 'monetary'
	    AND value > 0 ORDER BY 1"
	expect <<-'EOF'
	3|500.0
	4|40.0
	EOF
	run q "SELECT count(DISTINCT run) FROM score"
	assert_output 2
}

@test "cdp-score: CDNOW, the published BG/NBD and Gamma-Gamma estimates" {
	cdnow
	run --separate-stderr cdp-score --as-of 1997-09-30 -P
	echo "$stderr" >&2
	assert_equal "$status" 0
	[ "${#lines[@]}" -eq 2 ]
	bg=${lines[0]}
	gg=${lines[1]}
	# Fader, Hardie & Lee (2005): r 0.243, alpha 4.414, a 0.793,
	# b 2.426, LL -9582.4; p 6.25, q 3.74, gamma 15.44; within 0.5 %
	within "$(jq -r .r <<<"$bg")" 0.243 0.005
	within "$(jq -r .alpha <<<"$bg")" 4.414 0.005
	within "$(jq -r .a <<<"$bg")" 0.793 0.005
	within "$(jq -r .b <<<"$bg")" 2.426 0.005
	within "$(jq -r .ll <<<"$bg")" -9582.4 0.005
	within "$(jq -r .p <<<"$gg")" 6.25 0.005
	within "$(jq -r .q <<<"$gg")" 3.74 0.005
	within "$(jq -r .gamma <<<"$gg")" 15.44 0.005
	run jq -c '[.model, .n, .as_of]' <<<"$bg"$'\n'"$gg"
	expect <<-'EOF'
	["bgnbd",2357,"1997-09-30"]
	["gamma_gamma",946,"1997-09-30"]
	EOF
	# the parameters are stored
	run q "SELECT name, json_extract(json, '$.r') = $(jq .r <<<"$bg"),
	    json_extract(json, '$.gamma') = $(jq .gamma <<<"$gg")
	    FROM model ORDER BY name"
	expect <<-'EOF'
	bgnbd|1|
	gamma_gamma||1
	EOF
}

@test "cdp-score: CDNOW histories are the published calibration summary" {
	cdnow
	# x, t_x and T of every customer, against cdnow_sample_summary.csv
	cdp-score -q --as-of 1997-09-30 -o clv_x clv_tx clv_t |
	    awk -F, 'NR > 1 { printf "%d,%d,%.2f,%.2f\n", $1, $2, $3, $4 }' \
	    >mine
	tr -d '\r' <"$DATA/cdnow/cdnow_sample_summary.csv" |
	    awk -F, 'NR > 1 { printf "%d,%d,%.2f,%.2f\n", $1, $2, $3, $4 }' \
	    >theirs
	run wc -l <mine
	assert_output 2357
	diff -u theirs mine
}

@test "cdp-score: BG/NBD predictions with the published parameters" {
	cdnow
	q "INSERT INTO model(name, json, run, trained_at) VALUES
	    ('bgnbd', '{\"r\":0.243,\"alpha\":4.414,\"a\":0.793,\"b\":2.426}',
	     NULL, 'x'),
	    ('gamma_gamma', '{\"p\":6.25,\"q\":3.74,\"gamma\":15.44}', NULL,
	     'x')"
	# Reference values by mpmath at 30 digits from the closed form of
	# Fader, Hardie & Lee (2005, eq. 10 and P(alive)), with t_x and T
	# in whole days / 7: customer 1 (x 2, t_x 213/7, T 272/7), 2 (x 1,
	# 12/7, 272/7), 3 (x 0, T 272/7), 6 (x 7, 206/7, 272/7) and 18
	# (x 1, 34/7, 272/7), over 39 weeks and 52 weeks.
	run cdp-score -q -F --as-of 1997-09-30 --horizon 39 -o \
	    expected_purchases p_alive
	assert_equal "$status" 0
	local -A e39=([1]=1.2261158061493217 [2]=0.20335104108680571
	    [3]=0.19510966499308848 [6]=3.3374393516207369
	    [18]=0.29767658811031759)
	local -A pa=([1]=0.72658972183549484 [2]=0.21226006255461329 [3]=1
	    [6]=0.64179600224866651 [18]=0.31071811029660654)
	local c
	for c in 1 2 3 6 18; do
		set -- $(printf '%s\n' "${lines[@]}" | awk -F, -v c="$c" \
		    '$1 == c { print $2, $3 }')
		within "$1" "${e39[$c]}" 1e-9
		within "$2" "${pa[$c]}" 1e-9
	done
	run cdp-score -q -F --as-of 1997-09-30 -o expected_purchases
	local -A e52=([1]=1.5588289718128401 [6]=4.1993313928132925)
	for c in 1 6; do
		within "$(printf '%s\n' "${lines[@]}" | awk -F, -v c="$c" \
		    '$1 == c { print $2 }')" "${e52[$c]}" 1e-9
	done
	# -F stores no model of its own
	run q "SELECT count(*) FROM model WHERE run IS NOT NULL"
	assert_output 0
}

@test "cdp-score: CLV is expected purchases times expected spend, discounted" {
	cdnow
	run cdp-score -q --as-of 1997-09-30 --horizon 39 --discount 0 -o \
	    expected_purchases expected_spend clv
	assert_equal "$status" 0
	# with no discounting the CLV is the product, for every customer
	run awk -F, 'NR > 1 && $4 != "" {
	    d = $2 * $3 - $4; if (d < 0) d = -d
	    if (d > 1e-9 * ($4 < 0 ? -$4 : $4) + 1e-12) bad++; n++ }
	    END { print n, bad + 0 }' <<<"$output"
	assert_output "2357 0"
	# discounting lowers every value
	cdp-score -q --as-of 1997-09-30 --horizon 39 -o clv >disc.csv
	cdp-score -q --as-of 1997-09-30 --horizon 39 --discount 0 -o clv \
	    >nodisc.csv
	run awk -F, 'NR == FNR { v[$1] = $2; next }
	    FNR > 1 && !($2 < v[$1]) { bad++ } END { print bad + 0 }' \
	    nodisc.csv disc.csv
	assert_output 0
}

@test "cdp-score: --as-of makes the output byte-identical" {
	fixture
	cdp-score -q --as-of 2024-06-30 -o >a.csv
	cdp-score -q --as-of 2024-06-30 -o >b.csv
	cmp a.csv b.csv
	# data after the as-of date changes nothing
	printf 'id,customer_id,type,ts,amount\no99,c1,purchase,%s,999\n' \
	    2024-07-01T00:00:00Z >late.csv
	cdp-ingest -q -s shop -i id -m event_type=type -m ts=ts \
	    -m customer_id=customer_id -m amount=amount late.csv
	q "INSERT INTO member(record, profile, run) SELECT id, 1, 1
	    FROM record WHERE record_id = 'o99'"
	cdp-score -q --as-of 2024-06-30 -o >c.csv
	cmp a.csv c.csv
	# and it does count as of its own date
	cdp-score -q --as-of 2024-07-01 -o monetary >d.csv
	run sed -n 2p d.csv
	assert_output "1,1199"
}

@test "cdp-score: --as-of reproducibility of the CDNOW fit" {
	cdnow
	cdp-score -q --as-of 1997-09-30 -P >p1
	cdp-score -q --as-of 1997-09-30 -o -f ndjson >o1
	cdp-score -q --as-of 1997-09-30 -P >p2
	cdp-score -q --as-of 1997-09-30 -o -f ndjson >o2
	cmp p1 p2
	cmp o1 o2
	run wc -l <o1
	assert_output 2357
}

@test "cdp-score: spec scores, every aggregate with a window" {
	fixture
	cat >my.spec <<-'EOF'
	# windows end with the as-of day: 30d from 2024-06-01, 90d from
	# 2024-04-02, 4w from 2024-06-03, 1y and 365d from 2023-07-02
	n_30 = count(purchase, 30d)
	spend_90 = sum(amount, purchase, 90d)
	avg_365 = avg(amount, purchase, 365d)
	min_90 = min(amount, purchase, 90d)
	max_1y = max(amount, purchase, 1y)
	first_90 = first(ts, purchase, 90d)
	last_4w = last(amount, purchase, 4w)
	pages_90 = distinct(attr.page, 90d)
	top_90 = most_frequent(event_type, 90d)
	EOF
	run cdp-score -q --as-of 2024-06-30 -S my.spec -o n_30 spend_90 \
	    avg_365 min_90 max_1y first_90 last_4w pages_90 top_90
	assert_equal "$status" 0
	expect <<-'EOF'
	profile,n_30,spend_90,avg_365,min_90,max_1y,first_90,last_4w,pages_90,top_90
	1,2,180,50,30,100,2024-05-10,30,0,purchase
	2,1,10,10,10,10,2024-06-15,10,1,login
	3,0,0,400,,500,,,0,
	4,0,0,,,,,,0,
	5,2,100,50,25,75,2024-06-01,75,0,purchase
	6,0,0,,,,,,1,page_view
	7,0,0,,,,,,0,
	8,0,0,,,,,,0,
	EOF
	run q "SELECT name, kind, type, definition FROM score_def
	    WHERE name IN ('first_90', 'top_90', 'n_30') ORDER BY 1"
	expect <<-'EOF'
	first_90|spec|date| first(ts, purchase, 90d)
	n_30|spec|number| count(purchase, 30d)
	top_90|spec|text| most_frequent(event_type, 90d)
	EOF
}

@test "cdp-score: spec scores use built-ins, earlier lines, fields" {
	fixture
	cat >my.spec <<-'EOF'
	big = monetary >= 100
	vip = big and score.rfm_r >= 4
	label = coalesce(rfm_segment, 'none') || 'x'
	EOF
	run --separate-stderr cdp-score -q --as-of 2024-06-30 -S my.spec
	assert_equal "$status" 1
	assert_equal "$stderr" 'cdp-score: my.spec:3:39: unexpected character "|"'
	sed -i 's/ || .x.$//' my.spec
	run cdp-score -q --as-of 2024-06-30 -S my.spec -o big vip label
	assert_equal "$status" 0
	expect <<-'EOF'
	profile,big,vip,label
	1,1,1,Loyal
	2,0,0,About to sleep
	3,1,0,At risk
	4,0,0,Lost
	5,1,1,Potential loyalist
	6,0,0,none
	7,0,0,none
	8,0,0,none
	EOF
}

@test "cdp-score: errors in a spec file point at line and column" {
	fixture
	printf 'a = count(purchase)\n\nb = city = %s and cty = %s\n' \
	    "'Paris'" "'Lyon'" >bad.spec
	run --separate-stderr cdp-score --as-of 2024-06-30 -S bad.spec
	assert_equal "$status" 1
	assert_equal "$stderr" 'cdp-score: bad.spec:3:24: unknown field "cty" (did you mean "city"?)'
	printf 'a = (count(purchase) > 1\n' >bad.spec
	run --separate-stderr cdp-score --as-of 2024-06-30 -S bad.spec
	assert_equal "$status" 1
	assert_equal "$stderr" 'cdp-score: bad.spec:1:25: syntax error: expected ")", found end of expression'
	printf 'a = b + 1\nb = 2\n' >bad.spec
	run --separate-stderr cdp-score --as-of 2024-06-30 -S bad.spec
	assert_equal "$status" 1
	assert_equal "$stderr" 'cdp-score: bad.spec:1:5: unknown field "b"'
	printf 'monetary = 1\n' >bad.spec
	run --separate-stderr cdp-score --as-of 2024-06-30 -S bad.spec
	assert_equal "$status" 1
	assert_equal "$stderr" 'cdp-score: bad.spec:1: "monetary" is a built-in score'
	printf 'no equals sign\n' >bad.spec
	run --separate-stderr cdp-score --as-of 2024-06-30 -S bad.spec
	assert_equal "$status" 1
	assert_equal "$stderr" 'cdp-score: bad.spec:1: expected "name = expression"'
	# nothing was written by the failed runs
	run q "SELECT count(*) FROM score"
	assert_output 0
}

@test "cdp-score: injection attempts are data or errors" {
	fixture
	cat >inj.spec <<-'EOF'
	q1 = city = 'x'' OR 1=1 --'
	q2 = count('purchase''); DROP TABLE record; --') + 1
	q3 = has_consent('email'' OR ''1''=''1')
	q4 = attr.page = '/home'' UNION SELECT 1'
	EOF
	run cdp-score -q --as-of 2024-06-30 -S inj.spec -o q1 q2 q3 q4
	assert_equal "$status" 0
	expect <<-'EOF'
	profile,q1,q2,q3,q4
	1,0,1,0,0
	2,0,1,0,0
	3,0,1,0,0
	4,0,1,0,0
	5,0,1,0,0
	6,0,1,0,0
	7,0,1,0,0
	8,0,1,0,0
	EOF
	local l
	for l in "x = city = 'a'; DROP TABLE record" \
	    "x = 1 -- comment" "x = 1 /* c */" \
	    "x = city = 'a' union select 1" \
	    "x = attach('/tmp/evil.db')" "x = sqlite_master.sql"; do
		printf '%s\n' "$l" >inj.spec
		run cdp-score -q --as-of 2024-06-30 -S inj.spec
		assert_equal "$status" 1
	done
	run q "SELECT count(*) FROM record"
	assert_output 14
	[ ! -e /tmp/evil.db ]
}

@test "cdp-score: usage errors" {
	run --separate-stderr cdp-score --as-of 2024-02-30
	assert_equal "$status" 2
	assert_equal "$stderr" 'cdp-score: --as-of "2024-02-30": expected a date YYYY-MM-DD'
	run --separate-stderr cdp-score -o -P
	assert_equal "$status" 2
	run --separate-stderr cdp-score rfm_segmnt
	assert_equal "$status" 2
	assert_equal "$stderr" 'cdp-score: unknown score "rfm_segmnt" (did you mean "rfm_segment"?)'
	run --separate-stderr cdp-score --horizon -1
	assert_equal "$status" 2
	run --separate-stderr cdp-score -h
	assert_equal "$status" 0
	[[ "$output" == "usage: cdp-score "* ]]
}

@test "cdp-score: too few customers to fit: CLV left out, a warning" {
	fixture
	run --separate-stderr cdp-score --as-of 2024-06-30 -o clv rfm_r
	assert_equal "$status" 0
	[[ "$stderr" == *"no fit"* ]]
	run --separate-stderr cdp-score -q --as-of 2024-06-30 -P
	assert_equal "$status" 1
	assert_output ""
}

@test "cdp-score: a spec score that fails is skipped, the others stored; limits on a spec" {
	fixture
	cat >my.spec <<-'EOF'
	big = monetary >= 100
	ov = abs(-9223372036854775807 - 1)
	small = monetary < 100
	EOF
	run --separate-stderr cdp-score -q --as-of 2024-06-30 -S my.spec
	assert_equal "$status" 1
	assert_equal "${stderr_lines[1]}" "cdp-score: ov: integer overflow; skipped, its values unchanged"
	run -0 q "SELECT name, count(*) FROM score WHERE name IN
	  ('big', 'ov', 'small') GROUP BY name ORDER BY name"
	expect <<-'EOF'
	big|8
	small|8
	EOF
	run -0 q "SELECT outcome FROM run WHERE tool = 'cdp-score'
	  ORDER BY id DESC LIMIT 1"
	assert_output failed
	run -0 q "SELECT count(*) FROM score_def WHERE name = 'ov'"
	assert_output 0
	# A 300 KB text literal is refused before anything is written.
	printf 'huge = "%s"\n' "$(head -c 300000 /dev/zero | tr '\0' x)" >big.spec
	run --separate-stderr cdp-score -q --as-of 2024-06-30 -S big.spec
	assert_equal "$status" 1
	assert_equal "$stderr" "cdp-score: big.spec:1:7: expression longer than 65536 bytes"
	run -0 q "SELECT count(*) FROM score WHERE name = 'huge'"
	assert_output 0
}

# The pipeline's first night on cdp-gen data (300 people), with the last
# orders and web events and one order sent again with another amount
# held back for a next night in n2/.
two_nights() {
	"$CDP_TOP/scripts/cdp-gen" -n 300 -o gen >/dev/null
	mkdir n2
	head -n -20 gen/shop_orders.ndjson >shop.ndjson
	tail -n 20 gen/shop_orders.ndjson >n2/shop.ndjson
	head -n 1 gen/shop_orders.ndjson | python3 -c 'import json, sys
o = json.loads(sys.stdin.readline()); o["total"] = o["total"] + 100
print(json.dumps(o))' >>n2/shop.ndjson
	head -n -200 gen/web_events.ndjson >web.ndjson
	tail -n 200 gen/web_events.ndjson >n2/web.ndjson
	cdp-ingest -q -s crm -M "$CDP_TOP/share/spool/crm/crm.map" gen/crm.csv
	cdp-ingest -q -s store -M "$CDP_TOP/share/spool/store/store.map" \
	    gen/store_tickets.csv
	cdp-ingest -q -s shop -M "$CDP_TOP/share/spool/shop/shop.map" \
	    shop.ndjson
	cdp-ingest -q -s web -M "$CDP_TOP/share/spool/web/web.map" web.ndjson
	cdp-match -q | cdp-merge -q
}

next_night() {
	cdp-ingest -q -s shop -M "$CDP_TOP/share/spool/shop/shop.map" \
	    n2/shop.ndjson
	cdp-ingest -q -s web -M "$CDP_TOP/share/spool/web/web.map" \
	    n2/web.ndjson
	cdp-match -q | cdp-merge -q
}

# recomputed: "K N" of cdp-score -v's "read E events of K profiles of N".
recomputed() {
	sed -n 's/.*events of \([0-9]*\) profiles of \([0-9]*\) .*/\1 \2/p' \
	    <<<"$output"
}

scores_now() {
	q "SELECT name, profile, quote(value) FROM score ORDER BY 1, 2" >"$1"
	q "SELECT * FROM score_state ORDER BY profile" >>"$1"
}

@test "cdp-score: a next night at the same as-of date reads the touched profiles only and stores what a whole run stores" {
	two_nights
	run cdp-score -v --as-of 2024-07-01
	assert_equal "$status" 0
	read -r k n <<<"$(recomputed)"
	[ "$k" -gt 250 ] && [ "$k" -eq "$n" ]
	next_night
	touched=$(q "SELECT count(*) FROM profile WHERE updated_run >
	    (SELECT value FROM state WHERE key = 'score_state.run')")
	run cdp-score -v --as-of 2024-07-01
	assert_equal "$status" 0
	read -r k n <<<"$(recomputed)"
	# the profiles merge changed, and the one whose order came again
	[ "$k" -gt 0 ] && [ "$k" -lt $((n / 4)) ] && [ "$k" -ge "$touched" ]
	scores_now next.txt
	# a whole run, the state forgotten, finds nothing to change
	q "DELETE FROM state WHERE key LIKE 'score_state.%'"
	run cdp-score -v --as-of 2024-07-01
	assert_equal "$status" 0
	read -r k n2 <<<"$(recomputed)"
	assert_equal "$k $n2" "$n $n"
	run q "SELECT message FROM run WHERE tool = 'cdp-score'
	    ORDER BY id DESC LIMIT 1"
	assert_output --regexp ': [0-9]+ written, [0-9]+ unchanged, 0 removed$'
	[ "$(sed 's/.*: \([0-9]*\) written.*/\1/' <<<"$output")" -eq 0 ]
	scores_now whole.txt
	diff -u next.txt whole.txt
	# another as-of date reads everything
	run cdp-score -v --as-of 2024-07-02
	assert_equal "$status" 0
	assert_equal "$(recomputed)" "$n $n"
}

@test "cdp-score: the state is not used after a tool that leaves no trace on the profiles" {
	two_nights
	cdp-score -q --as-of 2024-07-01
	run cdp-score -v --as-of 2024-07-01
	assert_equal "$status" 0
	read -r k n <<<"$(recomputed)"
	assert_equal "$k" 0
	cdp-privacy -q erase "$(q "SELECT email FROM record
	    WHERE email IS NOT NULL ORDER BY id LIMIT 1")"
	run cdp-score -v --as-of 2024-07-01
	assert_equal "$status" 0
	read -r k n <<<"$(recomputed)"
	assert_equal "$k" "$n"
	assert_equal "$(q "SELECT count(*) FROM score_state WHERE profile
	    NOT IN (SELECT id FROM profile)")" 0
}

@test "cdp-score: after a run of one score, the next run at the same date stores every score of every profile" {
	two_nights
	cdp-score -q --as-of 2024-07-01 frequency
	assert_equal "$(q "SELECT count(DISTINCT name) FROM score")" 1
	run cdp-score -v --as-of 2024-07-01
	assert_equal "$status" 0
	read -r k n <<<"$(recomputed)"
	assert_equal "$k" 0
	scores_now next.txt
	q "DELETE FROM state WHERE key LIKE 'score_state.%'"
	run cdp-score -q --as-of 2024-07-01
	assert_equal "$status" 0
	run q "SELECT message FROM run WHERE tool = 'cdp-score'
	    ORDER BY id DESC LIMIT 1"
	assert_output --regexp ': 0 written, [0-9]+ unchanged, 0 removed$'
	scores_now whole.txt
	diff -u next.txt whole.txt
}
