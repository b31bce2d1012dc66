/*
 * cdp-ingest - collect CSV and NDJSON records into the profile database.
 *
 * Records come mapped and normalised from rin (common/rin.c); this file
 * stores them.  (source, record id) is unique: a record seen again is
 * "unchanged" when identical and "updated" when not, the replaced
 * version kept in record_history.  A bad record is rejected with
 * file:line and the run goes on.
 *
 * Records are written in batches bounded in rows, bytes and age, and at
 * once when the input goes quiet, so a killed run loses at most the open
 * batch and a pipe fed by `tail -F` is visible within a second.  A batch
 * is held in memory and written sorted by record id, and its identifiers
 * sorted by value: B-tree inserts in key order touch each index page
 * once per batch instead of once per row, which is what makes loading
 * into indexed tables fast (random-order inserts are several times
 * slower once the indexes outgrow the CPU caches).  A writer thread
 * stores one batch while the main thread reads and normalises the next,
 * so parsing costs no wall time on a machine with two cores; only the
 * writer touches the database while it runs.
 */
#include <errno.h>
#include <pthread.h>
#include <sys/stat.h>
#include <time.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bulk.h"
#include "catalog.h"
#include "db.h"
#include "hash.h"
#include "jw.h"
#include "map.h"
#include "norm.h"
#include "priv.h"
#include "rin.h"
#include "run.h"
#include "util.h"

#define MAX_MESSAGES	100			/* diagnostics shown per file */
#define REJECT_RAW_MAX	(1024 * 1024)		/* raw bytes kept per reject */
#define NOVAL		UINT32_MAX		/* length of an absent value */

/* Slots of a pending record's values: id, raw, canonical fields, keys. */
enum { S_ID, S_RAW, S_VAL, S_KEY = S_VAL + C_NCANON, S_NSLOT = S_KEY + 3 };

/* A record waiting in the batch; its bytes are in the arena at off. */
struct pend {
	size_t	 off;		/* arena offset of the first slot */
	uint32_t len[S_NSLOT];	/* slot lengths, NOVAL when absent */
	uint32_t ncons;		/* consents after the slots: "purpose\0" + 0|1 */
	uint32_t seq;		/* arrival order, to keep sorting stable */
	int64_t	 fp;		/* fingerprint of raw and derived values */
	uint32_t given;		/* canonical fields the source gave (cat_add) */
	uint32_t h;		/* idset_hash of the id, for a bulk load */
	int	 stored;	/* inserted or updated by the writer */
};

/* An identifier of a record inserted in this batch. */
struct pident {
	int	 canon;
	const char *v;		/* into the arena */
	uint32_t len;
	long long rec;
};

/* A reject waiting in the batch (strings in the arena). */
struct prej {
	size_t	 file, reason, raw;	/* arena offsets */
	size_t	 rawlen;
	long	 line;
	int	 hasraw;
};

/*
 * A batch: the records and rejects read since the last one.  There are
 * two: the reader fills one while the writer thread stores the other.
 */
struct batch {
	struct sbuf arena;	/* the bytes of every record and reject */
	struct pend *pend;
	size_t	 npend, cappend;
	struct prej *rej;
	size_t	 nrej, caprej;
	double	 t0;		/* when the first item came */
	struct cat *cat;	/* the catalog of its records */
};

struct ingest {
	sqlite3	*db;
	struct run run;
	long long source_id;
	const char *source;
	struct map map;
	struct rin_opts opts;
	FILE	*rejects;	/* -r FILE, or NULL */
	const char *rejects_path;
	int	 lastfmt;	/* format of the last file read */
	_Atomic int failed;	/* a database error: stop, roll back the batch */
	long long lost;		/* records of batches rolled back */
	int	 badinput;	/* an input could not be read: exit 1 at the end */
	long	 nmsg;		/* diagnostics printed for the current file */
	const char *fname;
	struct rin *rin;	/* the file being read */

	sqlite3_stmt *ins_rec, *sel_rec, *upd_rec, *ins_hist;
	sqlite3_stmt *ins_ident, *del_ident, *ins_consent, *del_consent;
	sqlite3_stmt *ins_reject;
	sqlite3_stmt *sel_supp;	/* NULL when nothing was ever erased */
	sqlite3_stmt *sel_row;	/* sel_rec by rowid, for the bulk load */
	uint8_t	 salt[PRIV_SALT_LEN];	/* of the suppression hashes */

	/* The batches and the writer thread. */
	struct batch bufs[2];
	struct batch *cur;	/* filled by the reader */
	struct batch *full;	/* handed to the writer, or NULL */
	struct batch *wb;	/* the batch the writer is storing */
	pthread_t writer;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	int	 done;		/* no more batches will come */
	struct pident *ids;
	size_t	 nids, capids;
	const char *sv[S_NSLOT];	/* the slots of the record being stored */
	uint32_t sn[S_NSLOT];
	const char *scons;	/* its consents */
	long	 batch_max;	/* rows */
	size_t	 batch_bytes;	/* arena bytes */
	double	 batch_age;	/* seconds */
	long long batch_first;	/* first rowid inserted by this flush */

	/* A bulk load (bulk.h): record_key and idents built at the end. */
	int	 bulk;
	int	 bulk_updated;	/* it updated records it had inserted */
	long long cache;	/* cache_size to restore after it */
	double	 writer_cpu;	/* CPU seconds of the writer thread */
	struct idset seen;	/* the rows it inserted */

	char	 now[32];
	double	 last_progress;
	int	 progress;	/* stderr is a terminal */
	struct sbuf why, tmp;
	struct sbuf fail;	/* the database error that failed the run */
};

static void __attribute__((noreturn))
usage(void)
{
	fprintf(stderr, "usage: %s [-qv] [-d DB] -s SOURCE [-f csv|ndjson] "
	    "[-D DELIM] [-i ID_FIELD]\n"
	    "           [-m CANON=FIELD | -m CANON:=VALUE]... [-M MAPFILE] "
	    "[-c COUNTRY]\n"
	    "           [-T DATE_FORMAT] [-r REJECTS] [FILE ...]\n", progname);
	exit(EXIT_USAGE);
}

static void
dberr(struct ingest *g, const char *what)
{
	if (!g->failed) {
		warnx_("%s: %s", what, sqlite3_errmsg(g->db));
		sb_reset(&g->fail);
		sb_addf(&g->fail, "%s: %s", what, sqlite3_errmsg(g->db));
	}
	g->failed = 1;
}

/* Source names are data, but also directory names for cdp-run. */
static int
valid_source(const char *s)
{
	size_t n = strlen(s), i;

	if (n == 0 || n > 64 || s[0] == '.' || s[0] == '-')
		return 0;
	for (i = 0; i < n; i++)
		if (!(s[i] >= 'a' && s[i] <= 'z') && !(s[i] >= 'A' &&
		    s[i] <= 'Z') && !(s[i] >= '0' && s[i] <= '9') &&
		    s[i] != '_' && s[i] != '-' && s[i] != '.')
			return 0;
	return 1;
}

