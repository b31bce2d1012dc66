/*
 * stored_pairs.c - the link and held_link tables read into the
 * clustering engine and written back from it; see stored_pairs.h.
 *
 * A stored pair enters the engine as a pair of the input would, its
 * JSON in the spool ({"a":{"rowid":A},"b":{"rowid":B},"rule":...,
 * "prob":...,"weight":...,"evidence":[...]}: a merge_log row's
 * evidence names records by number, never by their source's id).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "io/json_writer.h"
#include "merge/pair_reader.h"
#include "merge/stored_pairs.h"
#include "store/database.h"
#include "store/statements.h"

#define COLS	"a, b, rule, weight, prob, evidence"

int
sp_held_edges(sqlite3 *db, uint32_t (**edges)[2], size_t *n,
    struct sbuf *why)
{
	sqlite3_stmt *st;
	size_t cap = 0;
	long long a, b;
	int rc;

	*edges = NULL;
	*n = 0;
	if ((st = db_prepare(db, "SELECT a, b FROM held_link", why)) == NULL)
		return -1;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		a = sqlite3_column_int64(st, 0);
		b = sqlite3_column_int64(st, 1);
		if (a <= 0 || b <= 0 || a >= UINT32_MAX || b >= UINT32_MAX)
			continue;
		if (*n == cap) {
			cap = cap ? 2 * cap : 256;
			*edges = xrealloc(*edges, cap * sizeof(**edges));
		}
		(*edges)[*n][0] = (uint32_t)a;
		(*edges)[(*n)++][1] = (uint32_t)b;
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		sb_reset(why);
		sb_adds(why, sqlite3_errmsg(db));
		return -1;
	}
	return 0;
}

/* One row of COLS into m. */
static int
add_row(struct mg *m, sqlite3_stmt *st, int origin, struct sbuf *json,
    struct sbuf *tmp, struct jw *jw, struct pair_reader *pr,
    struct sbuf *why)
{
	struct mg_link *l;
	const char *rule = (const char *)sqlite3_column_text(st, 2);
	const char *ev = (const char *)sqlite3_column_text(st, 5);
	size_t evlen = (size_t)sqlite3_column_bytes(st, 5), evoff;
	int r;

	if (rule == NULL || (r = mg_rule(m, rule)) == -1)
		return 0;
	l = mg_add(m);
	l->a = (uint32_t)sqlite3_column_int64(st, 0);
	l->b = (uint32_t)sqlite3_column_int64(st, 1);
	l->rule = (uint16_t)r;
	l->has_weight = sqlite3_column_type(st, 3) != SQLITE_NULL;
	l->weight = l->has_weight ? sqlite3_column_double(st, 3) : 0;
	l->prob = sqlite3_column_double(st, 4);
	/* The names-only guard judges it again, from its evidence. */
	l->names = (float)pair_names(pr, rule, ev, ev ? evlen : 0);
	l->origin = (uint8_t)origin;
	sb_reset(json);
	sb_addf(json, "{\"a\":{\"rowid\":%u},\"b\":{\"rowid\":%u},\"rule\":",
	    l->a, l->b);
	jw_reset(jw);
	jw_strz(jw, rule);
	sb_add(json, tmp->buf, tmp->len);
	sb_addf(json, ",\"prob\":%.17g", l->prob);
	if (l->has_weight)
		sb_addf(json, ",\"weight\":%.17g", l->weight);
	sb_adds(json, ",\"evidence\":");
	evoff = json->len;
	if (ev == NULL || evlen == 0) {
		sb_adds(json, "null");
		evlen = 0;
	} else
		sb_add(json, ev, evlen);
	sb_addc(json, '}');
	l->len = (uint32_t)json->len;
	if (mg_spool_put(m, json->buf, json->len, evoff, evlen,
	    &l->spool) == -1) {
		sb_reset(why);
		sb_addf(why, "spool: %s", strerror(errno));
		return -1;
	}
	return 0;
}

static int
cmp_ab(const void *x, const void *y, void *arg)
{
	const size_t *i = x, *j = y;
	const struct mg_link *lk = arg, *a = &lk[*i], *b = &lk[*j];

	if (a->a != b->a)
		return a->a < b->a ? -1 : 1;
	if (a->b != b->b)
		return a->b < b->b ? -1 : 1;
	return (*i > *j) - (*i < *j);
}

