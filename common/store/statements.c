/*
 * statements.c - the statement and transaction helpers of every file
 * that talks to the store; see statements.h.  Apart from database.c so
 * that the bulk load (bulk_load.c), which database.c's opener completes
 * when a load was killed, uses them without calling back into the
 * opener.
 */
#include "store/statements.h"

int
db_finish(sqlite3 *db, sqlite3_stmt *st, int rc, struct sbuf *why)
{
	if (rc != SQLITE_DONE) {
		/* the message before finalize, which may reset it */
		sb_reset(why);
		sb_adds(why, sqlite3_errmsg(db));
	}
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

int
db_err(sqlite3 *db, const char *what, struct sbuf *why)
{
	sb_reset(why);
	sb_addf(why, "%s: %s", what, sqlite3_errmsg(db));
	return -1;
}

int
db_step_final(sqlite3 *db, sqlite3_stmt *st, struct sbuf *why)
{
	return db_finish(db, st, sqlite3_step(st), why);
}

int
db_exec(sqlite3 *db, const char *sql, struct sbuf *why)
{
	char *msg = NULL;

	if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK) {
		if (why != NULL) {
			sb_reset(why);
			sb_adds(why, msg ? msg : sqlite3_errmsg(db));
		}
		sqlite3_free(msg);
		return -1;
	}
	return 0;
}

sqlite3_stmt *
db_prepare(sqlite3 *db, const char *sql, struct sbuf *why)
{
	sqlite3_stmt *st;

	if (sqlite3_prepare_v3(db, sql, -1, SQLITE_PREPARE_PERSISTENT, &st,
	    NULL) != SQLITE_OK) {
		if (why != NULL) {
			sb_reset(why);
			sb_adds(why, sqlite3_errmsg(db));
		}
		return NULL;
	}
	return st;
}

int
db_bind_text(sqlite3_stmt *st, int idx, const char *s, size_t n)
{
	if (s == NULL)
		return sqlite3_bind_null(st, idx);
	return sqlite3_bind_text64(st, idx, s, n, SQLITE_TRANSIENT,
	    SQLITE_UTF8);
}

int
db_begin(sqlite3 *db, struct sbuf *why)
{
	return db_exec(db, "BEGIN IMMEDIATE", why);
}

int
db_commit(sqlite3 *db, struct sbuf *why)
{
	return db_exec(db, "COMMIT", why);
}

void
db_rollback(sqlite3 *db)
{
	if (!sqlite3_get_autocommit(db))
		sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
}
