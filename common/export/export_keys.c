/*
 * export_keys.c - the keys a changes export gave each destination; see
 * export_keys.h.
 */
#include <stdlib.h>
#include <string.h>

#include "export/export_keys.h"
#include "store/statements.h"

void
xkeys_init(struct xkeys *k)
{
	memset(k, 0, sizeof(*k));
	sb_init(&k->arena);
}

void
xkeys_release(struct xkeys *k)
{
	free(k->v);
	sb_release(&k->arena);
	memset(k, 0, sizeof(*k));
}

void
xkeys_add(struct xkeys *k, long long profile, int exit, const char *json,
    size_t len)
{
	if (k->n == k->cap) {
		k->cap = k->cap ? 2 * k->cap : 256;
		k->v = xrealloc(k->v, k->cap * sizeof(*k->v));
	}
	k->v[k->n].profile = profile;
	k->v[k->n].exit = exit;
	k->v[k->n].off = k->arena.len;
	k->v[k->n].len = json != NULL ? len : 0;
	if (json != NULL)
		sb_add(&k->arena, json, len);
	k->n++;
}

int
xkeys_save(struct xkeys *k, sqlite3 *db, const char *segment,
    const char *dest, long long export, int keep, struct sbuf *why)
{
	sqlite3_stmt *enter, *exit, *st;
	size_t i;
	int rc = 0;

	enter = db_prepare(db, "INSERT INTO export_key (segment, dest, "
	    "profile, keys, exited) VALUES (?1, ?2, ?3, ?4, NULL) "
	    "ON CONFLICT (segment, dest, profile) DO UPDATE SET "
	    "keys = excluded.keys, exited = NULL", why);
	exit = db_prepare(db, "UPDATE export_key SET exited = ?4 WHERE "
	    "segment = ?1 AND dest = ?2 AND profile = ?3", why);
	if (enter == NULL || exit == NULL) {
		sqlite3_finalize(enter);
		sqlite3_finalize(exit);
		return -1;
	}
	for (i = 0; i < k->n && rc == 0; i++) {
		st = k->v[i].exit ? exit : enter;
		sqlite3_bind_text(st, 1, segment, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, dest, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 3, k->v[i].profile);
		if (k->v[i].exit)
			sqlite3_bind_int64(st, 4, export);
		else
			sqlite3_bind_text(st, 4, k->arena.buf + k->v[i].off,
			    (int)k->v[i].len, SQLITE_STATIC);
		if (sqlite3_step(st) != SQLITE_DONE) {
			sb_reset(why);
			sb_adds(why, sqlite3_errmsg(db));
			rc = -1;
		}
		sqlite3_reset(st);
	}
	sqlite3_finalize(enter);
	sqlite3_finalize(exit);
	if (rc == -1)
		return -1;
	st = db_prepare(db, "DELETE FROM export_key WHERE segment = ?1 AND "
	    "dest = ?2 AND exited IS NOT NULL AND (exited != ?3 OR NOT ?4)",
	    why);
	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, segment, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, dest, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, export);
	sqlite3_bind_int(st, 4, keep);
	return db_step_final(db, st, why);
}
