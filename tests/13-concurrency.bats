#!/usr/bin/env bats
# Readers during a write: cdp-export and cdp-segment members while two
# cdp-ingest runs write into the same database; nothing fails with
# "database is locked", nothing is lost.

load test_helper
bats_require_minimum_version 1.5.0

gen() {	# gen PREFIX N
	awk -v p="$1" -v n="$2" 'BEGIN { for (i = 1; i <= n; i++)
	    printf "{\"id\":\"%s%06d\",\"email\":\"%s%d@example.com\",\"type\":\"view\",\"amount\":%d}\n",
	    p, i, p, i % 3000, i % 50 }'
}

@test "concurrency: exports and segment members read while two ingests write" {
	gen a 3000 >seed.ndjson
	cdp-ingest -q -s seed -i id seed.ndjson
	cdp-match -q | cdp-merge -q
	cdp-segment define some 'email is not null' >/dev/null
	cdp-segment eval >/dev/null 2>&1
	gen b 60000 >b.ndjson
	gen c 60000 >c.ndjson
	CDP_BATCH_ROWS=2000 cdp-ingest -q -s b -i id b.ndjson 2>ingest-b.err &
	p1=$!
	CDP_BATCH_ROWS=2000 cdp-ingest -q -s c -i id c.ndjson 2>ingest-c.err &
	p2=$!
	reads=0 fails=0
	while kill -0 "$p1" 2>/dev/null || kill -0 "$p2" 2>/dev/null; do
		if cdp-export -q profiles >profiles.csv 2>export.err &&
		    cdp-segment members some >members.csv 2>members.err; then
			reads=$((reads + 1))
		else
			fails=$((fails + 1))
			cat export.err members.err >&2
		fi
	done
	wait "$p1"
	wait "$p2"
	assert_equal "$fails" 0
	[ "$reads" -gt 0 ]
	run q "SELECT s.name, count(*) FROM record r JOIN source s
	    ON s.id = r.source_id GROUP BY 1 ORDER BY 1"
	expect <<-'EOF'
	b|60000
	c|60000
	seed|3000
	EOF
	run cat ingest-b.err ingest-c.err
	assert_output ""
	run q "SELECT count(*) FROM run WHERE outcome <> 'ok'"
	assert_output 0
}
