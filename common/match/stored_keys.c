/*
 * stored_keys.c - cdp-match's keys of the record table in the database; see
 * stored_keys.h.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "match/deterministic.h"
#include "match/pair_score.h"
#include "match/record_load.h"
#include "match/stored_keys.h"
#include "normalise/field_map.h"
#include "store/database.h"

#define FP_VERSION	"mkey 2"
#define HOLDER_CAP	1000	/* holders of one identifier value loaded */
#define CLOSURE_ROUNDS	4	/* holders of holders' values, and so on */

uint64_t
mkey_fingerprint(const struct mcfg *c)
{
	struct sbuf t;
	uint64_t h;
	size_t i;
	int k;

	sb_init(&t);
	sb_adds(&t, FP_VERSION);
	for (k = 0; k < c->nslot; k++)
		sb_addf(&t, "|slot %s %d %s", c->slot[k].name, c->slot[k].canon,
		    c->slot[k].path ? c->slot[k].path : "");
	for (i = 0; i < c->nident; i++)
		sb_addf(&t, "|ident %d", c->ident[i].slot);
	for (i = 0; i < c->njunk; i++)
		sb_addf(&t, "|junk %d %s", c->junk[i].slot, c->junk[i].glob);
	for (i = 0; i < c->ncmp; i++)
		sb_addf(&t, "|cmp %d %d", c->cmp[i].slot, c->cmp[i].tf);
	for (i = 0; i < c->nblock; i++)
		for (k = 0; k < c->block[i].nterm; k++)
			sb_addf(&t, "|block %zu %d %d %d %d", i,
			    c->block[i].term[k].slot,
			    c->block[i].term[k].slot2,
			    (int)c->block[i].term[k].xf,
			    c->block[i].term[k].arg);
	sb_addf(&t, "|min %d", c->min_fields);
	h = mset_hash(t.buf, t.len, 0) | 1;
	sb_release(&t);
	if (c->nblock >= MKEY_IDENT - MKEY_BLOCK ||
	    c->nident >= MKEY_TF - MKEY_IDENT)
		return 0;
	return h;
}

int64_t
mkey_hash(const char *s, size_t n)
{
	return (int64_t)(mset_hash(s, n, 0x6d6b6579) | 1);
}


int
mkdb_open(struct mkdb *k, sqlite3 *db, struct sbuf *why)
{
	memset(k, 0, sizeof(*k));
	k->db = db;
	k->find = db_prepare(db, "SELECT record FROM matchkey WHERE kind = ? "
	    "AND key = ? ORDER BY record LIMIT ?", why);
	k->count = db_prepare(db, "SELECT count(*) FROM matchkey WHERE "
	    "kind = ? AND key = ?", why);
	k->tf = db_prepare(db, "SELECT n FROM matchtf WHERE kind = ? AND "
	    "key = ?", why);
	k->marker = db_prepare(db, "SELECT run FROM matchrec WHERE "
	    "record = ?", why);
	k->ident = db_prepare(db, "SELECT record FROM ident WHERE kind = ? "
	    "AND value = ? ORDER BY record LIMIT ?", why);
	if (k->find && k->count && k->tf && k->marker && k->ident)
		return 0;
	mkdb_close(k);
	return -1;
}

void
mkdb_close(struct mkdb *k)
{
	sqlite3_finalize(k->find);
	sqlite3_finalize(k->count);
	sqlite3_finalize(k->tf);
	sqlite3_finalize(k->marker);
	sqlite3_finalize(k->ident);
	memset(k, 0, sizeof(*k));
}

static void
dberr(sqlite3 *db, struct sbuf *why)
{
	sb_reset(why);
	sb_adds(why, sqlite3_errmsg(db));
}

int
mkdb_valid(struct mkdb *k, uint64_t fp, struct sbuf *why)
{
	sqlite3_stmt *st;
	char want[32];
	int r = 0, rc;

	if (fp == 0)
		return 0;
	st = db_prepare(k->db, "SELECT value FROM state WHERE key = "
	    "'matchkey'", why);
	if (st == NULL)
		return -1;
	snprintf(want, sizeof(want), "%016llx", (unsigned long long)fp);
	if ((rc = sqlite3_step(st)) == SQLITE_ROW)
		r = sqlite3_column_text(st, 0) != NULL &&
		    strcmp((const char *)sqlite3_column_text(st, 0), want) == 0;
	else if (rc != SQLITE_DONE) {
		dberr(k->db, why);
		r = -1;
	}
	sqlite3_finalize(st);
	return r;
}

