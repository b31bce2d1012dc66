/*
 * xlog.c - the export log of cdp-export: see xlog.h.
 */
#include <errno.h>
#include <string.h>
#include <sys/types.h>

#include "db.h"
#include "xlog.h"

static ssize_t
hashed_write(void *cookie, const char *buf, size_t n)
{
	struct xlog *lg = cookie;
	size_t w = fwrite(buf, 1, n, lg->real);

	hash_add(&lg->digest, buf, w);
	if (w < n)
		return w > 0 ? (ssize_t)w : -1;
	return (ssize_t)n;
}

static int
hashed_close(void *cookie)
{
	struct xlog *lg = cookie;

	return fflush(lg->real) == EOF ? -1 : 0;
}

int
xlog_open(struct xlog *lg, sqlite3 *db, FILE *f)
{
	static const cookie_io_functions_t io = {
		.write = hashed_write, .close = hashed_close
	};

	memset(lg, 0, sizeof(*lg));
	lg->db = db;
	lg->real = f;
	hash_init(&lg->digest);
	if ((lg->out = fopencookie(lg, "w", io)) == NULL)
		return -1;
	setvbuf(lg->out, NULL, _IOFBF, 1 << 16);
	return 0;
}

void
xlog_release(struct xlog *lg)
{
	sqlite3_finalize(lg->item);
	lg->item = NULL;
}

/* Step st once, finalize it; 0 or -1 with why. */
static int
step_once(sqlite3 *db, sqlite3_stmt *st, struct sbuf *why)
{
	int rc = 0;

	if (sqlite3_step(st) != SQLITE_DONE) {
		sb_reset(why);
		sb_adds(why, sqlite3_errmsg(db));
		rc = -1;
	}
	sqlite3_finalize(st);
	return rc;
}

int
xlog_begin(struct xlog *lg, long long run, const char *what,
    const char *dest, const char *format, struct sbuf *why)
{
	sqlite3_stmt *st;
	char ts[32];

	now_iso(ts, sizeof(ts));
	st = db_prepare(lg->db, "INSERT INTO export_log (run, ts, what, dest, "
	    "format, rows) VALUES (?, ?, ?, ?, ?, 0)", why);
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, run);
	sqlite3_bind_text(st, 2, ts, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, what, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, dest, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, format, -1, SQLITE_STATIC);
	if (step_once(lg->db, st, why) == -1)
		return -1;
	lg->id = sqlite3_last_insert_rowid(lg->db);
	lg->item = db_prepare(lg->db, "INSERT OR IGNORE INTO export_item "
	    "(export, profile) VALUES (?, ?)", why);
	if (lg->item == NULL)
		return -1;
	sqlite3_bind_int64(lg->item, 1, lg->id);
	return 0;
}

int
xlog_item(struct xlog *lg, long long p, struct sbuf *why)
{
	int rc = 0;

	sqlite3_bind_int64(lg->item, 2, p);
	if (sqlite3_step(lg->item) != SQLITE_DONE) {
		sb_reset(why);
		sb_adds(why, sqlite3_errmsg(lg->db));
		rc = -1;
	}
	sqlite3_reset(lg->item);
	return rc;
}

int
xlog_end(struct xlog *lg, long long rows, struct sbuf *why)
{
	sqlite3_stmt *st;
	uint8_t d[HASH_LEN];
	char hex[2 * HASH_LEN + 1];

	hash_final(&lg->digest, d);
	hash_hex(d, HASH_LEN, hex);
	st = db_prepare(lg->db, "UPDATE export_log SET rows = ?, sha256 = ?, "
	    "complete = 1 WHERE id = ?", why);
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, rows);
	sqlite3_bind_text(st, 2, hex, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, lg->id);
	return step_once(lg->db, st, why);
}

int
xlog_cursor(struct xlog *lg, const char *segment, const char *dest,
    long long run, struct sbuf *why)
{
	sqlite3_stmt *st;

	st = db_prepare(lg->db, "INSERT INTO export_cursor (segment, dest, "
	    "run, export) VALUES (?, ?, ?, ?) ON CONFLICT (segment, dest) "
	    "DO UPDATE SET run = excluded.run, export = excluded.export", why);
	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, segment, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, dest, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, run);
	sqlite3_bind_int64(st, 4, lg->id);
	return step_once(lg->db, st, why);
}
