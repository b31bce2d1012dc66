/*
 * ingest_writer.c - cdp-ingest's writer: a thread that stores each batch the
 * reader (cmd/cdp-ingest.c) hands it, in one transaction.
 *
 * (source, record id) is unique: a record seen again is "unchanged"
 * when identical and "updated" when not, the replaced version kept in
 * record_history.  A batch is written sorted by record id, and its
 * identifiers sorted by value: B-tree inserts in key order touch each
 * index page once per batch instead of once per row, which is what
 * makes loading into indexed tables fast (random-order inserts are
 * several times slower once the indexes outgrow the CPU caches).  Only
 * the writer touches the database while it runs.  A first load into an
 * empty store is a bulk load (store/bulk_load.h).
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/hash.h"
#include "ingest/ingest.h"
#include "store/database.h"

void
ingest_dberr(struct ingest *g, const char *what)
{
	if (!g->failed) {
		warnx_("%s: %s", what, sqlite3_errmsg(g->db));
		sb_reset(&g->fail);
		sb_addf(&g->fail, "%s: %s", what, sqlite3_errmsg(g->db));
	}
	g->failed = 1;
}

/* Storing one pending record. */

const char *
ingest_slot(const struct batch *b, const struct pend *p, int s, uint32_t *len)
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
		ingest_dberr(g, what);
		return -1;
	}
	return 0;
}

static void
bind_values(struct ingest *g, sqlite3_stmt *st, const struct pend *p,
    int base)
{
	const char *v;
	uint32_t n;
	int s;

	for (s = S_VAL; s < S_NSLOT; s++) {
		v = cslot(g, s, &n);
		if (v == NULL)
			sqlite3_bind_null(st, base + s - S_VAL + 3);
		else if (s == S_VAL + C_AMOUNT && n < 64) {
			char num[64];	/* slot values are not NUL-terminated */

			memcpy(num, v, n);
			num[n] = '\0';
			sqlite3_bind_double(st, base + s - S_VAL + 3,
			    strtod(num, NULL));
		}
		else
			sqlite3_bind_text(st, base + s - S_VAL + 3, v, (int)n,
			    SQLITE_STATIC);
	}
	v = cslot(g, S_RAW, &n);
	sqlite3_bind_text64(st, base + C_NCANON + 6, v, n, SQLITE_STATIC,
	    SQLITE_UTF8);
	sqlite3_bind_int64(st, base + C_NCANON + 7, p->fp);
	sqlite3_bind_int64(st, base + C_NCANON + 8, g->run.id);
}

