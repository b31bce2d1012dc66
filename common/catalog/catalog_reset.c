/*
 * catalog_reset.c - forget a source's data map; see catalog_reset.h.
 */
#include "catalog/catalog_reset.h"
#include "store/database.h"

static int
delete_from(sqlite3 *db, const char *sql, long long source_id, long *n,
    struct sbuf *why)
{
	sqlite3_stmt *st;
	int rc;

	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
		sb_addf(why, "catalog: %s", sqlite3_errmsg(db));
		return -1;
	}
	sqlite3_bind_int64(st, 1, source_id);
	rc = sqlite3_step(st);
	if (rc != SQLITE_DONE)
		sb_addf(why, "catalog: %s", sqlite3_errmsg(db));
	else if (n != NULL)
		*n = sqlite3_changes(db);
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

int
cat_forget_source(sqlite3 *db, long long source_id, long *nfields,
    struct sbuf *why)
{
	*nfields = 0;
	if (db_exec(db, "PRAGMA secure_delete = ON", why) == -1 ||
	    delete_from(db, "DELETE FROM catalog WHERE source_id = ?1",
	    source_id, nfields, why) == -1 ||
	    delete_from(db, "DELETE FROM catalog_source WHERE source_id = ?1",
	    source_id, NULL, why) == -1 ||
	    delete_from(db, "DELETE FROM catalog_run WHERE source_id = ?1",
	    source_id, NULL, why) == -1)
		return -1;
	return 0;
}

int
cat_drop_source(sqlite3 *db, long long source_id, long *nfields, struct sbuf *why)
{
	*nfields = 0;
	if (db_begin(db, why) == -1)
		return -1;
	if (cat_forget_source(db, source_id, nfields, why) == -1) {
		db_rollback(db);
		return -1;
	}
	return db_commit(db, why);
}
