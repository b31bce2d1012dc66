/*
 * export_log.c - the export log of cdp-export: see export_log.h.
 *
 * The helper thread takes output chunks before id blocks, so the
 * reader of the output waits as little as possible.  It inserts
 * XLOG_BATCH rows per statement: the cost of an export_item row is
 * then mostly the b-tree insert itself, not a step and a reset per row.
 * A failed insert or write is remembered and what follows of its kind
 * is dropped, so the caller, not the thread, decides when to stop.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>

#include "export/export_log.h"
#include "store/database.h"

#define XLOG_BATCH	64	/* rows per multi-row INSERT */

/* Hash and write buf[0..n) to real; 0, or -1 (errno set). */
static int
put(struct xlog *lg, const char *buf, size_t n)
{
	size_t w = fwrite(buf, 1, n, lg->real);

	hash_add(&lg->digest, buf, w);
	return w < n ? -1 : 0;
}

/*
 * The stream's write: at once while there is no helper thread, else a
 * copy handed over as one chunk (buf is stdio's, reused on return).
 */
static ssize_t
hashed_write(void *cookie, const char *buf, size_t n)
{
	struct xlog *lg = cookie;
	struct xring *r = &lg->bytes;
	int b, e;

	if (!lg->running)
		return put(lg, buf, n) == -1 ? -1 : (ssize_t)n;
	pthread_mutex_lock(&lg->mu);
	while (r->nq >= XLOG_NBLOCK && lg->oerrno == 0)
		pthread_cond_wait(&lg->cv, &lg->mu);
	e = lg->oerrno;
	b = (r->rd + r->nq) % XLOG_NBLOCK;
	pthread_mutex_unlock(&lg->mu);
	if (e != 0) {
		errno = e;
		return -1;
	}
	/* Block b is neither queued nor being written: the caller's. */
	if (r->cap[b] < n) {
		free(r->blk[b]);
		r->blk[b] = xmalloc(n);
		r->cap[b] = n;
	}
	memcpy(r->blk[b], buf, n);
	r->len[b] = n;
	pthread_mutex_lock(&lg->mu);
	r->nq++;
	pthread_cond_broadcast(&lg->cv);
	pthread_mutex_unlock(&lg->mu);
	return (ssize_t)n;
}

/* Wait until every chunk is written, then flush real. */
static int
hashed_close(void *cookie)
{
	struct xlog *lg = cookie;
	int e = 0;

	if (lg->running) {
		pthread_mutex_lock(&lg->mu);
		while (lg->bytes.nq > 0)
			pthread_cond_wait(&lg->cv, &lg->mu);
		e = lg->oerrno;
		pthread_mutex_unlock(&lg->mu);
	}
	if (e != 0) {
		errno = e;
		return -1;
	}
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
	sb_init(&lg->werr);
	if ((lg->out = fopencookie(lg, "w", io)) == NULL)
		return -1;
	/* Large chunks: fewer hand-overs and writes, SHA-256 over long
	 * runs. */
	setvbuf(lg->out, NULL, _IOFBF, XLOG_CHUNK);
	return 0;
}

static void
ring_free(struct xring *r)
{
	int i;

	for (i = 0; i < XLOG_NBLOCK; i++)
		free(r->blk[i]);
	memset(r, 0, sizeof(*r));
}

void
xlog_release(struct xlog *lg)
{
	if (lg->running) {
		pthread_mutex_lock(&lg->mu);
		lg->stop = 1;
		pthread_cond_broadcast(&lg->cv);
		pthread_mutex_unlock(&lg->mu);
		pthread_join(lg->thread, NULL);
		lg->running = 0;
	}
	if (lg->ids.blk[0] != NULL) {
		pthread_mutex_destroy(&lg->mu);
		pthread_cond_destroy(&lg->cv);
	}
	ring_free(&lg->ids);
	ring_free(&lg->bytes);
	sqlite3_finalize(lg->item);
	sqlite3_finalize(lg->items);
	lg->item = lg->items = NULL;
	sb_release(&lg->werr);
}

/* Step the insert st (parameters bound); 0 or -1 with lg->werr. */
static int
insert(struct xlog *lg, sqlite3_stmt *st)
{
	int rc = 0;

	if (sqlite3_step(st) != SQLITE_DONE) {
		sb_reset(&lg->werr);
		sb_adds(&lg->werr, sqlite3_errmsg(lg->db));
		rc = -1;
	}
	sqlite3_reset(st);
	return rc;
}