/* Identifiers: staged during a bulk load (bulk.h), else stored. */
static void
prepare_ident(struct ingest *g)
{
	sqlite3_finalize(g->ins_ident);
	g->ins_ident = db_prepare(g->db, g->bulk ?
	    "INSERT INTO temp.bulk_ident(kind, value, record) VALUES (?, ?, ?)" :
	    "INSERT OR IGNORE INTO ident(kind, value, record) VALUES (?, ?, ?)",
	    &g->why);
	if (g->ins_ident == NULL)
		die(EXIT_FAIL, "prepare: %s", g->why.buf);
}

static void
prepare(struct ingest *g)
{
	struct sbuf sql;
	int i;

	sb_init(&sql);
	sb_adds(&sql, "INSERT INTO record(source_id, record_id");
	for (i = 0; i < C_NCANON; i++)
		sb_addf(&sql, ", %s", map_canon_name(i));
	sb_adds(&sql, ", first_name_key, last_name_key, full_name_key, raw, "
	    "fp, run, first_run) VALUES (?1, ?2");
	for (i = 0; i < C_NCANON + 3 + 3; i++)
		sb_addf(&sql, ", ?%d", i + 3);
	sb_addf(&sql, ", ?%d", C_NCANON + 8);
	/* Without record_key (a bulk load) the writer checks ids itself. */
	sb_adds(&sql, g->bulk ? ")" :
	    ") ON CONFLICT(source_id, record_id) DO NOTHING");
	sqlite3_finalize(g->ins_rec);
	g->ins_rec = db_prepare(g->db, sql.buf, &g->why);
	if (g->ins_rec == NULL)
		die(EXIT_FAIL, "prepare: %s", g->why.buf);
	if (g->upd_rec != NULL) {
		sb_release(&sql);
		prepare_ident(g);
		return;
	}

	sb_reset(&sql);
	sb_adds(&sql, "UPDATE record SET ");
	for (i = 0; i < C_NCANON; i++)
		sb_addf(&sql, "%s = ?%d, ", map_canon_name(i), i + 3);
	sb_addf(&sql, "first_name_key = ?%d, last_name_key = ?%d, "
	    "full_name_key = ?%d, raw = ?%d, fp = ?%d, run = ?%d "
	    "WHERE id = ?1",
	    C_NCANON + 3, C_NCANON + 4, C_NCANON + 5, C_NCANON + 6,
	    C_NCANON + 7, C_NCANON + 8);
	g->upd_rec = db_prepare(g->db, sql.buf, &g->why);
	sb_release(&sql);

	g->sel_rec = db_prepare(g->db, "SELECT id, fp, raw, email, phone, "
	    "customer_id, loyalty_id, anonymous_id FROM record "
	    "WHERE source_id = ? AND record_id = ?", &g->why);
	g->sel_row = db_prepare(g->db, "SELECT id, fp, raw, email, phone, "
	    "customer_id, loyalty_id, anonymous_id, record_id FROM record "
	    "WHERE id = ?", &g->why);
	g->ins_hist = db_prepare(g->db, "INSERT INTO record_history(record, "
	    "run, raw, replaced_at) VALUES (?, ?, ?, ?)", &g->why);
	prepare_ident(g);
	g->del_ident = db_prepare(g->db, "DELETE FROM ident WHERE kind = ? "
	    "AND value = ? AND record = ?", &g->why);
	g->ins_consent = db_prepare(g->db, "INSERT INTO consent(record, "
	    "kind, value, purpose, granted, ts, source_id, run) "
	    "VALUES (?, NULL, NULL, ?, ?, ?, ?, ?)", &g->why);
	g->del_consent = db_prepare(g->db, "DELETE FROM consent "
	    "WHERE record = ?", &g->why);
	g->ins_reject = db_prepare(g->db, "INSERT INTO reject(run, source_id, "
	    "file, line, reason, raw) VALUES (?, ?, ?, ?, ?, ?)", &g->why);
	if (!g->upd_rec || !g->sel_rec || !g->sel_row || !g->ins_hist ||
	    !g->ins_ident || !g->del_ident || !g->ins_consent ||
	    !g->del_consent || !g->ins_reject)
		die(EXIT_FAIL, "prepare: %s", g->why.buf);
}

/* Erased identifiers are refused: load what is needed to check them. */
static void
prepare_suppression(struct ingest *g)
{
	sqlite3_stmt *st;
	int n = 0;

	st = db_prepare(g->db, "SELECT EXISTS (SELECT 1 FROM suppression)",
	    &g->why);
	if (st == NULL)
		die(EXIT_FAIL, "prepare: %s", g->why.buf);
	if (sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	if (n == 0)
		return;
	if (priv_salt(g->db, g->salt, 0) != 1)
		die(EXIT_FAIL, "suppression list without a salt: %s",
		    sqlite3_errmsg(g->db));
	g->sel_supp = db_prepare(g->db, "SELECT 1 FROM suppression "
	    "WHERE kind = ? AND hash = ?", &g->why);
	if (g->sel_supp == NULL)
		die(EXIT_FAIL, "prepare: %s", g->why.buf);
}

static void
finalize_all(struct ingest *g)
{
	sqlite3_finalize(g->sel_supp);
	sqlite3_finalize(g->ins_rec);
	sqlite3_finalize(g->upd_rec);
	sqlite3_finalize(g->sel_rec);
	sqlite3_finalize(g->sel_row);
	sqlite3_finalize(g->ins_hist);
	sqlite3_finalize(g->ins_ident);
	sqlite3_finalize(g->del_ident);
	sqlite3_finalize(g->ins_consent);
	sqlite3_finalize(g->del_consent);
	sqlite3_finalize(g->ins_reject);
}

static long long
register_source(struct ingest *g)
{
	sqlite3_stmt *st;
	long long id = 0;

	now_iso(g->now, sizeof(g->now));
	st = db_prepare(g->db, "INSERT INTO source(name, created_at) "
	    "VALUES (?, ?) ON CONFLICT(name) DO NOTHING", &g->why);
	if (st == NULL)
		die(EXIT_FAIL, "%s", g->why.buf);
	sqlite3_bind_text(st, 1, g->source, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, g->now, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_DONE)
		die(EXIT_FAIL, "%s: %s", sqlite3_db_filename(g->db, "main"),
		    sqlite3_errmsg(g->db));
	sqlite3_finalize(st);
	st = db_prepare(g->db, "SELECT id FROM source WHERE name = ?",
	    &g->why);
	if (st == NULL)
		die(EXIT_FAIL, "%s", g->why.buf);
	sqlite3_bind_text(st, 1, g->source, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW)
		id = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	if (id == 0)
		die(EXIT_FAIL, "source: %s", sqlite3_errmsg(g->db));
	return id;
}

static void
progress(struct ingest *g, int final)
{
	double t;

	if (!g->progress)
		return;
	t = mono_now();
	if (!final && t - g->last_progress < 1.0)
		return;
	g->last_progress = t;
	if (final)
		fprintf(stderr, "\r\033[K");
	else
		fprintf(stderr, "\r%s: %s: %lld records\033[K", progname,
		    g->source, g->run.rows_in);
}

/* Storing one pending record. */

static const char *
slot(const struct batch *b, const struct pend *p, int s, uint32_t *len)
{
	size_t off = p->off;
	int i;

	for (i = 0; i < s; i++)
		if (p->len[i] != NOVAL)
			off += p->len[i];
	*len = p->len[s];
	return p->len[s] == NOVAL ? NULL : b->arena.buf + off;
}

/* Locate every slot of p once, for the cslot lookups that follow. */
static void
load_slots(struct ingest *g, const struct pend *p)
{
	const char *v = g->wb->arena.buf + p->off;
	int s;

	for (s = 0; s < S_NSLOT; s++) {
		g->sn[s] = p->len[s];
		g->sv[s] = p->len[s] == NOVAL ? NULL : v;
		if (p->len[s] != NOVAL)
			v += p->len[s];
	}
	g->scons = v;
}

static inline const char *
cslot(const struct ingest *g, int s, uint32_t *len)
{
	*len = g->sn[s];
	return g->sv[s];
}

static int
step_done(struct ingest *g, sqlite3_stmt *st, const char *what)
{
	int rc = sqlite3_step(st);

	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		dberr(g, what);
		return -1;
	}
	return 0;
}

