/*
 * bulk_load.c - the first load into an empty store; see bulk_load.h.
 */
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "core/hash.h"
#include "normalise/field_map.h"
#include "store/bulk_load.h"
#include "store/statements.h"

#define KEY_SQL	"CREATE UNIQUE INDEX IF NOT EXISTS record_key " \
		"ON record(source_id, record_id)"

/*
 * The kill trials' hook: the phase armed to kill, when one is.  A
 * repair goes through the phases of a build inside its own.
 */
static const char *armed;

static int
kill_now(void *arg)
{
	(void)arg;
	raise(SIGKILL);
	return 1;
}

void
bulk_phase(sqlite3 *db, const char *name)
{
	const char *e = getenv("CDP_TEST_KILL"), *colon;
	long long n = 0;
	const char *errstr;
	size_t len;

	if (e == NULL || *e == '\0')
		return;
	if (armed != NULL && (name == NULL || strcmp(armed, "repair") != 0))
		raise(SIGKILL);		/* it ended before its N */
	if (name == NULL || armed != NULL)
		return;
	colon = strchr(e, ':');
	len = colon ? (size_t)(colon - e) : strlen(e);
	if (len != strlen(name) || strncmp(e, name, len) != 0)
		return;
	if (colon != NULL && parse_ll(colon + 1, 1, 1000000, &n,
	    &errstr) == -1)
		n = 0;
	if (n == 0)
		raise(SIGKILL);
	armed = name;
	sqlite3_progress_handler(db, (int)(n * 1000), kill_now, NULL);
}

/* Whether record_key exists: 1, 0, or -1 with why. */
static int
have_key(sqlite3 *db, struct sbuf *why)
{
	sqlite3_stmt *st;
	int rc;

	st = db_prepare(db, "SELECT 1 FROM sqlite_master WHERE type = "
	    "'index' AND name = 'record_key'", why);
	if (st == NULL)
		return -1;
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		sb_reset(why);
		sb_adds(why, sqlite3_errmsg(db));
		return -1;
	}
	return rc == SQLITE_ROW;
}