/* Stored pairs on the records of a pair of the input: MG_GONE. */
static void
replace(struct mg *m, size_t from)
{
	size_t *idx, n = 0, i, j, k;
	uint8_t bits;
	int input;

	if (m->nlk == from || from == 0)
		return;
	idx = xmalloc(m->nlk * sizeof(*idx));
	for (i = 0; i < m->nlk; i++)
		if (m->lk[i].state != MG_BAD)
			idx[n++] = i;
	qsort_r(idx, n, sizeof(*idx), cmp_ab, m->lk);
	for (i = 0; i < n; i = j) {
		input = 0;
		bits = 0;
		for (j = i; j < n && m->lk[idx[j]].a == m->lk[idx[i]].a &&
		    m->lk[idx[j]].b == m->lk[idx[i]].b; j++) {
			if (m->lk[idx[j]].origin == MG_FROM_INPUT)
				input = 1;
			else
				bits |= (uint8_t)(1u << m->lk[idx[j]].origin);
		}
		if (!input || bits == 0)
			continue;
		for (k = i; k < j; k++)
			if (m->lk[idx[k]].origin == MG_FROM_INPUT)
				m->lk[idx[k]].stored = bits;
			else
				m->lk[idx[k]].state = MG_GONE;
	}
	free(idx);
}

int
sp_load(struct mg *m, sqlite3 *db, const uint8_t *need, uint8_t bit,
    uint32_t n, int scan, int rebuild, struct sbuf *why)
{
	static const char *const table[2] = { "link", "held_link" };
	sqlite3_stmt *st = NULL;
	struct sbuf sql, json, tmp;
	struct jw jw;
	struct pair_reader *pr = pair_reader_new();
	size_t from = m->nlk;
	long long a, b;
	uint32_t x;
	int t, rc = SQLITE_DONE, res = -1;

	sb_init(&sql);
	sb_init(&json);
	sb_init(&tmp);
	jw_init(&jw, &tmp);
	if (rebuild)
		scan = 1;
	for (t = 0; t < 2; t++) {
		if (rebuild && t == 1)
			break;
		sb_reset(&sql);
		sb_addf(&sql, "SELECT " COLS " FROM %s", table[t]);
		if (rebuild)
			sb_adds(&sql, " WHERE rule LIKE 'bridge:%'");
		else if (!scan)
			sb_adds(&sql, " WHERE a = ?");
		if ((st = db_prepare(db, sql.buf, why)) == NULL)
			goto out;
		for (x = scan ? 0 : 1; x < n; x++) {
			if (!scan) {
				if (!(need[x] & bit))
					continue;
				sqlite3_bind_int64(st, 1, x);
			}
			while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
				a = sqlite3_column_int64(st, 0);
				b = sqlite3_column_int64(st, 1);
				if (a <= 0 || b <= 0 || a >= n || b >= n ||
				    !(need[a] & bit) || !(need[b] & bit))
					continue;
				if (add_row(m, st, t == 0 ? MG_FROM_LINK :
				    MG_FROM_HELD, &json, &tmp, &jw, pr,
				    why) == -1)
					goto out;
			}
			if (rc != SQLITE_DONE)
				break;
			if (scan)
				break;
			sqlite3_reset(st);
		}
		if (rc != SQLITE_DONE) {
			sb_reset(why);
			sb_adds(why, sqlite3_errmsg(db));
			goto out;
		}
		sqlite3_finalize(st);
		st = NULL;
	}
	replace(m, from);
	res = 0;
out:
	sqlite3_finalize(st);
	pair_reader_free(pr);
	jw_release(&jw);
	sb_release(&sql);
	sb_release(&json);
	sb_release(&tmp);
	return res;
}

/* Writing back. */

struct writer {
	struct mg *m;
	struct prof_store *ps;
	sqlite3_stmt *put[2];	/* upsert into link, held_link */
	sqlite3_stmt *del[2];	/* delete from link, held_link */
	struct sbuf json;
};

static int
step(struct writer *w, sqlite3_stmt *st)
{
	int rc = sqlite3_step(st);

	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	if (rc == SQLITE_DONE)
		return 0;
	sb_reset(&w->ps->why);
	sb_adds(&w->ps->why, sqlite3_errmsg(w->ps->db));
	return -1;
}

static int
put(struct writer *w, int t, const struct mg_link *l)
{
	sqlite3_stmt *st = w->put[t];
	size_t evoff, evlen;

	if (mg_spool_get(w->m, l, &w->json, &evoff, &evlen) == -1) {
		sb_reset(&w->ps->why);
		sb_addf(&w->ps->why, "spool: %s", strerror(errno));
		return -1;
	}
	sqlite3_bind_int64(st, 1, l->a);
	sqlite3_bind_int64(st, 2, l->b);
	sqlite3_bind_text(st, 3, w->m->rule[l->rule], -1, SQLITE_STATIC);
	if (l->has_weight)
		sqlite3_bind_double(st, 4, l->weight);
	sqlite3_bind_double(st, 5, l->prob);
	db_bind_text(st, 6, evlen ? w->json.buf + evoff : NULL, evlen);
	sqlite3_bind_int64(st, 7, w->ps->run);
	return step(w, st);
}