static void
bind_values(struct ingest *g, sqlite3_stmt *st, const struct pend *p)
{
	const char *v;
	uint32_t n;
	int s;

	for (s = S_VAL; s < S_NSLOT; s++) {
		v = cslot(g, s, &n);
		if (v == NULL)
			sqlite3_bind_null(st, s - S_VAL + 3);
		else if (s == S_VAL + C_AMOUNT && n < 64) {
			char num[64];	/* slot values are not NUL-terminated */

			memcpy(num, v, n);
			num[n] = '\0';
			sqlite3_bind_double(st, s - S_VAL + 3, strtod(num, NULL));
		}
		else
			sqlite3_bind_text(st, s - S_VAL + 3, v, (int)n,
			    SQLITE_STATIC);
	}
	v = cslot(g, S_RAW, &n);
	sqlite3_bind_text64(st, C_NCANON + 6, v, n, SQLITE_STATIC,
	    SQLITE_UTF8);
	sqlite3_bind_int64(st, C_NCANON + 7, p->fp);
	sqlite3_bind_int64(st, C_NCANON + 8, g->run.id);
}

static int
insert_ident(struct ingest *g, int canon, const char *v, uint32_t n,
    long long rec)
{
	sqlite3_bind_text(g->ins_ident, 1, map_canon_name(canon), -1,
	    SQLITE_STATIC);
	sqlite3_bind_text(g->ins_ident, 2, v, (int)n, SQLITE_STATIC);
	sqlite3_bind_int64(g->ins_ident, 3, rec);
	return step_done(g, g->ins_ident, "ident");
}

static int
cmp_pident(const void *a, const void *b)
{
	const struct pident *x = a, *y = b;
	int c;

	if (x->canon != y->canon)
		return strcmp(map_canon_name(x->canon),
		    map_canon_name(y->canon));
	c = memcmp(x->v, y->v, x->len < y->len ? x->len : y->len);
	if (c != 0)
		return c;
	if (x->len != y->len)
		return x->len < y->len ? -1 : 1;
	return (x->rec > y->rec) - (x->rec < y->rec);
}

/* Write the identifiers gathered so far, in index order. */
static int
flush_idents(struct ingest *g)
{
	size_t i;

	if (g->nids == 0)
		return 0;
	if (!g->bulk)
		qsort(g->ids, g->nids, sizeof(*g->ids), cmp_pident);
	for (i = 0; i < g->nids; i++)
		if (insert_ident(g, g->ids[i].canon, g->ids[i].v,
		    g->ids[i].len, g->ids[i].rec) == -1)
			return -1;
	g->nids = 0;
	return 0;
}

static void
gather_idents(struct ingest *g, long long rec)
{
	const char *v;
	uint32_t n;
	int c;

	for (c = 0; c <= C_ANONYMOUS_ID; c++) {
		if ((v = cslot(g, S_VAL + c, &n)) == NULL)
			continue;
		if (g->nids == g->capids) {
			g->capids = g->capids ? 2 * g->capids : 1024;
			g->ids = xrealloc(g->ids, g->capids * sizeof(*g->ids));
		}
		g->ids[g->nids].canon = c;
		g->ids[g->nids].v = v;
		g->ids[g->nids].len = n;
		g->ids[g->nids++].rec = rec;
	}
}

static int
add_consents(struct ingest *g, const struct pend *p, long long rec)
{
	const char *c, *ts;
	uint32_t n, i, tslen;

	c = g->scons;
	ts = cslot(g, S_VAL + C_TS, &tslen);
	for (i = 0; i < p->ncons; i++) {
		n = (uint32_t)strlen(c);
		sqlite3_bind_int64(g->ins_consent, 1, rec);
		sqlite3_bind_text(g->ins_consent, 2, c, (int)n, SQLITE_STATIC);
		sqlite3_bind_int(g->ins_consent, 3, c[n + 1]);
		if (ts != NULL)
			sqlite3_bind_text(g->ins_consent, 4, ts, (int)tslen,
			    SQLITE_STATIC);
		else
			sqlite3_bind_text(g->ins_consent, 4, g->now, -1,
			    SQLITE_STATIC);
		sqlite3_bind_int64(g->ins_consent, 5, g->source_id);
		sqlite3_bind_int64(g->ins_consent, 6, g->run.id);
		if (step_done(g, g->ins_consent, "consent") == -1)
			return -1;
		c += n + 2;
	}
	return 0;
}