static long
collect(sqlite3_stmt *st, int64_t **ids, size_t *n, size_t *cap)
{
	long got = 0;
	int rc;

	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (*n == *cap) {
			*cap = *cap ? 2 * *cap : 4096;
			*ids = xrealloc(*ids, *cap * sizeof(**ids));
		}
		(*ids)[(*n)++] = sqlite3_column_int64(st, 0);
		got++;
	}
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? got : -1;
}

long
mkdb_find(struct mkdb *k, int kind, int64_t key, long limit, int64_t **ids,
    size_t *n, size_t *cap)
{
	sqlite3_bind_int(k->find, 1, kind);
	sqlite3_bind_int64(k->find, 2, key);
	sqlite3_bind_int64(k->find, 3, limit);
	return collect(k->find, ids, n, cap);
}

long
mkdb_find_ident(struct mkdb *k, int canon, const char *v, size_t len,
    long limit, int64_t **ids, size_t *n, size_t *cap)
{
	sqlite3_bind_text(k->ident, 1, map_canon_name(canon), -1,
	    SQLITE_STATIC);
	sqlite3_bind_text(k->ident, 2, v, (int)len, SQLITE_STATIC);
	sqlite3_bind_int64(k->ident, 3, limit);
	return collect(k->ident, ids, n, cap);
}