/* Insert the export_item rows of ids[0..n); 0 or -1 with lg->werr. */
static int
insert_block(struct xlog *lg, const long long *ids, size_t n)
{
	size_t i = 0;
	int k;

	for (; n - i >= XLOG_BATCH; i += XLOG_BATCH) {
		for (k = 0; k < XLOG_BATCH; k++)
			sqlite3_bind_int64(lg->items, k + 2, ids[i + k]);
		if (insert(lg, lg->items) == -1)
			return -1;
	}
	for (; i < n; i++) {
		sqlite3_bind_int64(lg->item, 2, ids[i]);
		if (insert(lg, lg->item) == -1)
			return -1;
	}
	return 0;
}

/*
 * The helper thread: write each queued chunk and insert each queued id
 * block, oldest first, until stop, or closing with nothing queued.
 */
static void *
helper(void *arg)
{
	struct xlog *lg = arg;
	struct xring *r;
	int b, failed, e;

	pthread_mutex_lock(&lg->mu);
	for (;;) {
		while (lg->bytes.nq == 0 && lg->ids.nq == 0 &&
		    !lg->closing && !lg->stop)
			pthread_cond_wait(&lg->cv, &lg->mu);
		if (lg->stop)
			break;
		r = lg->bytes.nq > 0 ? &lg->bytes : &lg->ids;
		if (r->nq == 0)
			break;		/* closing, all done */
		b = r->rd;
		failed = r == &lg->bytes ? lg->oerrno != 0 : lg->failed;
		pthread_mutex_unlock(&lg->mu);
		e = 0;		/* after a failure, dropped: the export fails */
		if (!failed && r == &lg->bytes &&
		    put(lg, r->blk[b], r->len[b]) == -1)
			e = errno != 0 ? errno : EIO;
		else if (!failed && r == &lg->ids &&
		    insert_block(lg, r->blk[b], r->len[b]) == -1)
			e = -1;
		pthread_mutex_lock(&lg->mu);
		if (e > 0)
			lg->oerrno = e;
		else if (e == -1)
			lg->failed = 1;
		r->rd = (r->rd + 1) % XLOG_NBLOCK;
		r->nq--;
		pthread_cond_broadcast(&lg->cv);
	}
	pthread_mutex_unlock(&lg->mu);
	return NULL;
}

/* The INSERT of n export_item rows, the export id as ?1. */
static sqlite3_stmt *
prepare_items(struct xlog *lg, int n, struct sbuf *why)
{
	struct sbuf sql;
	sqlite3_stmt *st;
	int k;

	sb_init(&sql);
	sb_adds(&sql, "INSERT OR IGNORE INTO export_item (export, profile) "
	    "VALUES ");
	for (k = 0; k < n; k++)
		sb_addf(&sql, "%s(?1, ?%d)", k > 0 ? ", " : "", k + 2);
	st = db_prepare(lg->db, sql.buf, why);
	sb_release(&sql);
	if (st != NULL)
		sqlite3_bind_int64(st, 1, lg->id);
	return st;
}

int
xlog_begin(struct xlog *lg, long long run, const char *what,
    const char *dest, const char *format, struct sbuf *why)
{
	sqlite3_stmt *st;
	char ts[32];
	int i, e;

	lg->what = what;
	lg->dest = dest;
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
	if (db_step_final(lg->db, st, why) == -1)
		return -1;
	lg->id = sqlite3_last_insert_rowid(lg->db);
	if ((lg->item = prepare_items(lg, 1, why)) == NULL ||
	    (lg->items = prepare_items(lg, XLOG_BATCH, why)) == NULL)
		return -1;
	/* What is in stdio's buffer so far goes before the thread's. */
	if (fflush(lg->out) == EOF) {
		sb_reset(why);
		sb_addf(why, "%s", strerror(errno));
		return -1;
	}
	for (i = 0; i < XLOG_NBLOCK; i++) {
		lg->ids.blk[i] = xmalloc(XLOG_BLOCK * sizeof(long long));
		lg->ids.cap[i] = XLOG_BLOCK;
	}
	pthread_mutex_init(&lg->mu, NULL);
	pthread_cond_init(&lg->cv, NULL);
	if ((e = pthread_create(&lg->thread, NULL, helper, lg)) != 0) {
		sb_reset(why);
		sb_addf(why, "export log thread: %s", strerror(e));
		return -1;
	}
	lg->running = 1;
	return 0;
}