/* Replace a stored record whose content changed; sel is on its row. */
static int
update(struct ingest *g, const struct pend *p, sqlite3_stmt *sel)
{
	long long rec = sqlite3_column_int64(sel, 0);
	const char *oraw = (const char *)sqlite3_column_text(sel, 2);
	const char *raw, *v;
	uint32_t rawlen, n;
	int orawlen = sqlite3_column_bytes(sel, 2), c;

	/* Its identifiers may still wait in the batch: write them first. */
	if (rec >= g->batch_first && flush_idents(g) == -1)
		return -1;
	raw = cslot(g, S_RAW, &rawlen);
	if ((uint32_t)orawlen != rawlen || memcmp(oraw, raw, rawlen) != 0) {
		sqlite3_bind_int64(g->ins_hist, 1, rec);
		sqlite3_bind_int64(g->ins_hist, 2, g->run.id);
		sqlite3_bind_text(g->ins_hist, 3, oraw, orawlen,
		    SQLITE_TRANSIENT);
		sqlite3_bind_text(g->ins_hist, 4, g->now, -1, SQLITE_STATIC);
		if (step_done(g, g->ins_hist, "history") == -1)
			return -1;
	}
	for (c = 0; c <= C_ANONYMOUS_ID; c++) {
		if (sqlite3_column_type(sel, 3 + c) == SQLITE_NULL)
			continue;
		sqlite3_bind_text(g->del_ident, 1, map_canon_name(c), -1,
		    SQLITE_STATIC);
		sqlite3_bind_text(g->del_ident, 2,
		    (const char *)sqlite3_column_text(sel, 3 + c), -1,
		    SQLITE_TRANSIENT);
		sqlite3_bind_int64(g->del_ident, 3, rec);
		if (step_done(g, g->del_ident, "ident") == -1)
			return -1;
	}
	sqlite3_reset(sel);
	bind_values(g, g->upd_rec, p);
	sqlite3_bind_int64(g->upd_rec, 1, rec);
	if (step_done(g, g->upd_rec, "update") == -1)
		return -1;
	sqlite3_bind_int64(g->del_consent, 1, rec);
	if (step_done(g, g->del_consent, "consent") == -1)
		return -1;
	for (c = 0; c <= C_ANONYMOUS_ID; c++)
		if ((v = cslot(g, S_VAL + c, &n)) != NULL &&
		    insert_ident(g, c, v, n, rec) == -1)
			return -1;
	if (add_consents(g, p, rec) == -1)
		return -1;
	g->run.updated++;
	return 0;
}

/* Whether the record carries an erased identifier (writer thread). */
static int
suppressed(struct ingest *g)
{
	static const int kinds[] = { C_EMAIL, C_PHONE, C_CUSTOMER_ID,
	    C_LOYALTY_ID };
	const char *v;
	char hex[65];
	uint32_t n;
	size_t k;
	int hit = 0;

	for (k = 0; k < sizeof(kinds) / sizeof(kinds[0]) && !hit; k++) {
		if ((v = cslot(g, S_VAL + kinds[k], &n)) == NULL)
			continue;
		priv_hash(g->salt, map_canon_name(kinds[k]), v, n, hex);
		sqlite3_bind_text(g->sel_supp, 1, map_canon_name(kinds[k]), -1,
		    SQLITE_STATIC);
		sqlite3_bind_text(g->sel_supp, 2, hex, 64, SQLITE_STATIC);
		hit = sqlite3_step(g->sel_supp) == SQLITE_ROW;
		sqlite3_reset(g->sel_supp);
	}
	return hit;
}

/* What follows the insert of a new record: its identifiers, consents. */
static int
inserted(struct ingest *g, const struct pend *p, long long rec)
{
	if (g->batch_first == 0)
		g->batch_first = rec;
	gather_idents(g, rec);
	if (add_consents(g, p, rec) == -1)
		return -1;
	g->run.inserted++;
	return 0;
}

/*
 * In a bulk load: the row this load already stored under id, found
 * through the idset and checked against its stored id, left on sel_row;
 * 1, 0 when there is none, -1 on a database error.
 */
static int
bulk_find(struct ingest *g, uint32_t h, const char *id, uint32_t idlen)
{
	sqlite3_stmt *st = g->sel_row;
	int64_t row;
	size_t i = 0;

	while (idset_next(&g->seen, h, &i, &row)) {
		sqlite3_bind_int64(st, 1, row);
		if (sqlite3_step(st) != SQLITE_ROW) {
			sqlite3_reset(st);
			dberr(g, "select");
			return -1;
		}
		if ((uint32_t)sqlite3_column_bytes(st, 8) == idlen &&
		    memcmp(sqlite3_column_blob(st, 8), id, idlen) == 0)
			return 1;
		sqlite3_reset(st);
	}
	return 0;
}

static int
store_bulk(struct ingest *g, const struct pend *p)
{
	const char *id;
	uint32_t idlen, h;
	long long rec;
	int rc;

	id = cslot(g, S_ID, &idlen);
	h = p->h;
	if ((rc = bulk_find(g, h, id, idlen)) == -1)
		return -1;
	if (rc == 1) {
		if (sqlite3_column_int64(g->sel_row, 1) == p->fp) {
			sqlite3_reset(g->sel_row);
			g->run.unchanged++;
			return 0;
		}
		g->bulk_updated = 1;
		rc = update(g, p, g->sel_row);
		sqlite3_reset(g->sel_row);
		return rc;
	}
	bind_values(g, g->ins_rec, p);
	sqlite3_bind_int64(g->ins_rec, 1, g->source_id);
	sqlite3_bind_text(g->ins_rec, 2, id, (int)idlen, SQLITE_STATIC);
	if (step_done(g, g->ins_rec, "insert") == -1)
		return -1;
	rec = sqlite3_last_insert_rowid(g->db);
	idset_add(&g->seen, h, rec);
	return inserted(g, p, rec);
}

static int
store(struct ingest *g, const struct pend *p)
{
	sqlite3_stmt *sel = g->sel_rec;
	const char *id;
	uint32_t idlen;
	int rc;

	if (g->sel_supp != NULL && suppressed(g)) {
		g->run.suppressed++;
		return 0;
	}
	if (g->bulk)
		return store_bulk(g, p);
	id = cslot(g, S_ID, &idlen);
	bind_values(g, g->ins_rec, p);
	sqlite3_bind_int64(g->ins_rec, 1, g->source_id);
	sqlite3_bind_text(g->ins_rec, 2, id, (int)idlen, SQLITE_STATIC);
	if (step_done(g, g->ins_rec, "insert") == -1)
		return -1;
	if (sqlite3_changes(g->db) == 1)
		return inserted(g, p, sqlite3_last_insert_rowid(g->db));
	sqlite3_bind_int64(sel, 1, g->source_id);
	sqlite3_bind_text(sel, 2, id, (int)idlen, SQLITE_STATIC);
	if ((rc = sqlite3_step(sel)) != SQLITE_ROW) {
		sqlite3_reset(sel);
		dberr(g, "select");
		return -1;
	}
	if (sqlite3_column_int64(sel, 1) == p->fp) {
		sqlite3_reset(sel);
		g->run.unchanged++;
		return 0;
	}
	rc = update(g, p, sel);
	sqlite3_reset(sel);
	return rc;
}

/* The batch. */

static const struct batch *sort_ctx;	/* qsort has no context argument */

