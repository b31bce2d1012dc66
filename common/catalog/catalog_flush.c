/*
 * catalog_flush.c - writing a batch's catalog into the database, and
 * forgetting an erased record's values; see catalog.h.
 */
#include <stdlib.h>
#include <string.h>

#include "catalog/catalog_internal.h"
#include "io/json_writer.h"
#include "store/database.h"

/* Flushing into the database. */

/* The field's totals: the batch's figures merged with the stored row. */
struct tot {
	long long present, given, valid, nt[SH_NTYPES];
	int	 hasnum, hastext, hasval;
	double	 lo, hi;
	char	 tlo[HH_VALMAX + 1], thi[HH_VALMAX + 1];
	struct hll hll;
	struct hh hh;
};

struct flush {
	sqlite3	*db;
	sqlite3_stmt *sel, *upd, *ins, *run, *src, *cnt, *first, *prune,
		*file;
	struct sbuf name, enc, enc2, top;
	struct jw jw;
	struct tot *t;		/* 6 kB: off the writer thread's stack */
};

/* "n_string, n_integer, ..." with fmt applied to each type name. */
static void
type_cols(struct sbuf *sql, const char *fmt, int base)
{
	int i;

	for (i = 0; i < SH_NTYPES; i++)
		sb_addf(sql, fmt, shape_name(i), shape_name(i), base + i);
}

static int
prepare(struct flush *x, struct sbuf *why)
{
	struct sbuf q;

	sb_init(&q);
	sb_adds(&q, "SELECT id, present, given, valid, min_num, max_num, "
	    "min_text, max_text, hll, top");
	type_cols(&q, ", n_%1$s", 0);
	sb_adds(&q, " FROM catalog WHERE source_id = ?1 AND field = ?2");
	x->sel = db_prepare(x->db, q.buf, why);
	sb_reset(&q);
	sb_adds(&q, "UPDATE catalog SET type = ?1, present = ?2, given = ?3, "
	    "valid = ?4, distinct_est = ?5, min_num = ?6, max_num = ?7, "
	    "min_text = ?8, max_text = ?9, top_values = ?10, hll = ?11, "
	    "top = ?12, last_seen = ?13, last_run = ?14");
	type_cols(&q, ", n_%1$s = ?%3$d", 15);
	sb_adds(&q, " WHERE id = ?25");
	if (x->sel != NULL)
		x->upd = db_prepare(x->db, q.buf, why);
	sb_reset(&q);
	sb_adds(&q, "INSERT INTO catalog(type, present, given, valid, "
	    "distinct_est, min_num, max_num, min_text, max_text, top_values, "
	    "hll, top, last_seen, last_run");
	type_cols(&q, ", n_%1$s", 0);
	sb_adds(&q, ", source_id, field, kind, first_seen, first_run) VALUES "
	    "(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, "
	    "?15, ?16, ?17, ?18, ?19, ?20, ?21, ?22, ?23, ?24, ?25, ?26, ?27, "
	    "?28, ?29)");
	if (x->upd != NULL)
		x->ins = db_prepare(x->db, q.buf, why);
	sb_reset(&q);
	sb_adds(&q, "INSERT INTO catalog_run(source_id, run, field, present");
	type_cols(&q, ", n_%1$s", 0);
	sb_adds(&q, ", records) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, "
	    "?10, ?11, ?12, ?13, ?14, ?15) ON CONFLICT(source_id, run, field) "
	    "DO UPDATE SET present = present + excluded.present, records = "
	    "records + excluded.records");
	type_cols(&q, ", n_%1$s = n_%1$s + excluded.n_%1$s", 0);
	if (x->ins != NULL)
		x->run = db_prepare(x->db, q.buf, why);
	sb_release(&q);
	if (x->run == NULL)
		return -1;
	x->src = db_prepare(x->db, "INSERT INTO catalog_source(source_id, "
	    "records, untracked, first_seen, last_seen, first_run, last_run) "
	    "VALUES (?1, ?2, ?3, ?4, ?4, ?5, ?5) ON CONFLICT(source_id) DO "
	    "UPDATE SET records = records + excluded.records, untracked = "
	    "untracked + excluded.untracked, last_seen = excluded.last_seen, "
	    "last_run = excluded.last_run", why);
	x->cnt = db_prepare(x->db, "SELECT count(*) FROM catalog "
	    "WHERE source_id = ?1 AND kind = 'raw'", why);
	x->first = db_prepare(x->db, "SELECT 1 FROM catalog_run "
	    "WHERE source_id = ?1 AND run = ?2 LIMIT 1", why);
	/* Drift needs a few runs back: keep those of the last 100 runs. */
	x->prune = db_prepare(x->db, "DELETE FROM catalog_run WHERE "
	    "source_id = ?1 AND run < (SELECT id FROM run WHERE source_id = ?1 "
	    "ORDER BY id DESC LIMIT 1 OFFSET 99)", why);
	x->file = db_prepare(x->db, "INSERT INTO run_file(run, file, format, "
	    "bytes, records, rejected) VALUES (?, ?, ?, ?, ?, ?)", why);
	return x->src && x->cnt && x->first && x->prune && x->file ? 0 : -1;
}