/* The thread's error into why; -1. */
static int
insert_failed(struct xlog *lg, struct sbuf *why)
{
	sb_reset(why);
	sb_addf(why, "export log: %s", lg->werr.buf);
	return -1;
}

/*
 * Queue the id block being filled; with last, tell the thread it is the
 * last one.  Waits while every block is in use.  0, or -1 with why.
 */
static int
hand_over(struct xlog *lg, int last, struct sbuf *why)
{
	struct xring *r = &lg->ids;
	int failed;

	pthread_mutex_lock(&lg->mu);
	if (last)
		lg->closing = 1;
	if (!lg->failed && r->len[r->fill] > 0)
		r->nq++;
	pthread_cond_broadcast(&lg->cv);
	while (!last && r->nq >= XLOG_NBLOCK && !lg->failed)
		pthread_cond_wait(&lg->cv, &lg->mu);
	if (!last && r->nq < XLOG_NBLOCK) {
		r->fill = (r->rd + r->nq) % XLOG_NBLOCK;
		r->len[r->fill] = 0;
	}
	failed = lg->failed;
	pthread_mutex_unlock(&lg->mu);
	return failed ? insert_failed(lg, why) : 0;
}

int
xlog_item(struct xlog *lg, long long p, struct sbuf *why)
{
	struct xring *r = &lg->ids;

	if (r->len[r->fill] == XLOG_BLOCK && hand_over(lg, 0, why) == -1)
		return -1;
	((long long *)r->blk[r->fill])[r->len[r->fill]++] = p;
	return 0;
}

int
xlog_end(struct xlog *lg, long long rows, struct sbuf *why)
{
	sqlite3_stmt *st;
	uint8_t d[HASH_LEN];
	char hex[2 * HASH_LEN + 1];

	if (lg->running) {
		hand_over(lg, 1, why);
		pthread_join(lg->thread, NULL);
		lg->running = 0;
		if (lg->failed)
			return insert_failed(lg, why);
	}
	hash_final(&lg->digest, d);
	hash_hex(d, HASH_LEN, hex);
	st = db_prepare(lg->db, "UPDATE export_log SET rows = ?, sha256 = ?, "
	    "complete = 1 WHERE id = ?", why);
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, rows);
	sqlite3_bind_text(st, 2, hex, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, lg->id);
	if (db_step_final(lg->db, st, why) == -1)
		return -1;
	st = db_prepare(lg->db, "DELETE FROM export_item WHERE profile IN "
	    "(SELECT profile FROM export_item WHERE export = ?1) AND export IN "
	    "(SELECT id FROM export_log WHERE what = ?2 AND dest IS ?3 AND "
	    "id < ?1)", why);
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, lg->id);
	sqlite3_bind_text(st, 2, lg->what, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, lg->dest, -1, SQLITE_STATIC);
	return db_step_final(lg->db, st, why);
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
	return db_step_final(lg->db, st, why);
}

int
xlog_delivered(sqlite3 *db, long long export, const char *path)
{
	sqlite3_stmt *st;
	struct hash h;
	uint8_t d[HASH_LEN];
	char hex[2 * HASH_LEN + 1], buf[1 << 16];
	ssize_t n;
	int fd, same = 0;

	if ((fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) == -1)
		return 0;
	hash_init(&h);
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		hash_add(&h, buf, (size_t)n);
	close(fd);
	if (n == -1)
		return 0;
	hash_final(&h, d);
	hash_hex(d, HASH_LEN, hex);
	if (sqlite3_prepare_v2(db, "SELECT 1 FROM export_log WHERE id = ? "
	    "AND complete AND sha256 = ?", -1, &st, NULL) != SQLITE_OK)
		return 0;
	sqlite3_bind_int64(st, 1, export);
	sqlite3_bind_text(st, 2, hex, -1, SQLITE_STATIC);
	same = sqlite3_step(st) == SQLITE_ROW;
	sqlite3_finalize(st);
	return same;
}

int
xlog_path(struct xlog *lg, const char *path, struct sbuf *why)
{
	sqlite3_stmt *st;

	st = db_prepare(lg->db, "UPDATE export_log SET path = ? WHERE id = ?",
	    why);
	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, path, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, lg->id);
	return db_step_final(lg->db, st, why);
}