static int
cmp_name(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static int
exec_bound(sqlite3 *db, const char *sql, const char *kind, struct sbuf *why)
{
	sqlite3_stmt *st;

	if ((st = db_prepare(db, sql, why)) == NULL)
		return -1;
	if (kind != NULL)
		sqlite3_bind_text(st, 1, kind, -1, SQLITE_STATIC);
	return db_step_final(db, st, why);
}

/* Every record's idents, from its columns, kind by kind in key order. */
static int
derive_idents(sqlite3 *db, struct sbuf *why)
{
	const char *kinds[C_ANONYMOUS_ID + 1];
	struct sbuf sql;
	int c, rc = 0;

	for (c = 0; c <= C_ANONYMOUS_ID; c++)
		kinds[c] = map_canon_name(c);
	qsort(kinds, C_ANONYMOUS_ID + 1, sizeof(kinds[0]), cmp_name);
	sb_init(&sql);
	for (c = 0; c <= C_ANONYMOUS_ID && rc == 0; c++) {
		/* The column names are cdp's own canonical names. */
		sb_reset(&sql);
		sb_addf(&sql, "INSERT OR IGNORE INTO ident(kind, value, record) "
		    "SELECT ?1, %s, id FROM record WHERE %s IS NOT NULL "
		    "ORDER BY 2, 3", kinds[c], kinds[c]);
		rc = exec_bound(db, sql.buf, kinds[c], why);
	}
	sb_release(&sql);
	return rc;
}

/* Whether the staging table of this connection's bulk load exists. */
static int
have_stage(sqlite3 *db)
{
	return sqlite3_table_column_metadata(db, "temp", "bulk_ident", NULL,
	    NULL, NULL, NULL, NULL, NULL) == SQLITE_OK;
}

/*
 * The staged idents, in key order.  After updates, a record's earlier
 * values are staged too: keep only those its columns still hold.
 */
static int
move_stage(sqlite3 *db, int updated, struct sbuf *why)
{
	struct sbuf sql;
	int c, rc;

	sb_init(&sql);
	sb_adds(&sql, "INSERT OR IGNORE INTO ident(kind, value, record) "
	    "SELECT s.kind, s.value, s.record FROM temp.bulk_ident s");
	if (updated) {
		sb_adds(&sql, " JOIN record r ON r.id = s.record WHERE "
		    "s.value IS CASE s.kind");
		for (c = 0; c <= C_ANONYMOUS_ID; c++)
			sb_addf(&sql, " WHEN '%s' THEN r.%s", map_canon_name(c),
			    map_canon_name(c));
		sb_adds(&sql, " END");
	}
	sb_adds(&sql, " ORDER BY 1, 2, 3");
	rc = exec_bound(db, sql.buf, NULL, why);
	if (rc == 0)
		rc = db_exec(db, "DROP TABLE temp.bulk_ident", why);
	sb_release(&sql);
	return rc;
}

/*
 * record_key and the idents, in the caller's transaction: the idents
 * from the stage when this connection has one, else derived from the
 * records' columns.
 */
static int
build(sqlite3 *db, int updated, struct sbuf *why)
{
	int rc;

	bulk_phase(db, "index");
	if (db_exec(db, KEY_SQL, why) == -1)
		return -1;
	bulk_phase(db, "idents");
	rc = have_stage(db) ? move_stage(db, updated, why) :
	    derive_idents(db, why);
	bulk_phase(db, NULL);
	return rc;
}

int
bulk_begin(sqlite3 *db, int want, long long run, struct sbuf *why)
{
	sqlite3_stmt *st;
	int rc, key, empty;

	if (db_begin(db, why) == -1)
		return -1;
	if ((key = have_key(db, why)) == -1) {
		rc = -1;
		goto out;
	}
	if (!key) {
		rc = build(db, 0, why);
		goto out;
	}
	rc = 0;
	if (!want)
		goto out;
	if ((st = db_prepare(db, "SELECT NOT EXISTS (SELECT 1 FROM record) "
	    "AND NOT EXISTS (SELECT 1 FROM ident) AND NOT EXISTS (SELECT 1 "
	    "FROM run WHERE tool = 'cdp-ingest' AND outcome = 'running' AND "
	    "id <> ?)", why)) == NULL) {
		rc = -1;
		goto out;
	}
	sqlite3_bind_int64(st, 1, run);
	empty = sqlite3_step(st) == SQLITE_ROW && sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	if (empty) {
		if (db_exec(db, "DROP INDEX record_key", why) == -1)
			rc = -1;
		else
			rc = 1;
	}
out:
	if (rc == -1) {
		db_rollback(db);
		return -1;
	}
	if (db_commit(db, why) == -1)
		return -1;
	/* The staged idents and the final sorts go to temporary files, so
	 * memory stays bounded whatever the size of the load. */
	if (rc == 1 && db_exec(db, "PRAGMA temp_store = FILE;"
	    "CREATE TEMP TABLE bulk_ident(kind TEXT NOT NULL, "
	    "value TEXT NOT NULL, record INTEGER NOT NULL)", why) == -1)
		return -1;
	if (rc == 1)
		bulk_phase(db, "stage");
	return rc;
}

int
bulk_finish(sqlite3 *db, int updated, struct sbuf *why)
{
	struct sbuf tmp;
	int rc = -1, staged = have_stage(db);

	/* (Changing temp_store drops temporary tables: not with a stage.) */
	if (!staged && db_exec(db, "PRAGMA temp_store = FILE", why) == -1)
		return -1;
	/* A second thread sorts and merges the spilled runs: 1.6-1.7 s
	 * for the indexes of 1M records where one took 2.1-2.4 s. */
	if (db_exec(db, "PRAGMA threads = 2", why) == -1)
		return -1;
	if (db_begin(db, why) == 0) {
		if (build(db, updated, why) == 0 && db_commit(db, why) == 0)
			rc = 0;
		else
			db_rollback(db);
	}
	if (rc == 0 && staged)
		bulk_phase(db, "loaded");
	sb_init(&tmp);
	if (db_exec(db, "PRAGMA temp_store = MEMORY", &tmp) == -1 && rc == 0) {
		sb_reset(why);
		sb_add(why, tmp.buf, tmp.len);
		rc = -1;
	}
	sb_release(&tmp);
	return rc;
}

int
bulk_adopt(sqlite3 *db, int updated, struct sbuf *why)
{
	int key;

	if ((key = have_key(db, why)) != 1 || !have_stage(db))
		return key == -1 ? -1 : 0;
	bulk_phase(db, "adopt");
	key = move_stage(db, updated, why);
	bulk_phase(db, NULL);
	return key == -1 ? -1 : 1;
}

int
bulk_repair(sqlite3 *db, struct sbuf *why)
{
	int rc;

	if ((rc = have_key(db, why)) != 0)
		return rc == 1 ? 0 : -1;
	bulk_phase(db, "repair");
	return bulk_finish(db, 0, why);
}

int
bulk_unfinished(sqlite3 *db, long long *records, struct sbuf *why)
{
	sqlite3_stmt *st;
	int rc;

	*records = 0;
	if ((rc = have_key(db, why)) != 0)
		return rc == 1 ? 0 : -1;
	if ((st = db_prepare(db, "SELECT count(*) FROM record", why)) == NULL)
		return -1;
	if ((rc = sqlite3_step(st)) == SQLITE_ROW)
		*records = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW)
		return db_err(db, "record", why);
	return 1;
}