static void
finalize(struct flush *x)
{
	sqlite3_finalize(x->sel);
	sqlite3_finalize(x->upd);
	sqlite3_finalize(x->ins);
	sqlite3_finalize(x->run);
	sqlite3_finalize(x->src);
	sqlite3_finalize(x->cnt);
	sqlite3_finalize(x->first);
	sqlite3_finalize(x->prune);
	sqlite3_finalize(x->file);
	sb_release(&x->name);
	sb_release(&x->enc);
	sb_release(&x->enc2);
	sb_release(&x->top);
	jw_release(&x->jw);
	free(x->t);
}

static int
step(struct flush *x, sqlite3_stmt *st, struct sbuf *why)
{
	int rc = sqlite3_step(st);

	sqlite3_reset(st);
	if (rc == SQLITE_DONE || rc == SQLITE_ROW)
		return 0;
	sb_reset(why);
	sb_addf(why, "catalog: %s", sqlite3_errmsg(x->db));
	return -1;
}

static void
merge_row(struct tot *t, sqlite3_stmt *st)
{
	const char *s;
	int i;

	t->present += sqlite3_column_int64(st, 1);
	t->given += sqlite3_column_int64(st, 2);
	t->valid += sqlite3_column_int64(st, 3);
	for (i = 0; i < SH_NTYPES; i++)
		t->nt[i] += sqlite3_column_int64(st, 10 + i);
	if (sqlite3_column_type(st, 4) != SQLITE_NULL) {
		double lo = sqlite3_column_double(st, 4);
		double hi = sqlite3_column_double(st, 5);

		if (!t->hasnum || lo < t->lo)
			t->lo = lo;
		if (!t->hasnum || hi > t->hi)
			t->hi = hi;
		t->hasnum = 1;
	}
	if ((s = (const char *)sqlite3_column_text(st, 6)) != NULL &&
	    strlen(s) <= HH_VALMAX) {
		if (!t->hastext || strcmp(s, t->tlo) < 0)
			strcpy(t->tlo, s);
		s = (const char *)sqlite3_column_text(st, 7);
		if (s != NULL && strlen(s) <= HH_VALMAX &&
		    (!t->hastext || strcmp(s, t->thi) > 0))
			strcpy(t->thi, s);
		t->hastext = 1;
	}
	/* A damaged sketch is dropped rather than failing the ingest. */
	if (sqlite3_column_type(st, 8) == SQLITE_BLOB &&
	    hll_merge_encoded(&t->hll, sqlite3_column_blob(st, 8),
	    (size_t)sqlite3_column_bytes(st, 8)) == 0)
		t->hasval = 1;
	if (sqlite3_column_type(st, 9) == SQLITE_BLOB)
		(void)hh_merge_encoded(&t->hh, sqlite3_column_blob(st, 9),
		    (size_t)sqlite3_column_bytes(st, 9));
}