static int
cmp_pend(const void *a, const void *b)
{
	const struct pend *x = a, *y = b;
	const char *ix, *iy;
	uint32_t lx, ly;
	int c;

	ix = slot(sort_ctx, x, S_ID, &lx);
	iy = slot(sort_ctx, y, S_ID, &ly);
	c = memcmp(ix, iy, lx < ly ? lx : ly);
	if (c == 0 && lx != ly)
		c = lx < ly ? -1 : 1;
	if (c == 0)
		c = (x->seq > y->seq) - (x->seq < y->seq);
	return c;
}

static int
store_rejects(struct ingest *g)
{
	const struct batch *b = g->wb;
	struct prej *r;
	size_t i;

	for (i = 0; i < b->nrej; i++) {
		r = &b->rej[i];
		sqlite3_bind_int64(g->ins_reject, 1, g->run.id);
		sqlite3_bind_int64(g->ins_reject, 2, g->source_id);
		sqlite3_bind_text(g->ins_reject, 3, b->arena.buf + r->file, -1,
		    SQLITE_STATIC);
		sqlite3_bind_int64(g->ins_reject, 4, r->line);
		sqlite3_bind_text(g->ins_reject, 5, b->arena.buf + r->reason,
		    -1, SQLITE_STATIC);
		if (r->hasraw)
			sqlite3_bind_blob64(g->ins_reject, 6,
			    b->arena.buf + r->raw, r->rawlen, SQLITE_STATIC);
		else
			sqlite3_bind_null(g->ins_reject, 6);
		if (step_done(g, g->ins_reject, "reject") == -1)
			return -1;
	}
	return 0;
}

/*
 * Merge the batch's catalog into the database.  The reader catalogued
 * every record; when some were not stored (unchanged, or suppressed),
 * the batch's catalog is rebuilt from the stored ones, so a file read
 * twice is not counted twice.
 */
static void
catalog(struct ingest *g, struct batch *b)
{
	const char *val[C_NCANON], *raw;
	uint32_t len[C_NCANON], rawlen;
	size_t i, nstored = 0;
	int c;

	for (i = 0; i < b->npend; i++)
		nstored += b->pend[i].stored;
	if (nstored < b->npend) {
		cat_drop_records(b->cat);
		for (i = 0; i < b->npend && nstored > 0; i++) {
			if (!b->pend[i].stored)
				continue;
			raw = slot(b, &b->pend[i], S_RAW, &rawlen);
			for (c = 0; c < C_NCANON; c++)
				val[c] = slot(b, &b->pend[i], S_VAL + c,
				    &len[c]);
			cat_add_stored(b->cat, raw, rawlen, val, len,
			    b->pend[i].given);
		}
	}
	if (cat_flush(b->cat, g->db, g->source_id, g->run.id, g->now,
	    &g->why) == -1) {
		warnx_("%s", g->why.buf);
		g->failed = 1;
	}
}

/* CDP_TIMING=1: where the time went, on stderr (for benchmarks). */
static int timing;

/* CPU seconds of the calling thread, for CDP_TIMING. */
static double
thread_cpu(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts) == -1)
		return 0;
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/*
 * End a bulk load: build record_key and the idents, then go on loading
 * normally (prepare's insert checks ids through the index again).
 */
static void
end_bulk(struct ingest *g)
{
	double t = mono_now(), c = thread_cpu();

	sqlite3_finalize(g->ins_ident);	/* on the stage, dropped now */
	g->ins_ident = NULL;
	/* The sorts spill to files: a small cache keeps memory flat, and
	 * a second thread sorts and merges the runs (1.6-1.7 s for the
	 * indexes of 1M records where one took 2.1-2.4 s; 16 MB more). */
	if (db_exec(g->db, "PRAGMA cache_size = -8192; PRAGMA threads = 2", &g->why) == -1) {
		warnx_("%s", g->why.buf);
		g->failed = 1;
		return;
	}
	if (bulk_finish(g->db, g->bulk_updated, &g->why) == -1) {
		warnx_("building the indexes: %s", g->why.buf);
		sb_reset(&g->fail);
		sb_addf(&g->fail, "building the indexes: %s", g->why.buf);
		g->failed = 1;
		return;
	}
	if (verbose)
		fprintf(stderr, "%s: bulk load of %zu records: indexes built\n",
		    progname, g->seen.n);
	if (timing)
		fprintf(stderr, "%s: timing: indexes %.2f s, CPU %.2f s\n",
		    progname, mono_now() - t, thread_cpu() - c);
	g->bulk = 0;
	idset_release(&g->seen);
	prepare(g);
	sb_reset(&g->tmp);
	sb_addf(&g->tmp, "PRAGMA cache_size = %lld", g->cache);
	if (db_exec(g->db, g->tmp.buf, &g->why) == -1)
		warnx_("%s", g->why.buf);
}

/* Store batch b in one transaction (writer thread). */
static void
write_batch(struct ingest *g, struct batch *b)
{
	long long ins = g->run.inserted, upd = g->run.updated;
	long long unch = g->run.unchanged, supp = g->run.suppressed;
	size_t i;

	if ((b->npend == 0 && b->nrej == 0 && !cat_pending(b->cat)) ||
	    g->failed)
		return;
	g->wb = b;
	if (db_begin(g->db, &g->why) == -1) {
		warnx_("begin: %s", g->why.buf);
		g->failed = 1;
		return;
	}
	now_iso(g->now, sizeof(g->now));
	sort_ctx = b;
	/* Sorted by id for the index's sake; a bulk load has none. */
	if (b->npend > 0 && !g->bulk)
		qsort(b->pend, b->npend, sizeof(*b->pend), cmp_pend);
	g->batch_first = 0;
	g->nids = 0;
	for (i = 0; i < b->npend && !g->failed; i++) {
		long long n = g->run.inserted + g->run.updated;

		/* The id set is far larger than the CPU caches: ask for the
		 * slot of a record a few ahead while this one is stored. */
		if (g->bulk && i + 8 < b->npend)
			idset_prefetch(&g->seen, b->pend[i + 8].h);
		load_slots(g, &b->pend[i]);
		store(g, &b->pend[i]);
		b->pend[i].stored = g->run.inserted + g->run.updated != n;
	}
	if (!g->failed)
		flush_idents(g);
	if (!g->failed)
		store_rejects(g);
	if (!g->failed)
		catalog(g, b);
	g->nids = 0;
	if (!g->failed && db_commit(g->db, &g->why) == -1) {
		warnx_("commit: %s", g->why.buf);
		sb_reset(&g->fail);
		sb_addf(&g->fail, "commit: %s", g->why.buf);
		g->failed = 1;
	}
	if (g->failed) {
		/* Nothing of this batch is stored: do not count it. */
		db_rollback(g->db);
		g->run.inserted = ins;
		g->run.updated = upd;
		g->run.unchanged = unch;
		g->run.suppressed = supp;
		g->lost += (long long)b->npend;
	}
	if (!g->failed && g->bulk && idset_full(&g->seen))
		end_bulk(g);
}

