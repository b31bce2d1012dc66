# test_helper.bash - shared by every tests/NN-*.bats suite.
#
# Each test gets a fresh database under $BATS_TEST_TMPDIR (CDP_DB), the
# tools of the build under test first on PATH ($BIN, set by
# scripts/run-tests; the top of the checkout by default), and the
# fixtures directory in $FIX.  Expected output is compared with
# `diff -u expected actual`; exit codes are asserted exactly.

load '/usr/lib/bats/bats-support/load'
load '/usr/lib/bats/bats-assert/load'

: "${CDP_TOP:=$(cd "$BATS_TEST_DIRNAME/.." && pwd)}"
: "${BIN:=$CDP_TOP/}"

common_setup() {
	export CDP_DB="$BATS_TEST_TMPDIR/cdp.db"
	export PATH="$BIN:$CDP_TOP:$PATH"
	export FIX="$CDP_TOP/tests/fixtures"
	export DATA="$CDP_TOP/data"
	export LC_ALL=C.UTF-8 TZ=UTC
	cd "$BATS_TEST_TMPDIR" || return 1
}

setup() {
	common_setup
}

# q SQL: run a query on the test database, CSV-ish output with '|'.
q() {
	sqlite3 -batch "$CDP_DB" "$@"
}

# expect FILE: compare the output of the last `run` with FILE (or stdin
# when FILE is -) and show a unified diff on mismatch.
expect() {
	local want=${1:--}
	if [ "$want" = - ]; then
		want="$BATS_TEST_TMPDIR/expected.$$"
		cat >"$want"
	fi
	printf '%s\n' "$output" >"$BATS_TEST_TMPDIR/actual.$$"
	diff -u "$want" "$BATS_TEST_TMPDIR/actual.$$"
}

# dump: a canonical dump of the store, without run ids and timestamps,
# for comparing two databases that must hold the same data.
dump() {
	sqlite3 -batch "${1:-$CDP_DB}" <<'SQL'
.mode list
SELECT 'source', name, format FROM source ORDER BY name;
SELECT 'record', s.name, r.record_id, r.email, r.phone, r.customer_id,
  r.loyalty_id, r.anonymous_id, r.first_name, r.last_name, r.full_name,
  r.first_name_key, r.last_name_key, r.full_name_key, r.birth_date,
  r.gender, r.street, r.postal_code, r.city, r.country, r.event_type,
  r.ts, r.amount, r.currency, r.raw, r.fp
FROM record r JOIN source s ON s.id = r.source_id ORDER BY s.name, r.record_id;
SELECT 'ident', i.kind, i.value, s.name, r.record_id FROM ident i
JOIN record r ON r.id = i.record JOIN source s ON s.id = r.source_id
ORDER BY 2, 3, 4, 5;
SELECT 'consent', s.name, r.record_id, c.purpose, c.granted FROM consent c
JOIN record r ON r.id = c.record JOIN source s ON s.id = r.source_id
ORDER BY 2, 3, 4;
SELECT 'history', count(*) FROM record_history;
SQL
}
