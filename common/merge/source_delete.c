/*
 * source_delete.c - a source's records deleted, its profiles removed or
 * re-resolved; see source_delete.h.
 */
#include <stdlib.h>
#include <string.h>

#include "merge/profile.h"
#include "merge/source_delete.h"
#include "store/database.h"

static int
count(sqlite3 *db, const char *sql, long long *n, struct sbuf *why)
{
	sqlite3_stmt *st;
	int rc;

	if ((st = db_prepare(db, sql, why)) == NULL)
		return -1;
	rc = sqlite3_step(st);
	*n = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW) {
		sb_addf(why, "%s", sqlite3_errmsg(db));
		return -1;
	}
	return 0;
}

/* sql with ?1 bound to id, run to its end. */
static int
exec_id(sqlite3 *db, const char *sql, long long id, struct sbuf *why)
{
	sqlite3_stmt *st;
	int rc;

	if ((st = db_prepare(db, sql, why)) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		;
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		sb_addf(why, "%s", sqlite3_errmsg(db));
		return -1;
	}
	return 0;
}

int
sd_plan(sqlite3 *db, long long sid, struct sd_counts *c, struct sbuf *why)
{
	memset(c, 0, sizeof(*c));
	if (db_exec(db,
	    "DROP TABLE IF EXISTS temp.s_rec;"
	    "DROP TABLE IF EXISTS temp.s_prof;"
	    "DROP TABLE IF EXISTS temp.s_empty;"
	    "DROP TABLE IF EXISTS temp.s_keep;"
	    "CREATE TEMP TABLE s_rec(id INTEGER PRIMARY KEY);"
	    "CREATE TEMP TABLE s_prof(id INTEGER PRIMARY KEY);"
	    "CREATE TEMP TABLE s_empty(id INTEGER PRIMARY KEY);"
	    "CREATE TEMP TABLE s_keep(record INTEGER PRIMARY KEY);", why) == -1)
		return -1;
	if (exec_id(db, "INSERT INTO s_rec SELECT id FROM record "
	    "WHERE source_id = ?1", sid, why) == -1 ||
	    db_exec(db,
	    "INSERT INTO s_prof SELECT DISTINCT profile FROM member "
	    "  WHERE record IN (SELECT id FROM s_rec);"
	    "INSERT INTO s_keep SELECT record FROM member WHERE profile IN "
	    "  (SELECT id FROM s_prof) AND record NOT IN (SELECT id FROM s_rec);"
	    "INSERT INTO s_empty SELECT id FROM s_prof WHERE id NOT IN "
	    "  (SELECT m.profile FROM member m JOIN s_keep k ON "
	    "  k.record = m.record);", why) == -1)
		return -1;
	if (count(db, "SELECT count(*) FROM s_rec", &c->records, why) == -1 ||
	    count(db, "SELECT count(*) FROM ident WHERE record IN "
	    "(SELECT id FROM s_rec)", &c->idents, why) == -1 ||
	    count(db, "SELECT count(*) FROM consent WHERE record IN "
	    "(SELECT id FROM s_rec) OR (kind = 'profile' AND CAST(value AS "
	    "INTEGER) IN (SELECT id FROM s_empty))", &c->consents, why) == -1 ||
	    count(db, "SELECT count(*) FROM record_history WHERE record IN "
	    "(SELECT id FROM s_rec)", &c->history, why) == -1 ||
	    count(db, "SELECT (SELECT count(*) FROM link WHERE a IN (SELECT "
	    "id FROM s_rec) OR b IN (SELECT id FROM s_rec)) + (SELECT "
	    "count(*) FROM never_link WHERE a IN (SELECT id FROM s_rec) OR "
	    "b IN (SELECT id FROM s_rec))", &c->links, why) == -1 ||
	    count(db, "SELECT count(*) FROM s_empty", &c->removed, why) == -1 ||
	    count(db, "SELECT count(*) FROM s_prof WHERE id NOT IN (SELECT id "
	    "FROM s_empty)", &c->resolved, why) == -1 ||
	    count(db, "SELECT count(*) FROM segment_member WHERE profile IN "
	    "(SELECT id FROM s_empty)", &c->exits, why) == -1)
		return -1;
	{
		sqlite3_stmt *st;

		if ((st = db_prepare(db, "SELECT count(*) FROM reject WHERE "
		    "source_id = ?1", why)) == NULL)
			return -1;
		sqlite3_bind_int64(st, 1, sid);
		if (sqlite3_step(st) == SQLITE_ROW)
			c->rejects = sqlite3_column_int64(st, 0);
		sqlite3_finalize(st);
	}
	return 0;
}

static int
cmp_ll(const void *a, const void *b)
{
	long long x = *(const long long *)a, y = *(const long long *)b;

	return (x > y) - (x < y);
}