static void
batch_reset(struct batch *b)
{
	b->npend = b->nrej = 0;
	sb_reset(&b->arena);
	cat_reset(b->cat);
	b->t0 = mono_now();
}

static void *
writer_main(void *arg)
{
	struct ingest *g = arg;
	struct batch *b;

	pthread_setname_np(pthread_self(), "cdp-writer");	/* for perf, top */
	pthread_mutex_lock(&g->mu);
	for (;;) {
		while (g->full == NULL && !g->done)
			pthread_cond_wait(&g->cv, &g->mu);
		if (g->full == NULL)
			break;
		b = g->full;
		pthread_mutex_unlock(&g->mu);
		write_batch(g, b);
		batch_reset(b);
		pthread_mutex_lock(&g->mu);
		g->full = NULL;
		pthread_cond_broadcast(&g->cv);
	}
	pthread_mutex_unlock(&g->mu);
	g->writer_cpu = thread_cpu();
	return NULL;
}

/*
 * Hand the current batch to the writer and go on with the other one,
 * waiting while the writer still stores the previous batch.
 */
static void
flush(struct ingest *g)
{
	struct batch *b = g->cur;

	if (b->npend == 0 && b->nrej == 0 && !cat_pending(b->cat))
		return;
	pthread_mutex_lock(&g->mu);
	while (g->full != NULL)
		pthread_cond_wait(&g->cv, &g->mu);
	g->full = b;
	g->cur = b == &g->bufs[0] ? &g->bufs[1] : &g->bufs[0];
	pthread_cond_broadcast(&g->cv);
	pthread_mutex_unlock(&g->mu);
	g->cur->t0 = mono_now();
}

/* Wait until every batch handed over is stored. */
static void
drain(struct ingest *g)
{
	flush(g);
	pthread_mutex_lock(&g->mu);
	g->done = 1;
	pthread_cond_broadcast(&g->cv);
	pthread_mutex_unlock(&g->mu);
	pthread_join(g->writer, NULL);
}

static void
idle_flush(void *arg)
{
	flush(arg);
}

static void
maybe_flush(struct ingest *g)
{
	struct batch *b = g->cur;

	if (b->npend >= (size_t)g->batch_max ||
	    b->arena.len >= g->batch_bytes ||
	    mono_now() - b->t0 >= g->batch_age)
		flush(g);
}

/* Fingerprint: the raw record and everything derived from it. */
static int64_t
fingerprint(const struct rin_rec *r)
{
	int64_t fp;
	uint8_t d[HASH_LEN];
	struct hash h;
	size_t i;
	int c;
	const char sep[2] = { 0x1f, 0x1e };

	hash_init(&h);
	hash_add(&h, r->raw, r->rawlen);
	for (c = 0; c < C_NCANON; c++) {
		if (r->have[c]) {
			hash_add(&h, &sep[0], 1);
			hash_add(&h, r->val[c].buf, r->val[c].len);
		} else
			hash_add(&h, &sep[1], 1);
	}
	for (i = 0; i < r->ncons; i++) {
		hash_add(&h, r->cons[i].purpose, strlen(r->cons[i].purpose));
		hash_add(&h, r->cons[i].granted ? "=1" : "=0", 2);
	}
	hash_final(&h, d);
	memcpy(&fp, d, sizeof(fp));
	return fp;
}

static void
put_slot(struct batch *b, struct pend *p, int s, const char *v, size_t n)
{
	if (v == NULL) {
		p->len[s] = NOVAL;
		return;
	}
	sb_add(&b->arena, v, n);
	p->len[s] = (uint32_t)n;
}

/* Queue a record of the input for the batch. */
static void
add(struct ingest *g, const struct rin_rec *r)
{
	struct batch *b = g->cur;
	struct pend *p;
	char hex[33];
	size_t i;
	int c;

	if (b->npend == b->cappend) {
		b->cappend = b->cappend ? 2 * b->cappend : 4096;
		b->pend = xrealloc(b->pend, b->cappend * sizeof(*b->pend));
	}
	p = &b->pend[b->npend];
	p->off = b->arena.len;
	p->seq = (uint32_t)b->npend;
	if (r->id != NULL)
		put_slot(b, p, S_ID, r->id, r->idlen);
	else {
		rin_content_id(r->raw, r->rawlen, hex);
		put_slot(b, p, S_ID, hex, 32);
	}
	put_slot(b, p, S_RAW, r->raw, r->rawlen);
	for (c = 0; c < C_NCANON; c++)
		put_slot(b, p, S_VAL + c, r->have[c] ? r->val[c].buf : NULL,
		    r->val[c].len);
	for (c = 0; c < 3; c++)
		put_slot(b, p, S_KEY + c, r->have[C_FIRST_NAME + c] &&
		    r->key[c].len > 0 ? r->key[c].buf : NULL, r->key[c].len);
	p->ncons = (uint32_t)r->ncons;
	for (i = 0; i < r->ncons; i++) {
		sb_adds(&b->arena, r->cons[i].purpose);
		sb_addc(&b->arena, '\0');
		sb_addc(&b->arena, r->cons[i].granted);
	}
	p->fp = fingerprint(r);
	{
		uint32_t n;
		const char *id = slot(b, p, S_ID, &n);

		p->h = idset_hash(id, n);
	}
	p->given = cat_add(b->cat, r, rin_map(g->rin));
	p->stored = 0;
	b->npend++;
	g->run.rows_in++;
	g->run.rows_ok++;
	maybe_flush(g);
	progress(g, 0);
}

/* Diagnostics. */

static void
message(struct ingest *g, const char *file, long line, const char *msg)
{
	if (++g->nmsg > MAX_MESSAGES) {
		if (g->nmsg == MAX_MESSAGES + 1)
			warnx_("%s: more problems not shown (see the reject "
			    "table, or -r)", file);
		return;
	}
	if (g->progress)
		fprintf(stderr, "\r\033[K");
	fprintf(stderr, "%s: %s:%ld: %s\n", progname, file, line, msg);
}

/* Raw bytes made safe for a JSON string: invalid UTF-8 becomes U+FFFD. */
static void
safe_utf8(const char *s, size_t n, struct sbuf *out)
{
	long bad;

	sb_reset(out);
	while (n > 0) {
		if ((bad = utf8_check(s, n)) < 0) {
			sb_add(out, s, n);
			break;
		}
		sb_add(out, s, (size_t)bad);
		sb_adds(out, "\xef\xbf\xbd");
		s += bad + 1;
		n -= (size_t)bad + 1;
	}
}