static int
del(struct writer *w, int t, const struct mg_link *l)
{
	sqlite3_bind_int64(w->del[t], 1, l->a);
	sqlite3_bind_int64(w->del[t], 2, l->b);
	return step(w, w->del[t]);
}

static int
accepted(const struct mg_link *l)
{
	return l->state == MG_TREE || l->state == MG_IN;
}

static int
cmp_fate(const void *x, const void *y, void *arg)
{
	const size_t *i = x, *j = y;
	const struct mg_link *lk = arg, *a = &lk[*i], *b = &lk[*j];

	if (a->a != b->a)
		return a->a < b->a ? -1 : 1;
	if (a->b != b->b)
		return a->b < b->b ? -1 : 1;
	if (accepted(a) != accepted(b))
		return accepted(a) ? -1 : 1;
	/* mg_cluster sorted them strongest first. */
	return (*i > *j) - (*i < *j);
}

int
sp_write(struct mg *m, struct prof_store *ps, int rebuild)
{
	static const char *const table[2] = { "link", "held_link" };
	struct writer w;
	struct sbuf sql;
	struct mg_link *l, *best;
	size_t *idx = NULL, n = 0, i, j, k;
	int t, other, gone, rc = -1;

	memset(&w, 0, sizeof(w));
	w.m = m;
	w.ps = ps;
	sb_init(&w.json);
	sb_init(&sql);
	if (rebuild && db_exec(ps->db, "DELETE FROM held_link; DELETE FROM "
	    "link WHERE rule NOT LIKE 'bridge:%'", &ps->why) == -1)
		goto out;
	for (t = 0; t < 2; t++) {
		sb_reset(&sql);
		sb_addf(&sql, "INSERT INTO %s(a, b, rule, weight, prob, "
		    "evidence, run) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) "
		    "ON CONFLICT(a, b) DO UPDATE SET rule = excluded.rule, "
		    "weight = excluded.weight, prob = excluded.prob, "
		    "evidence = excluded.evidence, run = excluded.run "
		    "WHERE %s.rule IS NOT excluded.rule "
		    "OR %s.weight IS NOT excluded.weight OR "
		    "%s.prob IS NOT excluded.prob OR "
		    "%s.evidence IS NOT excluded.evidence", table[t], table[t],
		    table[t], table[t], table[t]);
		if ((w.put[t] = db_prepare(ps->db, sql.buf, &ps->why)) == NULL)
			goto out;
		sb_reset(&sql);
		sb_addf(&sql, "DELETE FROM %s WHERE a = ? AND b = ?", table[t]);
		if ((w.del[t] = db_prepare(ps->db, sql.buf, &ps->why)) == NULL)
			goto out;
	}
	idx = xmalloc((m->nlk + 1) * sizeof(*idx));
	for (i = 0; i < m->nlk; i++)
		if (accepted(&m->lk[i]) || m->lk[i].state == MG_REFUSED)
			idx[n++] = i;
	qsort_r(idx, n, sizeof(*idx), cmp_fate, m->lk);
	for (i = 0; i < n; i = j) {
		best = &m->lk[idx[i]];
		t = accepted(best) ? 0 : 1;
		other = 1 - t;
		gone = 0;
		for (j = i; j < n && m->lk[idx[j]].a == best->a &&
		    m->lk[idx[j]].b == best->b; j++)
			;
		/* Where the table does not hold it already, it goes in. */
		if ((best->origin == MG_FROM_INPUT || best->origin !=
		    (t == 0 ? MG_FROM_LINK : MG_FROM_HELD)) &&
		    put(&w, t, best) == -1)
			goto out;
		if (rebuild)
			continue;
		for (k = i; k < j && !gone; k++) {
			l = &m->lk[idx[k]];
			if (l->origin == (other == 0 ? MG_FROM_LINK :
			    MG_FROM_HELD) || (l->origin == MG_FROM_INPUT &&
			    (l->stored & (1u << (other == 0 ? MG_FROM_LINK :
			    MG_FROM_HELD))))) {
				if (del(&w, other, l) == -1)
					goto out;
				gone = 1;
			}
		}
	}
	rc = 0;
out:
	for (t = 0; t < 2; t++) {
		sqlite3_finalize(w.put[t]);
		sqlite3_finalize(w.del[t]);
	}
	free(idx);
	sb_release(&w.json);
	sb_release(&sql);
	return rc;
}