static long long
one(sqlite3_stmt *st, long long none)
{
	long long v = none;
	int rc;

	if ((rc = sqlite3_step(st)) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	else if (rc != SQLITE_DONE)
		v = -1;
	sqlite3_reset(st);
	return v;
}

long long
mkdb_count(struct mkdb *k, int kind, int64_t key)
{
	sqlite3_bind_int(k->count, 1, kind);
	sqlite3_bind_int64(k->count, 2, key);
	return one(k->count, 0);
}

long long
mkdb_tf(struct mkdb *k, int kind, int64_t key)
{
	sqlite3_bind_int(k->tf, 1, kind);
	sqlite3_bind_int64(k->tf, 2, key);
	return one(k->tf, 0);
}

long long
mkdb_marker(struct mkdb *k, int64_t record)
{
	sqlite3_bind_int64(k->marker, 1, record);
	return one(k->marker, -1);
}

void
mkey_prepare(struct mset *ms, const struct mcfg *c)
{
	struct mdet d;
	struct msc sc;
	size_t r;
	int n;

	mload_fold(ms, c);
	mdet_init(&d, 0);
	mdet_clear_junk(&d, c, ms);
	mdet_release(&d);
	msc_init(&sc, c, ms);
	for (r = 0; r < ms->n; r++)
		if ((n = msc_nfields(&sc, r)) >= c->min_fields && n > 0)
			ms->flag[r] |= MSET_FS;
	msc_release(&sc);
}

/*
 * Statements writing keys; a record's keys go in with INSERT OR IGNORE,
 * so that a rerun after a crash adds nothing twice.
 */
struct writer {
	sqlite3_stmt *key, *tf, *rec;
};

static int
writer_open(struct writer *w, sqlite3 *db, int upsert, struct sbuf *why)
{
	memset(w, 0, sizeof(*w));
	w->key = db_prepare(db, "INSERT OR IGNORE INTO matchkey(kind, key, "
	    "record) VALUES (?, ?, ?)", why);
	w->tf = db_prepare(db, upsert ? "INSERT INTO matchtf(kind, key, n) "
	    "VALUES (?, ?, ?) ON CONFLICT(kind, key) DO UPDATE SET "
	    "n = n + excluded.n" : "INSERT INTO matchtf(kind, key, n) "
	    "VALUES (?, ?, ?)", why);
	w->rec = db_prepare(db, "INSERT OR REPLACE INTO matchrec(record, "
	    "run) VALUES (?, ?)", why);
	return w->key && w->tf && w->rec ? 0 : -1;
}

static void
writer_close(struct writer *w)
{
	sqlite3_finalize(w->key);
	sqlite3_finalize(w->tf);
	sqlite3_finalize(w->rec);
}

static int
step3(sqlite3_stmt *st, int64_t a, int64_t b, int64_t c, int n)
{
	int rc;

	sqlite3_bind_int64(st, 1, a);
	sqlite3_bind_int64(st, 2, b);
	if (n > 2)
		sqlite3_bind_int64(st, 3, c);
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

/* The value of identifier i of record r hashed, for attributes; or 0. */
static int64_t
ident_key(const struct mcfg *c, const struct mset *ms, size_t i, size_t r)
{
	const char *s;
	size_t len;
	uint32_t v;

	if (CANON_IS_IDENT(c->slot[c->ident[i].slot].canon) ||
	    (v = mset_get(ms, r, c->ident[i].slot)) == 0)
		return 0;
	s = mset_str(ms, v, &len);
	return mkey_hash(s, len);
}

/* A row to write: kind, key, and the record (matchkey) or a count. */
struct krow {
	int	 kind;
	int64_t	 key;
	int64_t	 v;
};

struct krows {
	struct krow *r;
	size_t	 n, cap;
};

static void
krow_add(struct krows *w, int kind, int64_t key, int64_t v)
{
	if (w->n == w->cap) {
		w->cap = w->cap ? 2 * w->cap : 4096;
		w->r = xrealloc(w->r, w->cap * sizeof(*w->r));
	}
	w->r[w->n].kind = kind;
	w->r[w->n].key = key;
	w->r[w->n++].v = v;
}

static int
cmp_krow(const void *x, const void *y)
{
	const struct krow *a = x, *b = y;

	if (a->kind != b->kind)
		return a->kind < b->kind ? -1 : 1;
	if (a->key != b->key)
		return a->key < b->key ? -1 : 1;
	return a->v < b->v ? -1 : a->v > b->v;
}

/* The keys of record r of ms into keys, its tf values into tf. */
static void
keys_of(const struct mcfg *c, const struct mset *ms, const struct blk *sb,
    size_t r, struct krows *keys, struct krows *tf)
{
	const char *s;
	size_t i, len;
	int64_t key;
	uint32_t v;

	for (i = 0; i < sb->nrule; i++)
		if (sb->key[i][r] != 0)
			krow_add(keys, MKEY_BLOCK + (int)i,
			    (int64_t)sb->key[i][r], ms->rowid[r]);
	for (i = 0; i < c->nident; i++)
		if ((key = ident_key(c, ms, i, r)) != 0)
			krow_add(keys, MKEY_IDENT + (int)i, key, ms->rowid[r]);
	for (i = 0; tf != NULL && (ms->flag[r] & MSET_FS) && i < c->ncmp;
	    i++) {
		if (!c->cmp[i].tf || (v = mset_get(ms, r, c->cmp[i].slot)) == 0)
			continue;
		s = mset_str(ms, v, &len);
		krow_add(tf, MKEY_TF + (int)i, mkey_hash(s, len), 1);
		krow_add(tf, MKEY_TF + (int)i, 0, 1);
	}
}

/*
 * Write keys and tf (counts summed per value), sorted: the B-tree pages
 * of one key are then touched once, not once per row.
 */
static int
write_rows(struct writer *w, struct krows *keys, struct krows *tf)
{
	size_t i, j;
	int64_t n;

	if (keys->n > 1)
		qsort(keys->r, keys->n, sizeof(*keys->r), cmp_krow);
	for (i = 0; i < keys->n; i++)
		if (step3(w->key, keys->r[i].kind, keys->r[i].key,
		    keys->r[i].v, 3) == -1)
			return -1;
	if (tf->n > 1)
		qsort(tf->r, tf->n, sizeof(*tf->r), cmp_krow);
	for (i = 0; i < tf->n; i = j) {
		for (n = 0, j = i; j < tf->n && tf->r[j].kind == tf->r[i].kind &&
		    tf->r[j].key == tf->r[i].key; j++)
			n += tf->r[j].v;
		if (step3(w->tf, tf->r[i].kind, tf->r[i].key, n, 3) == -1)
			return -1;
	}
	return 0;
}

/* Values already looked up, or rowids gathered: open addressing. */
struct seen {
	uint64_t *t;
	size_t	 n, cap;
};

static uint64_t
seen_mix(uint64_t x)
{
	x ^= x >> 31;
	x *= 0x9e3779b97f4a7c15ULL;
	return x ^ x >> 29;
}

/* 1 when x was already in s, else 0 (x added). */
static int
seen_add(struct seen *s, uint64_t x)
{
	uint64_t *old = s->t;
	size_t i, j, ocap = s->cap;

	x |= x == 0;
	if (2 * (s->n + 1) > s->cap) {
		s->cap = s->cap ? 2 * s->cap : 4096;
		s->t = xcalloc(s->cap, sizeof(*s->t));
		for (i = 0; i < ocap; i++)
			if (old[i] != 0) {
				for (j = seen_mix(old[i]) & (s->cap - 1);
				    s->t[j] != 0; j = (j + 1) & (s->cap - 1))
					;
				s->t[j] = old[i];
			}
		free(old);
	}
	for (j = seen_mix(x) & (s->cap - 1); s->t[j] != 0;
	    j = (j + 1) & (s->cap - 1))
		if (s->t[j] == x)
			return 1;
	s->t[j] = x;
	s->n++;
	return 0;
}

static uint64_t
kk(int kind, int64_t key)
{
	return (uint64_t)key ^ seen_mix((uint64_t)kind + 1);
}

static int
cmp_i64(const void *x, const void *y)
{
	int64_t a = *(const int64_t *)x, b = *(const int64_t *)y;

	return a < b ? -1 : a > b;
}

/* The gathering of the records to load. */
struct gather {
	struct mkdb *k;
	const struct mcfg *c;
	struct seen keys;	/* (kind, key) looked up */
	struct seen recs;	/* rowids gathered */
	int64_t	*ids;		/* rowids gathered, in order found */
	size_t	 n, cap;
	int64_t	*tmp;		/* one lookup's rowids */
	size_t	 ntmp, captmp;
	uint64_t off;		/* rules left out: blocks not read */
};

static void
add_ids(struct gather *g, const int64_t *ids, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!seen_add(&g->recs, (uint64_t)ids[i])) {
			if (g->n == g->cap) {
				g->cap = g->cap ? 2 * g->cap : 4096;
				g->ids = xrealloc(g->ids, g->cap *
				    sizeof(*g->ids));
			}
			g->ids[g->n++] = ids[i];
		}
}

/* The holders of the identifier values of the records of ms. */
static int
holders(struct gather *g, const struct mset *ms, int only_new)
{
	const struct mcfg *c = g->c;
	const char *s;
	size_t r, i, len;
	uint32_t v;
	int canon;
	long n;

	for (r = 0; r < ms->n; r++)
		for (i = 0; i < c->nident; i++) {
			if ((only_new && !(ms->flag[r] & MSET_NEW)) ||
			    (v = mset_get(ms, r, c->ident[i].slot)) == 0)
				continue;
			s = mset_str(ms, v, &len);
			if (seen_add(&g->keys, kk(MKEY_IDENT + (int)i,
			    mkey_hash(s, len))))
				continue;
			g->ntmp = 0;
			canon = c->slot[c->ident[i].slot].canon;
			if (CANON_IS_IDENT(canon))
				n = mkdb_find_ident(g->k, canon, s, len,
				    HOLDER_CAP, &g->tmp, &g->ntmp, &g->captmp);
			else
				n = mkdb_find(g->k, MKEY_IDENT + (int)i,
				    mkey_hash(s, len), HOLDER_CAP, &g->tmp,
				    &g->ntmp, &g->captmp);
			if (n == -1)
				return -1;
			add_ids(g, g->tmp, g->ntmp);
		}
	return 0;
}

/* Fill temp.mload_ids with ids[0..n) for mload_db_some. */
static int
list_ids(sqlite3 *db, const int64_t *ids, size_t n, struct sbuf *why)
{
	sqlite3_stmt *ins;
	size_t i;

	if (db_exec(db, "CREATE TEMP TABLE IF NOT EXISTS mload_ids("
	    "id INTEGER PRIMARY KEY); DELETE FROM temp.mload_ids", why) == -1)
		return -1;
	if ((ins = db_prepare(db, "INSERT OR IGNORE INTO temp.mload_ids(id) "
	    "VALUES (?)", why)) == NULL)
		return -1;
	for (i = 0; i < n; i++) {
		sqlite3_bind_int64(ins, 1, ids[i]);
		if (sqlite3_step(ins) != SQLITE_DONE) {
			dberr(db, why);
			sqlite3_finalize(ins);
			return -1;
		}
		sqlite3_reset(ins);
	}
	sqlite3_finalize(ins);
	return 0;
}

static int
cmp_over(const void *x, const void *y)
{
	const struct mkey_over *a = x, *b = y;

	if (a->rule != b->rule)
		return a->rule < b->rule ? -1 : 1;
	return a->key < b->key ? -1 : a->key > b->key;
}

/* The blocks of the records of us: their records gathered, or over. */
static int
blocks(struct gather *g, const struct mset *us, const struct blk *sb,
    struct mkey_inc *inc)
{
	struct mkey_over *over = NULL, o, *hit;
	size_t i, r, nover = 0, capover = 0;
	long long size;
	int64_t key;
	long n;

	for (i = 0; i < sb->nrule; i++)
		for (r = 0; r < us->n; r++) {
			if ((i < 64 && (g->off >> i & 1)) ||
			    !(us->flag[r] & MSET_NEW) ||
			    (key = (int64_t)sb->key[i][r]) == 0 ||
			    seen_add(&g->keys, kk(MKEY_BLOCK + (int)i, key)))
				continue;
			g->ntmp = 0;
			n = mkdb_find(g->k, MKEY_BLOCK + (int)i, key,
			    g->c->block_cap + 1, &g->tmp, &g->ntmp,
			    &g->captmp);
			if (n == -1)
				goto fail;
			if (n <= g->c->block_cap) {
				add_ids(g, g->tmp, g->ntmp);
				continue;
			}
			if ((size = mkdb_count(g->k, MKEY_BLOCK + (int)i,
			    key)) == -1)
				goto fail;
			if (nover == capover) {
				capover = capover ? 2 * capover : 64;
				over = xrealloc(over, capover * sizeof(*over));
			}
			over[nover].rule = i;
			over[nover].key = key;
			over[nover++].size = (uint32_t)size;
		}
	if (nover > 1)
		qsort(over, nover, sizeof(*over), cmp_over);
	for (i = 0; nover > 0 && i < sb->nrule; i++)
		for (r = 0; r < us->n; r++) {
			o.rule = i;
			o.key = (int64_t)sb->key[i][r];
			if (!(us->flag[r] & MSET_NEW) || o.key == 0 ||
			    (hit = bsearch(&o, over, nover,
			    sizeof(*over), cmp_over)) == NULL)
				continue;
			inc->over = xrealloc(inc->over, (inc->nover + 1) *
			    sizeof(*inc->over));
			inc->over[inc->nover] = *hit;
			inc->over[inc->nover++].key = us->rowid[r];
		}
	free(over);
	return 0;
fail:
	free(over);
	return -1;
}

int
mkey_load_incremental(struct mkdb *k, struct mset *ms, const struct mcfg *c,
    uint64_t off, struct mkey_inc *inc, struct sbuf *why)
{
	return mkey_load_since(k, ms, c, off, 0, 0, inc, why);
}

int
mkey_load_since(struct mkdb *k, struct mset *ms, const struct mcfg *c,
    uint64_t off, long long rowid, long long run, struct mkey_inc *inc,
    struct sbuf *why)
{
	struct gather g;
	struct writer w;
	struct krows keys = { 0 }, tf = { 0 };
	struct mset us, fr;
	struct blk sb;
	size_t r, i, start, end, round;
	long long mark;
	int rc = -1;

	memset(&g, 0, sizeof(g));
	g.k = k;
	g.c = c;
	g.off = off;
	memset(inc, 0, sizeof(*inc));
	mset_init(&us, c->nslot);
	memset(&sb, 0, sizeof(sb));
	memset(&w, 0, sizeof(w));
	/* Also the resolved records whose keys are missing or stale. */
	if ((rowid > 0 || run > 0 ? mload_db_since(&us, c, k->db, rowid,
	    run, why) : mload_db_some(&us, c, k->db, MLOAD_TO_KEY, why)) == -1)
		goto out;
	for (r = 0; r < us.n; r++)
		inc->unresolved += (us.flag[r] & MSET_NEW) != 0;
	mkey_prepare(&us, c);
	blk_init_stable(&sb, c, &us);
	blk_leave_out(&sb, off);
	/* Their keys, stored unless current. */
	if (writer_open(&w, k->db, 1, why) == -1)
		goto out;
	for (r = 0; r < us.n; r++) {
		if ((mark = mkdb_marker(k, us.rowid[r])) == us.run[r])
			continue;
		/* Counted in matchtf once: a changed record is not again. */
		keys_of(c, &us, &sb, r, &keys, mark == -1 ? &tf : NULL);
		if (step3(w.rec, us.rowid[r], us.run[r], 0, 2) == -1)
			goto dbfail;
		inc->keyed++;
	}
	if (write_rows(&w, &keys, &tf) == -1)
		goto dbfail;
	add_ids(&g, us.rowid, us.n);
	/*
	 * The holders of their identifiers, then the holders of those
	 * holders' identifiers, and so on a few steps: the guard judges a
	 * value by its holders' whole components.
	 */
	if (holders(&g, &us, 1) == -1)
		goto dbfail;
	for (start = us.n, round = 0; round < CLOSURE_ROUNDS && start < g.n;
	    round++, start = end) {
		end = g.n;
		mset_init(&fr, c->nslot);
		if (list_ids(k->db, g.ids + start, end - start, why) == -1 ||
		    mload_db_some(&fr, c, k->db, MLOAD_LISTED, why) == -1) {
			mset_release(&fr);
			goto out;
		}
		mkey_prepare(&fr, c);
		i = (size_t)holders(&g, &fr, 0);
		mset_release(&fr);
		if (i != 0)
			goto dbfail;
	}
	/* The blocks of the unresolved records. */
	if (blocks(&g, &us, &sb, inc) == -1)
		goto dbfail;
	if (g.n > 1)
		qsort(g.ids, g.n, sizeof(*g.ids), cmp_i64);
	if (list_ids(k->db, g.ids, g.n, why) == -1 ||
	    mload_db_some(ms, c, k->db, MLOAD_LISTED, why) == -1)
		goto out;
	inc->den = xcalloc(c->ncmp + 1, sizeof(*inc->den));
	for (i = 0; i < c->ncmp; i++)
		if (c->cmp[i].tf)
			inc->den[i] = (double)mkdb_tf(k, MKEY_TF + (int)i, 0);
	rc = 0;
	goto out;
dbfail:
	dberr(k->db, why);
out:
	writer_close(&w);
	free(keys.r);
	free(tf.r);
	if (sb.key != NULL)
		blk_release(&sb);
	mset_release(&us);
	free(g.keys.t);
	free(g.recs.t);
	free(g.ids);
	free(g.tmp);
	return rc;
}

void
mkey_inc_release(struct mkey_inc *inc)
{
	free(inc->den);
	free(inc->over);
	memset(inc, 0, sizeof(*inc));
}

/* A key and a record, sorted by key as SQLite orders it (signed). */
struct kr {
	uint64_t k;		/* key ^ sign bit: unsigned order is signed */
	int64_t	 rec;
};

#define SIGN	0x8000000000000000ULL

/* Insert one kind's rows, sorted, into matchkey or matchtf. */
static int
put_sorted(sqlite3_stmt *st, int kind, struct kr *e, size_t n)
{
	size_t i;

	mset_radix_sort(e, n, sizeof(*e));
	for (i = 0; i < n; i++)
		if (step3(st, kind, (int64_t)(e[i].k ^ SIGN), e[i].rec,
		    3) == -1)
			return -1;
	return 0;
}

int
mkey_rebuild(struct mkdb *k, const struct mset *ms, const struct msc *sc,
    uint64_t fp, uint64_t off, struct sbuf *why)
{
	const struct mcfg *c = sc->cfg;
	struct writer w;
	struct blk sb;
	struct kr *e;
	sqlite3_stmt *st;
	const char *s;
	size_t i, r, n, len;
	uint32_t v;
	int64_t key;
	char val[32];
	int rc = -1;

	if (db_exec(k->db, "DELETE FROM matchkey; DELETE FROM matchrec; "
	    "DELETE FROM matchtf", why) == -1)
		return -1;
	if (fp == 0)
		return db_exec(k->db, "DELETE FROM state WHERE key = "
		    "'matchkey'", why);
	if (writer_open(&w, k->db, 0, why) == -1) {
		writer_close(&w);
		return -1;
	}
	blk_init_stable(&sb, c, ms);
	blk_leave_out(&sb, off);
	e = xmalloc((ms->n + 1) * sizeof(*e));
	/* Kind by kind, each in the table's order: appends, not inserts. */
	for (i = 0; i < sb.nrule; i++) {
		for (n = 0, r = 0; r < ms->n; r++)
			if (sb.key[i][r] != 0) {
				e[n].k = sb.key[i][r] ^ SIGN;
				e[n++].rec = ms->rowid[r];
			}
		if (put_sorted(w.key, MKEY_BLOCK + (int)i, e, n) == -1)
			goto fail;
	}
	for (i = 0; i < c->nident; i++) {
		for (n = 0, r = 0; r < ms->n; r++)
			if ((key = ident_key(c, ms, i, r)) != 0) {
				e[n].k = (uint64_t)key ^ SIGN;
				e[n++].rec = ms->rowid[r];
			}
		if (put_sorted(w.key, MKEY_IDENT + (int)i, e, n) == -1)
			goto fail;
	}
	for (r = 0; r < ms->n; r++)
		if (step3(w.rec, ms->rowid[r], ms->run[r], 0, 2) == -1)
			goto fail;
	sqlite3_finalize(w.tf);
	w.tf = db_prepare(k->db, "INSERT INTO matchtf(kind, key, n) VALUES "
	    "(?, ?, ?) ON CONFLICT(kind, key) DO UPDATE SET n = n + "
	    "excluded.n", why);
	if (w.tf == NULL)
		goto out;
	e = xrealloc(e, (ms->nval + 1) * sizeof(*e));
	for (i = 0; i < c->ncmp; i++) {
		if (!c->cmp[i].tf || sc->tfcount[i] == NULL)
			continue;
		for (n = 0, v = 1; v < ms->nval; v++)
			if (sc->tfcount[i][v] > 0) {
				s = mset_str(ms, v, &len);
				e[n].k = (uint64_t)mkey_hash(s, len) ^ SIGN;
				e[n++].rec = sc->tfcount[i][v];
			}
		e[n].k = SIGN;	/* key 0: the total */
		e[n++].rec = (int64_t)sc->tfden[i];
		if (put_sorted(w.tf, MKEY_TF + (int)i, e, n) == -1)
			goto fail;
	}
	if ((st = db_prepare(k->db, "INSERT OR REPLACE INTO state(key, value) "
	    "VALUES ('matchkey', ?)", why)) == NULL)
		goto out;
	snprintf(val, sizeof(val), "%016llx", (unsigned long long)fp);
	sqlite3_bind_text(st, 1, val, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_DONE) {
		sqlite3_finalize(st);
		goto fail;
	}
	sqlite3_finalize(st);
	rc = 0;
	goto out;
fail:
	dberr(k->db, why);
out:
	free(e);
	blk_release(&sb);
	writer_close(&w);
	return rc;
}

int
mkdb_rules_put(struct mkdb *k, uint64_t fp, uint64_t mask, struct sbuf *why)
{
	sqlite3_stmt *st;
	char val[48];
	int rc = 0;

	if ((st = db_prepare(k->db, "INSERT OR REPLACE INTO state(key, value) "
	    "VALUES ('matchrules', ?)", why)) == NULL)
		return -1;
	snprintf(val, sizeof(val), "%016llx %016llx", (unsigned long long)fp,
	    (unsigned long long)mask);
	sqlite3_bind_text(st, 1, val, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_DONE) {
		dberr(k->db, why);
		rc = -1;
	}
	sqlite3_finalize(st);
	return rc;
}

int
mkdb_rules_get(struct mkdb *k, uint64_t fp, uint64_t *mask, struct sbuf *why)
{
	sqlite3_stmt *st;
	unsigned long long f, m;
	const char *v;
	int r = 0, rc;

	if ((st = db_prepare(k->db, "SELECT value FROM state WHERE key = "
	    "'matchrules'", why)) == NULL)
		return -1;
	if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		v = (const char *)sqlite3_column_text(st, 0);
		if (v != NULL && sscanf(v, "%llx %llx", &f, &m) == 2 &&
		    f == fp) {
			*mask = m;
			r = 1;
		}
	} else if (rc != SQLITE_DONE) {
		dberr(k->db, why);
		r = -1;
	}
	sqlite3_finalize(st);
	return r;
}