static int
dominant(const long long *nt)
{
	int i, best = -1;

	for (i = 0; i < SH_NTYPES; i++)
		if (i != SH_NULL && nt[i] > 0 && (best < 0 || nt[i] > nt[best]))
			best = i;
	return best < 0 ? SH_NULL : best;
}

/* The top values as JSON for SQL, [["value", count], ...], in x->top. */
static void
top_json(struct flush *x, struct hh *m)
{
	int i;

	hh_sort(m);
	sb_reset(&x->top);
	jw_reset(&x->jw);
	jw_array_open(&x->jw);
	for (i = 0; i < m->n; i++) {
		jw_array_open(&x->jw);
		if (jw_str(&x->jw, m->it[i].val, m->it[i].len))
			jw_null(&x->jw);
		jw_int(&x->jw, m->it[i].count);
		jw_array_close(&x->jw);
	}
	jw_array_close(&x->jw);
}

static void
bind_tot(struct flush *x, sqlite3_stmt *st, struct tot *t, int raw,
    long long run, const char *now)
{
	int i;

	sqlite3_bind_text(st, 1, shape_name(dominant(t->nt)), -1,
	    SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, t->present);
	if (raw) {
		sqlite3_bind_null(st, 3);
		sqlite3_bind_null(st, 4);
	} else {
		sqlite3_bind_int64(st, 3, t->given);
		sqlite3_bind_int64(st, 4, t->valid);
	}
	sqlite3_bind_int64(st, 5, t->hasval ? hll_count(&t->hll) : 0);
	for (i = 6; i <= 12; i++)
		sqlite3_bind_null(st, i);
	if (t->hasnum) {
		sqlite3_bind_double(st, 6, t->lo);
		sqlite3_bind_double(st, 7, t->hi);
	}
	if (t->hastext) {
		sqlite3_bind_text(st, 8, t->tlo, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 9, t->thi, -1, SQLITE_STATIC);
	}
	if (t->hasval) {
		top_json(x, &t->hh);
		sqlite3_bind_text(st, 10, x->top.buf, (int)x->top.len,
		    SQLITE_STATIC);
		sb_reset(&x->enc);
		hll_encode(&t->hll, &x->enc);
		sqlite3_bind_blob(st, 11, x->enc.buf, (int)x->enc.len,
		    SQLITE_STATIC);
		sb_reset(&x->enc2);
		hh_encode(&t->hh, &x->enc2);
		sqlite3_bind_blob(st, 12, x->enc2.buf, (int)x->enc2.len,
		    SQLITE_STATIC);
	}
	sqlite3_bind_text(st, 13, now, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 14, run);
	for (i = 0; i < SH_NTYPES; i++)
		sqlite3_bind_int64(st, 15 + i, t->nt[i]);
}