static void
write_reject_file(struct ingest *g, const char *file, long line,
    const char *reason, const char *raw, size_t rawlen)
{
	struct sbuf out, safe;
	struct jw jw;

	sb_init(&out);
	sb_init(&safe);
	jw_init(&jw, &out);
	jw_map_open(&jw);
	jw_key(&jw, "file", 4);
	jw_strz(&jw, file);
	jw_key(&jw, "line", 4);
	jw_int(&jw, line);
	jw_key(&jw, "reason", 6);
	jw_strz(&jw, reason);
	jw_key(&jw, "raw", 3);
	if (raw != NULL) {
		safe_utf8(raw, rawlen, &safe);
		jw_str(&jw, safe.buf, safe.len);
	} else
		jw_null(&jw);
	jw_map_close(&jw);
	sb_addc(&out, '\n');
	if (fwrite(out.buf, 1, out.len, g->rejects) != out.len)
		g->badinput = 1;
	jw_release(&jw);
	sb_release(&out);
	sb_release(&safe);
}

static void
on_diag(void *arg, int rej, const char *file, long line, const char *reason,
    const char *raw, size_t rawlen)
{
	struct ingest *g = arg;
	struct batch *b = g->cur;
	struct prej *r;

	message(g, file, line, reason);
	if (!rej) {
		g->run.warnings++;
		return;
	}
	g->run.rows_in++;
	g->run.rejected++;
	if (rawlen > REJECT_RAW_MAX)
		rawlen = REJECT_RAW_MAX;
	if (g->rejects != NULL)
		write_reject_file(g, file, line, reason, raw, rawlen);
	if (b->nrej == b->caprej) {
		b->caprej = b->caprej ? 2 * b->caprej : 64;
		b->rej = xrealloc(b->rej, b->caprej * sizeof(*b->rej));
	}
	r = &b->rej[b->nrej++];
	r->line = line;
	r->file = b->arena.len;
	sb_add(&b->arena, file, strlen(file) + 1);
	r->reason = b->arena.len;
	sb_add(&b->arena, reason, strlen(reason) + 1);
	r->hasraw = raw != NULL;
	r->raw = b->arena.len;
	r->rawlen = raw != NULL ? rawlen : 0;
	if (raw != NULL)
		sb_add(&b->arena, raw, rawlen);
	maybe_flush(g);
}

static void
ingest_file(struct ingest *g, const char *path)
{
	struct rin *r;
	struct rin_rec *rec;
	struct stat sb;
	long long ok0 = g->run.rows_ok, rej0 = g->run.rejected;
	int res = 0;

	g->nmsg = 0;
	g->fname = path == NULL || strcmp(path, "-") == 0 ? "stdin" : path;
	if ((r = rin_open(path, &g->opts, on_diag, g)) == NULL) {
		warnx_("%s: %s", g->fname, strerror(errno));
		g->badinput = 1;
		return;
	}
	rin_set_idle(r, idle_flush, g);
	g->rin = r;
	while (!g->failed && (res = rin_next(r, &rec)) == 1) {
		if (verbose && rec->line <= 1 + (rin_format(r) == RIN_CSV)) {
			sb_reset(&g->tmp);
			map_format(rin_map(r), &g->tmp);
			fprintf(stderr, "%s: %s: map in force:\n%s", progname,
			    g->fname, g->tmp.buf);
		}
		add(g, rec);
	}
	if (!g->failed && res == -1) {
		warnx_("%s", rin_error(r));
		g->badinput = 1;
	}
	g->lastfmt = rin_format(r);
	/* Provenance: run_file, committed with the file's last batch. */
	if (!g->failed)
		cat_file(g->cur->cat, g->fname, g->lastfmt == RIN_CSV ? "csv" :
		    "ndjson", path != NULL && strcmp(path, "-") != 0 &&
		    stat(path, &sb) == 0 ? (long long)sb.st_size : 0,
		    g->run.rows_ok - ok0, g->run.rejected - rej0);
	g->rin = NULL;
	rin_close(r);
}

static void
update_source(struct ingest *g)
{
	sqlite3_stmt *st;

	sb_reset(&g->tmp);
	map_format(&g->map, &g->tmp);
	st = db_prepare(g->db, "UPDATE source SET last_run = ?, "
	    "format = coalesce(?, format), mapping = ? WHERE id = ?", &g->why);
	if (st == NULL) {
		warnx_("%s", g->why.buf);
		return;
	}
	sqlite3_bind_int64(st, 1, g->run.id);
	if (g->lastfmt != RIN_GUESS)
		sqlite3_bind_text(st, 2, g->lastfmt == RIN_CSV ? "csv" :
		    "ndjson", -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, g->tmp.buf, (int)g->tmp.len, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, g->source_id);
	if (sqlite3_step(st) != SQLITE_DONE)
		dberr(g, "source");
	sqlite3_finalize(st);
}

static void
release(struct ingest *g)
{
	rin_opts_release(&g->opts);
	map_release(&g->map);
	int i;

	for (i = 0; i < 2; i++) {
		sb_release(&g->bufs[i].arena);
		free(g->bufs[i].pend);
		free(g->bufs[i].rej);
		cat_free(g->bufs[i].cat);
	}
	sb_release(&g->why);
	sb_release(&g->tmp);
	sb_release(&g->fail);
	free(g->ids);
	idset_release(&g->seen);
}

static long
env_long(const char *name, long def, long min, long max)
{
	const char *e = getenv(name), *errstr;
	long long v;

	if (e == NULL || *e == '\0')
		return def;
	if (parse_ll(e, min, max, &v, &errstr) == -1)
		die(EXIT_USAGE, "%s %s: %s", name, quote_value(e, strlen(e)),
		    errstr);
	return (long)v;
}

/*
 * Load in bulk (bulk.h) when the store is empty and every input is a
 * regular file: a pipe may stay open for days, and the indexes cannot
 * wait that long.  CDP_BULK=0 turns it off.
 */
static void
start_bulk(struct ingest *g, int argc, char *argv[])
{
	sqlite3_stmt *st;
	struct stat sb;
	int i, rc;

	if (env_long("CDP_BULK", 1, 0, 1) == 0)
		return;
	if (argc == 0 && (fstat(0, &sb) == -1 || !S_ISREG(sb.st_mode)))
		return;
	for (i = 0; i < argc; i++)
		if ((strcmp(argv[i], "-") == 0 ? fstat(0, &sb) :
		    stat(argv[i], &sb)) == -1 || !S_ISREG(sb.st_mode))
			return;
	if ((rc = bulk_begin(g->db, &g->why)) == -1)
		die(EXIT_FAIL, "%s", g->why.buf);
	if (rc == 0)
		return;
	g->bulk = 1;
	idset_init(&g->seen, (size_t)env_long("CDP_BULK_ROWS", 3000000, 1,
	    IDSET_MAX));
	/* Appending needs few pages: the memory goes to smaller batches'
	 * worth of cache, so it does not grow with the input. */
	if (getenv("CDP_BATCH_ROWS") == NULL)
		g->batch_max = 50000;
	st = db_prepare(g->db, "PRAGMA cache_size", &g->why);
	if (st == NULL || sqlite3_step(st) != SQLITE_ROW)
		die(EXIT_FAIL, "cache_size: %s", sqlite3_errmsg(g->db));
	g->cache = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	if (db_exec(g->db, "PRAGMA cache_size = -32768", &g->why) == -1)
		die(EXIT_FAIL, "%s", g->why.buf);
}