/* The idset. */

/* The first table: 64 KiB, grown by doubling as rows come. */
#define IDSET_MIN	8192

void
idset_init(struct idset *s, size_t max)
{
	memset(s, 0, sizeof(*s));
	s->max = max;
}

void
idset_release(struct idset *s)
{
	free(s->slot);
	memset(s, 0, sizeof(*s));
}

int
idset_full(const struct idset *s)
{
	return s->n >= s->max;
}

uint32_t
idset_hash(const char *id, size_t len)
{
	uint64_t h = hash_fnv(HASH_FNV0, id, len);
	uint32_t v = (uint32_t)(h ^ (h >> 32));

	return v ? v : 1;
}

/* Slots are probed from a position mixed from the hash, linearly. */
static size_t
home(uint32_t h, size_t mask)
{
	return (size_t)(h * 0x9e3779b1u) & mask;
}

static void
put(uint64_t *slot, size_t nslot, uint64_t v)
{
	size_t mask = nslot - 1, i = home((uint32_t)(v >> 32), mask);

	while (slot[i] != 0)
		i = (i + 1) & mask;
	slot[i] = v;
}

/*
 * Double the table.  It starts small and grows with the rows, so that a
 * load of a few thousand touches a few pages, not the pages of the most
 * rows it may hold (each first touch is a page fault, and a 32 MiB
 * table written at random faults all of its 8,192 pages).
 */
static void
grow(struct idset *s)
{
	size_t i, n = s->nslot ? s->nslot * 2 : IDSET_MIN;
	uint64_t *slot = xcalloc(n, sizeof(*slot));

	for (i = 0; i < s->nslot; i++)
		if (s->slot[i] != 0)
			put(slot, n, s->slot[i]);
	free(s->slot);
	s->slot = slot;
	s->nslot = n;
}

void
idset_add(struct idset *s, uint32_t h, int64_t row)
{
	/* at most three quarters full, so that probes stay short */
	if (s->n + 1 > s->nslot / 4 * 3)
		grow(s);
	put(s->slot, s->nslot, (uint64_t)h << 32 | (uint64_t)(row & 0xffffffff));
	s->n++;
}

int
idset_next(const struct idset *s, uint32_t h, size_t *i, int64_t *row)
{
	size_t mask = s->nslot - 1, j;

	if (s->nslot == 0)
		return 0;
	for (;;) {
		j = (home(h, mask) + *i) & mask;
		if (s->slot[j] == 0)
			return 0;
		(*i)++;
		if ((uint32_t)(s->slot[j] >> 32) == h) {
			*row = (int64_t)(s->slot[j] & 0xffffffff);
			return 1;
		}
	}
}

void
idset_prefetch(const struct idset *s, uint32_t h)
{
	if (s->nslot > 0)
		__builtin_prefetch(&s->slot[home(h, s->nslot - 1)]);
}

size_t
idset_bytes(const struct idset *s)
{
	return s->nslot * sizeof(*s->slot);
}