/* Merge field f into its row; *nraw counts the source's raw rows. */
static int
flush_field(struct flush *x, struct cat *c, struct fld *f, long long src,
    long long run, const char *now, long long *nraw, struct sbuf *why)
{
	struct tot *t = x->t;
	long long id = 0;
	int i;

	memset(t, 0, sizeof(*t));
	t->present = f->present;
	t->given = f->given;
	t->valid = f->valid;
	memcpy(t->nt, f->nt, sizeof(t->nt));
	t->hasnum = f->hasnum;
	t->lo = f->lo;
	t->hi = f->hi;
	t->hastext = f->hastext;
	memcpy(t->tlo, f->tlo, sizeof(t->tlo));
	memcpy(t->thi, f->thi, sizeof(t->thi));
	hll_init(&t->hll);
	hh_init(&t->hh);
	if (f->hll != NULL) {
		hll_merge(&t->hll, f->hll);
		hh_merge(&t->hh, f->hh);
		t->hasval = f->hh->n > 0 || t->hasnum || t->hastext;
	}
	sb_reset(&x->name);
	sb_adds(&x->name, f->raw ? "attr." : "");
	sb_add(&x->name, f->name, f->len);
	sqlite3_bind_int64(x->sel, 1, src);
	sqlite3_bind_text(x->sel, 2, x->name.buf, (int)x->name.len,
	    SQLITE_STATIC);
	switch (sqlite3_step(x->sel)) {
	case SQLITE_ROW:
		id = sqlite3_column_int64(x->sel, 0);
		merge_row(t, x->sel);
		break;
	case SQLITE_DONE:
		break;
	default:
		return step(x, x->sel, why);
	}
	sqlite3_reset(x->sel);
	if (id == 0 && f->raw && *nraw >= CAT_MAX_FIELDS) {
		for (i = 0; i < SH_NTYPES; i++)
			c->untracked += f->nt[i];
		return 0;
	}
	if (id != 0) {
		bind_tot(x, x->upd, t, f->raw, run, now);
		sqlite3_bind_int64(x->upd, 25, id);
		if (step(x, x->upd, why) == -1)
			return -1;
	} else {
		bind_tot(x, x->ins, t, f->raw, run, now);
		sqlite3_bind_int64(x->ins, 25, src);
		sqlite3_bind_text(x->ins, 26, x->name.buf, (int)x->name.len,
		    SQLITE_STATIC);
		sqlite3_bind_text(x->ins, 27, f->raw ? "raw" : "canonical", -1,
		    SQLITE_STATIC);
		sqlite3_bind_text(x->ins, 28, now, -1, SQLITE_STATIC);
		sqlite3_bind_int64(x->ins, 29, run);
		if (step(x, x->ins, why) == -1)
			return -1;
		*nraw += f->raw;
	}
	/* This run's own counts, for drift-> */
	sqlite3_bind_int64(x->run, 1, src);
	sqlite3_bind_int64(x->run, 2, run);
	sqlite3_bind_text(x->run, 3, x->name.buf, (int)x->name.len,
	    SQLITE_STATIC);
	sqlite3_bind_int64(x->run, 4, f->present);
	for (i = 0; i < SH_NTYPES; i++)
		sqlite3_bind_int64(x->run, 5 + i, f->nt[i]);
	sqlite3_bind_int64(x->run, 15, c->records);
	return step(x, x->run, why);
}

static int
flush_notes(struct flush *x, struct cat *c, long long run, struct sbuf *why)
{
	struct note *n;
	size_t i;

	for (i = 0; i < c->nnotes; i++) {
		n = &c->notes[i];
		sqlite3_bind_int64(x->file, 1, run);
		sqlite3_bind_text(x->file, 2, n->file, -1, SQLITE_STATIC);
		sqlite3_bind_text(x->file, 3, n->format, -1, SQLITE_STATIC);
		sqlite3_bind_int64(x->file, 4, n->bytes);
		sqlite3_bind_int64(x->file, 5, n->records);
		sqlite3_bind_int64(x->file, 6, n->rejected);
		if (step(x, x->file, why) == -1)
			return -1;
	}
	return 0;
}

int
cat_flush(struct cat *c, sqlite3 *db, long long src, long long run,
    const char *now, struct sbuf *why)
{
	struct flush x;
	long long nraw = 0;
	size_t i;
	int rc = -1, first;

	if (!cat_pending(c))
		return 0;
	memset(&x, 0, sizeof(x));
	x.db = db;
	sb_init(&x.name);
	sb_init(&x.enc);
	sb_init(&x.enc2);
	sb_init(&x.top);
	jw_init(&x.jw, &x.top);
	x.t = xmalloc(sizeof(*x.t));
	if (prepare(&x, why) == -1)
		goto out;
	if (c->records > 0) {
		sqlite3_bind_int64(x.first, 1, src);
		sqlite3_bind_int64(x.first, 2, run);
		first = sqlite3_step(x.first) != SQLITE_ROW;
		sqlite3_reset(x.first);
		if (first) {
			sqlite3_bind_int64(x.prune, 1, src);
			if (step(&x, x.prune, why) == -1)
				goto out;
		}
		sqlite3_bind_int64(x.cnt, 1, src);
		if (sqlite3_step(x.cnt) == SQLITE_ROW)
			nraw = sqlite3_column_int64(x.cnt, 0);
		sqlite3_reset(x.cnt);
		for (i = 0; i < c->n; i++)
			if (c->f[i].active && flush_field(&x, c, &c->f[i], src,
			    run, now, &nraw, why) == -1)
				goto out;
		sqlite3_bind_int64(x.src, 1, src);
		sqlite3_bind_int64(x.src, 2, c->records);
		sqlite3_bind_int64(x.src, 3, c->untracked);
		sqlite3_bind_text(x.src, 4, now, -1, SQLITE_STATIC);
		sqlite3_bind_int64(x.src, 5, run);
		if (step(&x, x.src, why) == -1)
			goto out;
	}
	rc = flush_notes(&x, c, run, why);
out:
	finalize(&x);
	return rc;
}