/* The kept profiles re-clustered, then every touched profile rewritten. */
static int
resolve(sqlite3 *db, long long run, struct golden *g, struct sbuf *why)
{
	struct prof_store ps;
	sqlite3_stmt *st;
	long long *ids = NULL;
	size_t n = 0, cap = 0, i;
	int nnew, rc = -1;

	if (prof_open(&ps, db, run, g) == -1) {
		sb_addf(why, "%s", ps.why.buf);
		prof_close(&ps);
		return -1;
	}
	if ((st = db_prepare(db, "SELECT id FROM s_prof WHERE id NOT IN "
	    "(SELECT id FROM s_empty) ORDER BY id", why)) == NULL)
		goto out;
	while (sqlite3_step(st) == SQLITE_ROW)
		if (prof_recluster(&ps, sqlite3_column_int64(st, 0), 0,
		    "source deleted", &nnew) == -1) {
			sb_addf(why, "%s", ps.why.buf);
			sqlite3_finalize(st);
			goto out;
		}
	sqlite3_finalize(st);
	/* The old profiles (emptied ones are deleted) and the parts. */
	if ((st = db_prepare(db, "SELECT id FROM s_prof UNION SELECT profile "
	    "FROM member WHERE record IN (SELECT record FROM s_keep)",
	    why)) == NULL)
		goto out;
	while (sqlite3_step(st) == SQLITE_ROW) {
		if (n == cap) {
			cap = cap ? 2 * cap : 64;
			ids = xrealloc(ids, cap * sizeof(*ids));
		}
		ids[n++] = sqlite3_column_int64(st, 0);
	}
	sqlite3_finalize(st);
	qsort(ids, n, sizeof(*ids), cmp_ll);
	for (i = 0; i < n; i += 4096)
		if (prof_golden(&ps, ids + i, n - i < 4096 ? n - i : 4096) ==
		    -1) {
			sb_addf(why, "%s", ps.why.buf);
			goto out;
		}
	if (prof_finish(&ps) == -1) {
		sb_addf(why, "%s", ps.why.buf);
		goto out;
	}
	rc = 0;
out:
	free(ids);
	prof_close(&ps);
	return rc;
}

int
sd_forget_records(sqlite3 *db, struct sbuf *why)
{
	static const char *const deletes =
	    "DELETE FROM ident WHERE record IN (SELECT id FROM s_rec);"
	    "DELETE FROM record_history WHERE record IN (SELECT id FROM s_rec);"
	    "DELETE FROM link WHERE a IN (SELECT id FROM s_rec) OR "
	    "  b IN (SELECT id FROM s_rec);"
	    "DELETE FROM held_link WHERE a IN (SELECT id FROM s_rec) OR "
	    "  b IN (SELECT id FROM s_rec);"
	    "DELETE FROM never_link WHERE a IN (SELECT id FROM s_rec) OR "
	    "  b IN (SELECT id FROM s_rec);"
	    "DELETE FROM member WHERE record IN (SELECT id FROM s_rec);"
	    "DELETE FROM matchkey WHERE record IN (SELECT id FROM s_rec);"
	    "DELETE FROM matchrec WHERE record IN (SELECT id FROM s_rec);"
	    /* matchtf counted them: rebuilt by the next cdp-match. */
	    "DELETE FROM state WHERE key = 'matchkey';"
	    "UPDATE segment SET size = max(0, size - (SELECT count(*) FROM "
	    "  s_exit WHERE s_exit.segment = segment.id)) WHERE id IN "
	    "  (SELECT segment FROM s_exit);"
	    "DELETE FROM segment_member WHERE (segment, profile) IN "
	    "  (SELECT segment, profile FROM s_exit);"
	    "DELETE FROM record WHERE id IN (SELECT id FROM s_rec);";

	return db_exec(db, deletes, why);
}

int
sd_apply(sqlite3 *db, long long sid, long long run, struct golden *g,
    struct sd_counts *c, struct sbuf *why)
{
	static const char *const deletes =
	    "CREATE TEMP TABLE IF NOT EXISTS s_exit(segment INTEGER, "
	    "  profile INTEGER);"
	    "DELETE FROM s_exit;"
	    "INSERT INTO s_exit SELECT segment, profile FROM segment_member "
	    "  WHERE profile IN (SELECT id FROM s_empty);"
	    "DELETE FROM consent WHERE record IN (SELECT id FROM s_rec) OR "
	    "  (kind = 'profile' AND CAST(value AS INTEGER) IN "
	    "  (SELECT id FROM s_empty));"
	    "DELETE FROM merge_log WHERE record IN (SELECT id FROM s_rec);"
	    "DELETE FROM score WHERE profile IN (SELECT id FROM s_empty);";

	if (db_exec(db, "PRAGMA secure_delete = ON", why) == -1 ||
	    db_exec(db, deletes, why) == -1 ||
	    sd_forget_records(db, why) == -1 ||
	    exec_id(db, "DELETE FROM reject WHERE source_id = ?1", sid,
	    why) == -1)
		return -1;
	/* Each destination learns that the removed profiles left. */
	if (exec_id(db, "INSERT OR IGNORE INTO segment_change(segment, run, "
	    "profile, change) SELECT segment, ?1, profile, 'exit' FROM s_exit",
	    run, why) == -1)
		return -1;
	if (count(db, "SELECT count(*) FROM s_exit", &c->exits, why) == -1)
		return -1;
	return resolve(db, run, g, why);
}