int
main(int argc, char *argv[])
{
	struct ingest g;
	const char *dbopt = NULL, *outcome, *country = NULL, *datefmt = NULL;
	static char **maps, **mapfiles;	/* static: roots for leak checkers */
	size_t nmaps = 0, nmapfiles = 0, i;
	int ch, delim = 0, format = RIN_GUESS;
	double t0;

	set_progname(argv[0]);
	memset(&g, 0, sizeof(g));
	map_init(&g.map);
	sb_init(&g.why);
	sb_init(&g.tmp);
	sb_init(&g.fail);
	maps = xcalloc((size_t)argc, sizeof(*maps));
	mapfiles = xcalloc((size_t)argc, sizeof(*mapfiles));
	while ((ch = getopt(argc, argv, "c:D:d:f:hi:M:m:qr:s:T:Vv")) != -1) {
		switch (ch) {
		case 'c':
			country = optarg;
			break;
		case 'D':
			if ((delim = map_parse_delim(optarg)) == -1)
				die(EXIT_USAGE, MAP_DELIM_ERR);
			break;
		case 'd':
			dbopt = optarg;
			break;
		case 'f':
			if ((format = map_parse_format(optarg, RIN_CSV,
			    RIN_NDJSON)) == -1)
				die(EXIT_USAGE, MAP_FORMAT_ERR);
			break;
		case 'i':
			free(g.map.id_field);
			g.map.id_field = xstrdup(optarg);
			break;
		case 'M':
			mapfiles[nmapfiles++] = optarg;
			break;
		case 'm':
			maps[nmaps++] = optarg;
			break;
		case 'q':
			quiet = 1;
			break;
		case 'r':
			g.rejects_path = optarg;
			break;
		case 's':
			g.source = optarg;
			break;
		case 'T':
			datefmt = optarg;
			break;
		case 'V':
			printf("cdp-ingest %s\n", CDP_VERSION);
			free(maps);
			free(mapfiles);
			map_release(&g.map);
			sb_release(&g.why);
			sb_release(&g.tmp);
			sb_release(&g.fail);
			check_stdout();
			return 0;
		case 'v':
			verbose = 1;
			break;
		default:
			usage();
		}
	}
	if (g.source == NULL)
		usage();
	if (!valid_source(g.source))
		die(EXIT_USAGE, "invalid source name %s: letters, digits, "
		    "'_', '-' and '.', at most 64", quote_value(g.source,
		    strlen(g.source)));

	if (rin_opts_init(&g.opts, &g.map, mapfiles, nmapfiles, maps, nmaps,
	    country, datefmt, delim, format, &g.why) == -1)
		die(EXIT_USAGE, "%s", g.why.buf);
	free(maps);
	free(mapfiles);
	g.batch_max = env_long("CDP_BATCH_ROWS", 200000, 1, 100000000);
	g.batch_bytes = (size_t)env_long("CDP_BATCH_MB", 128, 1, 4096) <<
	    20;
	g.batch_age = (double)env_long("CDP_BATCH_MS", 1000, 1, 3600000) /
	    1000.0;

	if (g.rejects_path != NULL) {
		int fd = open(g.rejects_path, O_WRONLY | O_CREAT | O_APPEND |
		    O_CLOEXEC, 0600);

		if (fd == -1 || (g.rejects = fdopen(fd, "a")) == NULL)
			die(EXIT_FAIL, "%s: %s", g.rejects_path,
			    strerror(errno));
	}
	timing = (int)env_long("CDP_TIMING", 0, 0, 1);
	t0 = mono_now();
	if (db_open(db_path(dbopt), DB_CREATE, &g.db, &g.why) == -1)
		die(EXIT_FAIL, "%s", g.why.buf);
	g.source_id = register_source(&g);
	if (run_begin(&g.run, g.db, "cdp-ingest", argc, argv, g.source_id,
	    &g.why) == -1)
		die(EXIT_FAIL, "run log: %s", g.why.buf);
	argc -= optind;
	argv += optind;
	start_bulk(&g, argc, argv);
	prepare(&g);
	prepare_suppression(&g);
	sb_init(&g.bufs[0].arena);
	sb_init(&g.bufs[1].arena);
	g.bufs[0].cat = cat_new();
	g.bufs[1].cat = cat_new();
	g.cur = &g.bufs[0];
	g.cur->t0 = mono_now();
	g.progress = !quiet && isatty(2);
	pthread_mutex_init(&g.mu, NULL);
	pthread_cond_init(&g.cv, NULL);
	if ((errno = pthread_create(&g.writer, NULL, writer_main, &g)) != 0)
		die(EXIT_FAIL, "thread: %s", strerror(errno));

	/* An unreadable file does not stop the others; a database error does. */
	if (argc == 0)
		ingest_file(&g, NULL);
	for (i = 0; i < (size_t)argc && !g.failed; i++)
		ingest_file(&g, argv[i]);
	drain(&g);
	if (timing)
		fprintf(stderr, "%s: timing: load %.2f s, CPU reader %.2f s, "
		    "writer %.2f s\n", progname, mono_now() - t0, thread_cpu(),
		    g.writer_cpu);
	if (g.bulk)
		end_bulk(&g);
	progress(&g, 1);

	if (g.rejects != NULL && fclose(g.rejects) == EOF) {
		warnx_("%s: %s", g.rejects_path, strerror(errno));
		g.badinput = 1;
	}
	if (!g.failed)
		update_source(&g);
	outcome = g.failed || g.badinput ? "failed" : g.run.rejected ?
	    "rejects" : "ok";
	g.run.rows_ok -= g.lost;
	if (run_end(&g.run, outcome, g.fail.len ? g.fail.buf : NULL,
	    &g.why) == -1)
		warnx_("run log: %s", g.why.buf);
	if (!quiet) {
		fprintf(stderr, "%s: %s: %lld read, %lld inserted, %lld updated,"
		    " %lld unchanged, %lld rejected", progname, g.source,
		    g.run.rows_in, g.run.inserted, g.run.updated,
		    g.run.unchanged, g.run.rejected);
		if (g.run.warnings)
			fprintf(stderr, ", %lld invalid values",
			    g.run.warnings);
		if (g.run.suppressed)
			fprintf(stderr, ", %lld suppressed (erased)",
			    g.run.suppressed);
		fputc('\n', stderr);
	}
	finalize_all(&g);
	db_close(g.db);
	release(&g);
	if (g.failed || g.badinput)
		return EXIT_FAIL;
	return g.run.rejected ? EXIT_REJECTS : EXIT_OK;
}