/* Forgetting an erased record. */

static int
cmp_seen(const void *a, const void *b)
{
	const struct seen *x = a, *y = b;

	return x->field - y->field;
}

/* Take the values s[0..n) of one field out of its stored row. */
static int
forget_field(struct flush *x, sqlite3_stmt *sel, sqlite3_stmt *upd,
    long long src, const char *name, const struct seen *s, size_t n,
    struct sbuf *why)
{
	const char *lo, *hi;
	struct hh m;
	long long id;
	size_t i;
	int j, k, lonull = 0, hinull = 0, numlo = 0, numhi = 0, personal;

	sqlite3_bind_int64(sel, 1, src);
	sqlite3_bind_text(sel, 2, name, -1, SQLITE_STATIC);
	if (sqlite3_step(sel) != SQLITE_ROW)
		return step(x, sel, why);
	id = sqlite3_column_int64(sel, 0);
	hh_init(&m);
	if (sqlite3_column_type(sel, 3) == SQLITE_BLOB)
		(void)hh_merge_encoded(&m, sqlite3_column_blob(sel, 3),
		    (size_t)sqlite3_column_bytes(sel, 3));
	lo = (const char *)sqlite3_column_text(sel, 1);
	hi = (const char *)sqlite3_column_text(sel, 2);
	personal = sqlite3_column_text(sel, 6) != NULL && cat_personal(name,
	    shape_lookup((const char *)sqlite3_column_text(sel, 6)));
	for (i = 0; i < n; i++) {
		/*
		 * A personal field loses the value; another field only when
		 * the value is rare enough to point at the person (a city
		 * shared by many customers stays).
		 */
		for (j = k = 0; j < m.n; j++)
			if (m.it[j].hash != s[i].hash || (!personal &&
			    m.it[j].count > CAT_RARE))
				m.it[k++] = m.it[j];
		m.n = k;
		lonull |= lo != NULL && strcmp(lo, s[i].val) == 0;
		hinull |= hi != NULL && strcmp(hi, s[i].val) == 0;
		numlo |= s[i].num && sqlite3_column_type(sel, 4) !=
		    SQLITE_NULL && sqlite3_column_double(sel, 4) == s[i].d;
		numhi |= s[i].num && sqlite3_column_type(sel, 5) !=
		    SQLITE_NULL && sqlite3_column_double(sel, 5) == s[i].d;
	}
	sqlite3_bind_int64(upd, 1, lonull);
	sqlite3_bind_int64(upd, 2, hinull);
	sqlite3_bind_int64(upd, 3, numlo);
	sqlite3_bind_int64(upd, 4, numhi);
	top_json(x, &m);
	sqlite3_bind_text(upd, 5, x->top.buf, (int)x->top.len, SQLITE_STATIC);
	sb_reset(&x->enc2);
	hh_encode(&m, &x->enc2);
	sqlite3_bind_blob(upd, 6, x->enc2.buf, (int)x->enc2.len,
	    SQLITE_STATIC);
	sqlite3_bind_int64(upd, 7, id);
	sqlite3_reset(sel);
	return step(x, upd, why);
}