/* All of a new record's columns, its source and id first (ins_rec). */
static void
bind_record(struct ingest *g, sqlite3_stmt *st, const struct pend *p,
    int base)
{
	const char *id;
	uint32_t n;

	id = cslot(g, S_ID, &n);
	sqlite3_bind_int64(st, base + 1, g->source_id);
	sqlite3_bind_text(st, base + 2, id, (int)n, SQLITE_STATIC);
	bind_values(g, st, p, base);
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

/* Rows id[0..IDENT_ROWS) in one statement. */
static int
insert_idents(struct ingest *g, const struct pident *id)
{
	sqlite3_stmt *st = g->ins_idents;
	int i;

	for (i = 0; i < IDENT_ROWS; i++) {
		sqlite3_bind_text(st, 3 * i + 1, map_canon_name(id[i].canon),
		    -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 3 * i + 2, id[i].v, (int)id[i].len,
		    SQLITE_STATIC);
		sqlite3_bind_int64(st, 3 * i + 3, id[i].rec);
	}
	return step_done(g, st, "ident");
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
	for (i = 0; i + IDENT_ROWS <= g->nids; i += IDENT_ROWS)
		if (insert_idents(g, &g->ids[i]) == -1)
			return -1;
	for (; i < g->nids; i++)
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

/* The record's consents but those keep marks (NULL: all). */
static int
add_consents(struct ingest *g, const struct pend *p, long long rec,
    const unsigned char *keep)
{
	const char *c, *ts;
	uint32_t n, i, tslen;

	c = g->scons;
	ts = cslot(g, S_VAL + C_TS, &tslen);
	for (i = 0; i < p->ncons; i++) {
		n = (uint32_t)strlen(c);
		if (keep != NULL && keep[i]) {
			c += n + 2;
			continue;
		}
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

/*
 * The consents of a record stored again.  A statement that says what
 * the record already said for its purpose (the same value, and the
 * same ts or none) is not a new one: its row stays, with the time and
 * run of when it was first made, so a withdrawal made since by another
 * way (cdp-privacy consent) still wins over a nightly file that merely
 * repeats the old value.  The other rows of the record go, and its
 * other statements are new rows.
 */
static int
restate_consents(struct ingest *g, const struct pend *p, long long rec)
{
	struct sbuf ids;	/* the rows kept, a JSON array */
	unsigned char *keep;
	const char *c, *ts;
	uint32_t n, i, tslen;
	int rc = 0;

	keep = xcalloc(p->ncons + 1, 1);
	sb_init(&ids);
	sb_adds(&ids, "[0");
	c = g->scons;
	ts = cslot(g, S_VAL + C_TS, &tslen);
	for (i = 0; i < p->ncons && rc == 0; i++) {
		n = (uint32_t)strlen(c);
		sqlite3_bind_int64(g->sel_consent, 1, rec);
		sqlite3_bind_text(g->sel_consent, 2, c, (int)n, SQLITE_STATIC);
		sqlite3_bind_int(g->sel_consent, 3, c[n + 1]);
		if (ts != NULL)
			sqlite3_bind_text(g->sel_consent, 4, ts, (int)tslen,
			    SQLITE_STATIC);
		else
			sqlite3_bind_null(g->sel_consent, 4);
		switch (sqlite3_step(g->sel_consent)) {
		case SQLITE_ROW:
			keep[i] = 1;
			sb_addf(&ids, ",%lld",
			    sqlite3_column_int64(g->sel_consent, 0));
			break;
		case SQLITE_DONE:
			break;
		default:
			ingest_dberr(g, "consent");
			rc = -1;
		}
		sqlite3_reset(g->sel_consent);
		c += n + 2;
	}
	sb_addc(&ids, ']');
	if (rc == 0) {
		sqlite3_bind_int64(g->del_consent, 1, rec);
		sqlite3_bind_text(g->del_consent, 2, ids.buf, (int)ids.len,
		    SQLITE_STATIC);
		rc = step_done(g, g->del_consent, "consent");
	}
	if (rc == 0)
		rc = add_consents(g, p, rec, keep);
	free(keep);
	sb_release(&ids);
	return rc;
}

/* Replace a stored record whose content changed; sel is on its row. */
static int
update(struct ingest *g, struct pend *p, sqlite3_stmt *sel)
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
	bind_values(g, g->upd_rec, p, 0);
	sqlite3_bind_int64(g->upd_rec, 1, rec);
	if (step_done(g, g->upd_rec, "update") == -1)
		return -1;
	for (c = 0; c <= C_ANONYMOUS_ID; c++)
		if ((v = cslot(g, S_VAL + c, &n)) != NULL &&
		    insert_ident(g, c, v, n, rec) == -1)
			return -1;
	if (restate_consents(g, p, rec) == -1)
		return -1;
	g->run.updated++;
	p->stored = 1;
	return 0;
}

/* Whether the record carries an erased identifier (writer thread). */
static int
suppressed(struct ingest *g)
{
	static const int kinds[] = { C_EMAIL, C_PHONE, C_CUSTOMER_ID,
	    C_LOYALTY_ID, C_ANONYMOUS_ID };
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
inserted(struct ingest *g, struct pend *p, long long rec)
{
	if (g->batch_first == 0)
		g->batch_first = rec;
	gather_idents(g, rec);
	if (add_consents(g, p, rec, NULL) == -1)
		return -1;
	g->run.inserted++;
	p->stored = 1;
	return 0;
}

/*
 * In a bulk load, new records wait in a group of grp_max (REC_ROWS, or
 * fewer under a low limit on parameters) that is inserted in one
 * statement (ins_recs) or, when it is not full, one by one: most of
 * the cost of a row was the statement's.  The rows get consecutive ids
 * (a new rowid is one more than the largest), the last one's known.
 * cur is the record being stored, whose slots are loaded again after.
 */
static int
store_group(struct ingest *g, struct pend *cur)
{
	int i, n = g->ngrp, one = n < g->grp_max || g->ins_recs == NULL;
	long long rec = 0;

	g->ngrp = 0;
	if (!one) {
		for (i = 0; i < n; i++) {
			load_slots(g, g->grp[i]);
			bind_record(g, g->ins_recs, g->grp[i],
			    i * (C_NCANON + 8));
		}
		if (step_done(g, g->ins_recs, "insert") == -1)
			return -1;
		rec = sqlite3_last_insert_rowid(g->db) - n + 1;
	}
	for (i = 0; i < n; i++, rec++) {
		load_slots(g, g->grp[i]);
		if (one) {
			bind_record(g, g->ins_rec, g->grp[i], 0);
			if (step_done(g, g->ins_rec, "insert") == -1)
				return -1;
			rec = sqlite3_last_insert_rowid(g->db);
		}
		idset_add(&g->seen, g->grp[i]->h, rec);
		if (inserted(g, g->grp[i], rec) == -1)
			return -1;
	}
	if (cur != NULL)
		load_slots(g, cur);
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
			ingest_dberr(g, "select");
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
store_bulk(struct ingest *g, struct pend *p)
{
	const char *id, *gid;
	uint32_t idlen, gidlen, h;
	int rc, i;

	id = cslot(g, S_ID, &idlen);
	h = p->h;
	/* the same id waiting in the group: store the group first */
	for (i = 0; i < g->ngrp; i++) {
		if (g->grp[i]->h != h)
			continue;
		gid = ingest_slot(g->wb, g->grp[i], S_ID, &gidlen);
		if (gidlen == idlen && memcmp(gid, id, idlen) == 0)
			break;
	}
	if (i < g->ngrp && store_group(g, p) == -1)
		return -1;
	if ((rc = bulk_find(g, h, id, idlen)) == -1)
		return -1;
	if (rc == 1) {
		if (sqlite3_column_int64(g->sel_row, 1) == p->fp) {
			sqlite3_reset(g->sel_row);
			g->run.unchanged++;
			return 0;
		}
		g->bulk_updated = 1;
		/* the group first, in the order of the input */
		if (g->ngrp > 0) {
			sqlite3_reset(g->sel_row);
			if (store_group(g, p) == -1 ||
			    (rc = bulk_find(g, h, id, idlen)) == -1)
				return -1;
		}
		if (rc == 1) {
			rc = update(g, p, g->sel_row);
			sqlite3_reset(g->sel_row);
			return rc;
		}
	}
	g->grp[g->ngrp++] = p;
	return g->ngrp == g->grp_max ? store_group(g, p) : 0;
}

static int
store(struct ingest *g, struct pend *p)
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
	bind_record(g, g->ins_rec, p, 0);
	if (step_done(g, g->ins_rec, "insert") == -1)
		return -1;
	if (sqlite3_changes(g->db) == 1)
		return inserted(g, p, sqlite3_last_insert_rowid(g->db));
	sqlite3_bind_int64(sel, 1, g->source_id);
	sqlite3_bind_text(sel, 2, id, (int)idlen, SQLITE_STATIC);
	if ((rc = sqlite3_step(sel)) != SQLITE_ROW) {
		sqlite3_reset(sel);
		ingest_dberr(g, "select");
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

	ix = ingest_slot(sort_ctx, x, S_ID, &lx);
	iy = ingest_slot(sort_ctx, y, S_ID, &ly);
	c = memcmp(ix, iy, lx < ly ? lx : ly);
	if (c == 0 && lx != ly)
		c = lx < ly ? -1 : 1;
	if (c == 0)
		c = (x->seq > y->seq) - (x->seq < y->seq);
	return c;
}

/*
 * A reject's key (cdp-schema(5)): the SHA-256 of its line number and
 * raw bytes, so a line read again, by a rerun or in a file sent again,
 * is the same reject, stored once.  A reject without bytes is about
 * its file (empty, unreadable): its reason and the file's name.
 */
static void
reject_key(const struct batch *b, const struct prej *r, char *hex)
{
	struct hash h;
	uint8_t d[HASH_LEN];
	char num[32];
	int n;

	hash_init(&h);
	n = snprintf(num, sizeof(num), "%ld\n", r->line);
	hash_add(&h, num, (size_t)n);
	if (r->hasraw)
		hash_add(&h, b->arena.buf + r->raw, r->rawlen);
	else {
		hash_add(&h, b->arena.buf + r->reason,
		    strlen(b->arena.buf + r->reason) + 1);
		hash_add(&h, b->arena.buf + r->file,
		    strlen(b->arena.buf + r->file));
	}
	hash_final(&h, d);
	hash_hex(d, HASH_LEN, hex);
}

static int
store_rejects(struct ingest *g)
{
	const struct batch *b = g->wb;
	struct prej *r;
	char key[2 * HASH_LEN + 1];
	size_t i;

	for (i = 0; i < b->nrej; i++) {
		r = &b->rej[i];
		reject_key(b, r, key);
		sqlite3_bind_text(g->ins_reject, 7, key, -1, SQLITE_STATIC);
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
			raw = ingest_slot(b, &b->pend[i], S_RAW, &rawlen);
			for (c = 0; c < C_NCANON; c++)
				val[c] = ingest_slot(b, &b->pend[i], S_VAL + c,
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

/* CPU seconds of the calling thread, for CDP_TIMING. */
double
ingest_thread_cpu(void)
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
void
ingest_end_bulk(struct ingest *g)
{
	double t = mono_now(), c = ingest_thread_cpu();

	sqlite3_finalize(g->ins_ident);	/* on the stage, dropped now */
	sqlite3_finalize(g->ins_idents);
	g->ins_ident = g->ins_idents = NULL;
	/* The sorts spill to files: a small cache keeps memory flat. */
	if (db_exec(g->db, "PRAGMA cache_size = -8192", &g->why) == -1) {
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
	if (g->timing)
		fprintf(stderr, "%s: timing: indexes %.2f s, CPU %.2f s\n",
		    progname, mono_now() - t, ingest_thread_cpu() - c);
	g->bulk = 0;
	idset_release(&g->seen);
	ingest_prepare(g);
	sb_reset(&g->tmp);
	sb_addf(&g->tmp, "PRAGMA cache_size = %lld", g->cache);
	if (db_exec(g->db, g->tmp.buf, &g->why) == -1)
		warnx_("%s", g->why.buf);
}

/*
 * In a bulk load, at the start of a batch's transaction: when another
 * writer repaired the load since it began (store/bulk_load.h), the
 * staged idents go to ident now and the load goes on through the index,
 * so that a kill leaves no record without its idents.  -1 on failure.
 */
static int
bulk_check(struct ingest *g)
{
	int rc;

	if ((rc = bulk_adopt(g->db, g->bulk_updated, &g->why)) <= 0)
		return rc;
	sqlite3_finalize(g->ins_ident);	/* on the stage, dropped now */
	sqlite3_finalize(g->ins_idents);
	g->ins_ident = g->ins_idents = NULL;
	if (verbose)
		fprintf(stderr, "%s: bulk load of %zu records: indexes built "
		    "by another writer\n", progname, g->seen.n);
	g->bulk = 0;
	idset_release(&g->seen);
	ingest_prepare(g);
	sb_reset(&g->tmp);
	sb_addf(&g->tmp, "PRAGMA cache_size = %lld", g->cache);
	if (db_exec(g->db, g->tmp.buf, &g->why) == -1)
		warnx_("%s", g->why.buf);
	return 0;
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
	if (g->bulk && bulk_check(g) == -1) {
		warnx_("%s", g->why.buf);
		sb_reset(&g->fail);
		sb_addf(&g->fail, "%s", g->why.buf);
		g->failed = 1;
		db_rollback(g->db);
		g->lost += (long long)b->npend;
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
		/* The id set is far larger than the CPU caches: ask for the
		 * slot of a record a few ahead while this one is stored. */
		if (g->bulk && i + 8 < b->npend)
			idset_prefetch(&g->seen, b->pend[i + 8].h);
		b->pend[i].stored = 0;
		load_slots(g, &b->pend[i]);
		store(g, &b->pend[i]);
	}
	if (!g->failed && g->ngrp > 0)
		store_group(g, NULL);
	g->ngrp = 0;
	if (!g->failed)
		flush_idents(g);
	if (!g->failed)
		store_rejects(g);
	if (!g->failed)
		catalog(g, b);
	g->nids = 0;
	/* A long or live run shows its progress to cdp-status. */
	if (!g->failed)
		(void)run_progress(&g->run, g->run.inserted + g->run.updated +
		    g->run.unchanged, &g->tmp);
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
		ingest_end_bulk(g);
}

static void
batch_reset(struct batch *b)
{
	b->npend = b->nrej = 0;
	sb_reset(&b->arena);
	cat_reset(b->cat);
	b->t0 = mono_now();
}

void *
ingest_writer(void *arg)
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
	g->writer_cpu = ingest_thread_cpu();
	return NULL;
}
