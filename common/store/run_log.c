/*
 * run_log.c - the run log; see run_log.h.
 */
#include <string.h>
#include <unistd.h>

#include "io/json_writer.h"
#include "store/database.h"
#include "store/run_log.h"

int
run_begin(struct run *r, sqlite3 *db, const char *tool, int argc,
    char **argv, long long source_id, struct sbuf *why)
{
	struct sbuf args;
	struct jw jw;
	sqlite3_stmt *st;
	char now[32];
	int i, rc;

	memset(r, 0, sizeof(*r));
	r->db = db;
	r->t0 = mono_now();
	r->source_id = source_id;
	sb_init(&args);
	jw_init(&jw, &args);
	jw_array_open(&jw);
	for (i = 0; i < argc; i++)
		jw_str(&jw, argv[i], strlen(argv[i]));
	jw_array_close(&jw);
	jw_release(&jw);
	now_iso(now, sizeof(now));
	st = db_prepare(db, "INSERT INTO run(tool, args, source_id, pid, "
	    "started_at) VALUES (?, ?, ?, ?, ?)", why);
	if (st == NULL) {
		sb_release(&args);
		return -1;
	}
	sqlite3_bind_text(st, 1, tool, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, args.buf, (int)args.len, SQLITE_STATIC);
	if (source_id > 0)
		sqlite3_bind_int64(st, 3, source_id);
	sqlite3_bind_int64(st, 4, (long long)getpid());
	sqlite3_bind_text(st, 5, now, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	sb_release(&args);
	if (rc != SQLITE_DONE) {
		sb_reset(why);
		sb_adds(why, sqlite3_errmsg(db));
		return -1;
	}
	r->id = sqlite3_last_insert_rowid(db);
	return 0;
}

int
run_end(struct run *r, const char *outcome, const char *message,
    struct sbuf *why)
{
	sqlite3_stmt *st;
	char now[32];
	int rc;

	if (r->id == 0)
		return 0;
	now_iso(now, sizeof(now));
	st = db_prepare(r->db, "UPDATE run SET ended_at = ?, seconds = ?, "
	    "rows_in = ?, rows_ok = ?, rows_rejected = ?, inserted = ?, "
	    "updated = ?, unchanged = ?, warnings = ?, outcome = ?, "
	    "message = ?, source_id = coalesce(?, source_id), suppressed = ? "
	    "WHERE id = ?",
	    why);
	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, now, -1, SQLITE_STATIC);
	sqlite3_bind_double(st, 2, mono_now() - r->t0);
	sqlite3_bind_int64(st, 3, r->rows_in);
	sqlite3_bind_int64(st, 4, r->rows_ok);
	sqlite3_bind_int64(st, 5, r->rejected);
	sqlite3_bind_int64(st, 6, r->inserted);
	sqlite3_bind_int64(st, 7, r->updated);
	sqlite3_bind_int64(st, 8, r->unchanged);
	sqlite3_bind_int64(st, 9, r->warnings);
	sqlite3_bind_text(st, 10, outcome, -1, SQLITE_STATIC);
	if (message != NULL)
		sqlite3_bind_text(st, 11, message, -1, SQLITE_STATIC);
	if (r->source_id > 0)
		sqlite3_bind_int64(st, 12, r->source_id);
	sqlite3_bind_int64(st, 13, r->suppressed);
	sqlite3_bind_int64(st, 14, r->id);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		sb_reset(why);
		sb_adds(why, sqlite3_errmsg(r->db));
		return -1;
	}
	return 0;
}