int
cat_forget(sqlite3 *db, long long src, const char *raw, size_t rawlen,
    const char *const val[C_NCANON], const uint32_t len[C_NCANON],
    struct sbuf *why)
{
	struct cat *c = cat_new();
	struct flush x;
	sqlite3_stmt *sel, *upd;
	size_t i, j;
	int rc = 0;

	memset(&x, 0, sizeof(x));
	x.db = db;
	sb_init(&x.name);
	sb_init(&x.enc);
	sb_init(&x.enc2);
	sb_init(&x.top);
	jw_init(&x.jw, &x.top);
	c->forget = 1;
	cat_add_stored(c, raw, rawlen, val, len, 0);
	sel = db_prepare(db, "SELECT id, min_text, max_text, top, min_num, "
	    "max_num, type FROM catalog WHERE source_id = ?1 AND field = ?2",
	    why);
	upd = sel == NULL ? NULL : db_prepare(db, "UPDATE catalog SET "
	    "min_text = CASE WHEN ?1 THEN NULL ELSE min_text END, "
	    "max_text = CASE WHEN ?2 THEN NULL ELSE max_text END, "
	    "min_num = CASE WHEN ?3 THEN NULL ELSE min_num END, "
	    "max_num = CASE WHEN ?4 THEN NULL ELSE max_num END, "
	    "top_values = ?5, top = ?6 WHERE id = ?7", why);
	if (upd == NULL)
		rc = -1;
	if (c->nseen > 1)
		qsort(c->seen, c->nseen, sizeof(*c->seen), cmp_seen);
	for (i = 0; rc == 0 && i < c->nseen; i = j) {
		for (j = i; j < c->nseen && c->seen[j].field ==
		    c->seen[i].field; j++)
			;
		sb_reset(&x.name);
		if (c->f[c->seen[i].field].raw)
			sb_adds(&x.name, "attr.");
		sb_adds(&x.name, c->f[c->seen[i].field].name);
		rc = forget_field(&x, sel, upd, src, x.name.buf, c->seen + i,
		    j - i, why);
	}
	sqlite3_finalize(sel);
	sqlite3_finalize(upd);
	finalize(&x);
	cat_free(c);
	return rc;
}

int
cat_forget_records(sqlite3 *db, const char *idsql, struct sbuf *why)
{
	const char *val[C_NCANON];
	uint32_t len[C_NCANON];
	sqlite3_stmt *st;
	struct sbuf q;
	int c, pass, rc = 0;

	sb_init(&q);
	for (pass = 0; pass < 2 && rc == 0; pass++) {
		sb_reset(&q);
		if (pass == 0) {
			sb_adds(&q, "SELECT source_id, raw");
			for (c = 0; c < C_NCANON; c++)
				sb_addf(&q, ", %s", map_canon_name(c));
			sb_addf(&q, " FROM record WHERE id IN (%s)", idsql);
		} else
			/* Earlier versions: their raw values were counted too. */
			sb_addf(&q, "SELECT r.source_id, h.raw FROM "
			    "record_history h JOIN record r ON r.id = h.record "
			    "WHERE h.record IN (%s)", idsql);
		if ((st = db_prepare(db, q.buf, why)) == NULL) {
			rc = -1;
			break;
		}
		while (rc == 0 && sqlite3_step(st) == SQLITE_ROW) {
			for (c = 0; c < C_NCANON; c++) {
				val[c] = pass ? NULL : (const char *)
				    sqlite3_column_text(st, 2 + c);
				len[c] = val[c] ? (uint32_t)sqlite3_column_bytes(st,
				    2 + c) : 0;
			}
			rc = cat_forget(db, sqlite3_column_int64(st, 0),
			    (const char *)sqlite3_column_text(st, 1),
			    (size_t)sqlite3_column_bytes(st, 1), val, len, why);
		}
		sqlite3_finalize(st);
	}
	sb_release(&q);
	return rc;
}
