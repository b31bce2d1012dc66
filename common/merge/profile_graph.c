/*
 * profile_graph.c - the graph of one profile (its records, links and
 * never-links) and its re-clustering by split and never; see
 * profile.h.
 *
 * A profile is small next to the database, so its graph is loaded
 * whole, with records sorted by rowid and found by binary search.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "io/json_writer.h"
#include "merge/profile.h"
#include "merge/union_find.h"
#include "store/database.h"

static int
done(struct prof_store *ps, sqlite3_stmt *st)
{
	int rc = sqlite3_step(st);

	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	if (rc == SQLITE_DONE)
		return 0;
	sb_reset(&ps->why);
	sb_adds(&ps->why, sqlite3_errmsg(ps->db));
	return -1;
}

/* The graph of a profile. */

struct gload {
	size_t	*recoff;	/* per record: source, record_id offsets */
	size_t	*lkoff;		/* per link: rule, evidence offsets */
	size_t	 caprec, caplk, capnever;
};

static size_t
stash(struct sbuf *arena, sqlite3_stmt *st, int i)
{
	size_t off;

	if (sqlite3_column_type(st, i) == SQLITE_NULL)
		return SIZE_MAX;
	off = arena->len;
	sb_add(arena, sqlite3_column_text(st, i),
	    (size_t)sqlite3_column_bytes(st, i));
	sb_addc(arena, '\0');
	return off;
}

long
prof_graph_find(const struct prof_graph *g, long long rowid)
{
	size_t lo = 0, hi = g->n, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (g->rec[mid].rowid < rowid)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < g->n && g->rec[lo].rowid == rowid ? (long)lo : -1;
}

static int
graph_records(sqlite3 *db, long long p, struct prof_graph *g,
    struct gload *l, struct sbuf *why)
{
	sqlite3_stmt *st;
	int rc;

	st = db_prepare(db, "SELECT m.record, m.run, s.name, r.record_id "
	    "FROM member m JOIN record r ON r.id = m.record JOIN source s "
	    "ON s.id = r.source_id WHERE m.profile = ? ORDER BY m.record",
	    why);
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, p);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (g->n == l->caprec) {
			l->caprec = l->caprec ? 2 * l->caprec : 16;
			g->rec = xrealloc(g->rec, l->caprec * sizeof(*g->rec));
			l->recoff = xrealloc(l->recoff, 2 * l->caprec *
			    sizeof(*l->recoff));
		}
		g->rec[g->n].rowid = sqlite3_column_int64(st, 0);
		g->rec[g->n].run = sqlite3_column_int64(st, 1);
		l->recoff[2 * g->n] = stash(&g->arena, st, 2);
		l->recoff[2 * g->n + 1] = stash(&g->arena, st, 3);
		g->n++;
	}
	return db_finish(db, st, rc, why);
}

static int
graph_links(sqlite3 *db, long long p, struct prof_graph *g, struct gload *l,
    struct sbuf *why)
{
	sqlite3_stmt *st;
	struct prof_glink *k;
	long ia, ib;
	int rc;

	st = db_prepare(db, "SELECT l.a, l.b, l.rule, l.weight, l.prob, "
	    "l.evidence, l.run FROM member m JOIN link l ON l.a = m.record "
	    "WHERE m.profile = ?", why);
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, p);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		ia = prof_graph_find(g, sqlite3_column_int64(st, 0));
		ib = prof_graph_find(g, sqlite3_column_int64(st, 1));
		if (ia < 0 || ib < 0)
			continue;
		if (g->nlk == l->caplk) {
			l->caplk = l->caplk ? 2 * l->caplk : 16;
			g->lk = xrealloc(g->lk, l->caplk * sizeof(*g->lk));
			l->lkoff = xrealloc(l->lkoff, 2 * l->caplk *
			    sizeof(*l->lkoff));
		}
		k = &g->lk[g->nlk];
		k->a = (uint32_t)ia;
		k->b = (uint32_t)ib;
		k->has_weight = sqlite3_column_type(st, 3) != SQLITE_NULL;
		k->weight = sqlite3_column_double(st, 3);
		k->prob = sqlite3_column_double(st, 4);
		k->run = sqlite3_column_int64(st, 6);
		k->drop = 0;
		l->lkoff[2 * g->nlk] = stash(&g->arena, st, 2);
		l->lkoff[2 * g->nlk + 1] = stash(&g->arena, st, 5);
		g->nlk++;
	}
	return db_finish(db, st, rc, why);
}

static int
graph_never(sqlite3 *db, long long p, struct prof_graph *g, struct gload *l,
    struct sbuf *why)
{
	sqlite3_stmt *st;
	long ia, ib;
	int rc;

	st = db_prepare(db, "SELECT n.a, n.b FROM member m JOIN never_link n "
	    "ON n.a = m.record WHERE m.profile = ?", why);
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, p);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		ia = prof_graph_find(g, sqlite3_column_int64(st, 0));
		ib = prof_graph_find(g, sqlite3_column_int64(st, 1));
		if (ia < 0 || ib < 0)
			continue;
		if (g->nnever == l->capnever) {
			l->capnever = l->capnever ? 2 * l->capnever : 8;
			g->never = xrealloc(g->never, l->capnever *
			    sizeof(*g->never));
		}
		g->never[g->nnever][0] = (uint32_t)ia;
		g->never[g->nnever][1] = (uint32_t)ib;
		g->nnever++;
	}
	return db_finish(db, st, rc, why);
}

static const char *
at(const struct prof_graph *g, size_t off)
{
	return off == SIZE_MAX ? NULL : g->arena.buf + off;
}

int
prof_graph_load(sqlite3 *db, long long p, struct prof_graph *g,
    struct sbuf *why)
{
	struct gload l;
	size_t i;
	int rc;

	memset(g, 0, sizeof(*g));
	memset(&l, 0, sizeof(l));
	sb_init(&g->arena);
	rc = graph_records(db, p, g, &l, why);
	if (rc == 0)
		rc = graph_links(db, p, g, &l, why);
	if (rc == 0)
		rc = graph_never(db, p, g, &l, why);
	/* The arena has stopped moving: offsets become pointers. */
	for (i = 0; rc == 0 && i < g->n; i++) {
		g->rec[i].source = at(g, l.recoff[2 * i]);
		g->rec[i].record_id = at(g, l.recoff[2 * i + 1]);
	}
	for (i = 0; rc == 0 && i < g->nlk; i++) {
		g->lk[i].rule = at(g, l.lkoff[2 * i]);
		g->lk[i].evidence = at(g, l.lkoff[2 * i + 1]);
	}
	free(l.recoff);
	free(l.lkoff);
	if (rc == -1)
		prof_graph_release(g);
	return rc;
}

void
prof_graph_release(struct prof_graph *g)
{
	free(g->rec);
	free(g->lk);
	free(g->never);
	sb_release(&g->arena);
	memset(g, 0, sizeof(*g));
}

static int
cmp_strength(const void *x, const void *y)
{
	const struct prof_glink *a = x, *b = y;

	if (a->prob != b->prob)
		return a->prob > b->prob ? -1 : 1;
	if (a->has_weight != b->has_weight)
		return a->has_weight ? -1 : 1;
	if (a->weight != b->weight)
		return a->weight > b->weight ? -1 : 1;
	if (a->a != b->a)
		return a->a < b->a ? -1 : 1;
	return (a->b > b->b) - (a->b < b->b);
}

void
prof_graph_sort(struct prof_graph *g)
{
	if (g->nlk > 1)
		qsort(g->lk, g->nlk, sizeof(*g->lk), cmp_strength);
}

/* Re-clustering (split, never). */

static void
end_json(struct jw *w, const struct prof_grec *r, int rowid)
{
	jw_map_open(w);
	jw_key(w, "source", 6);
	jw_strz(w, r->source);
	jw_key(w, "record_id", 9);
	jw_strz(w, r->record_id);
	if (rowid) {
		jw_key(w, "rowid", 5);
		jw_int(w, r->rowid);
	}
	jw_map_close(w);
}

/*
 * Append a stored link as the object cdp-merge logs, with the records'
 * rowids when unsplit must find them again.  The evidence is JSON text
 * already (written by jw when the link was stored), so it is spliced in
 * after jw closes the object without it.
 */
static void
link_json(struct sbuf *out, const struct prof_graph *g,
    const struct prof_glink *l, int rowids)
{
	struct sbuf doc;
	struct jw w;

	sb_init(&doc);
	jw_init(&w, &doc);
	jw_map_open(&w);
	jw_key(&w, "a", 1);
	end_json(&w, &g->rec[l->a], rowids);
	jw_key(&w, "b", 1);
	end_json(&w, &g->rec[l->b], rowids);
	jw_key(&w, "rule", 4);
	jw_strz(&w, l->rule);
	jw_key(&w, "prob", 4);
	jw_double(&w, l->prob);
	if (l->has_weight) {
		jw_key(&w, "weight", 6);
		jw_double(&w, l->weight);
	}
	jw_map_close(&w);
	jw_release(&w);
	if (l->evidence != NULL) {
		doc.len--;
		sb_adds(&doc, ",\"evidence\":");
		sb_adds(&doc, l->evidence);
		sb_addc(&doc, '}');
	}
	sb_add(out, doc.buf, doc.len);
	sb_release(&doc);
}

static int
cmp_ll(const void *x, const void *y)
{
	const long long *a = x, *b = y;

	return (*a > *b) - (*a < *b);
}

int
prof_recluster(struct prof_store *ps, long long p, long long rec,
    const char *reason, int *nnew)
{
	struct prof_graph g;
	struct uf u;
	struct sbuf ev;
	struct prof_glink *l;
	uint32_t i, r, ra, rb, keep = UINT32_MAX, rr = UINT32_MAX;
	long long *newid = NULL, *ids = NULL, id;
	size_t nids = 0, ndrop = 0, k;
	long ir;
	int rc = -1;

	*nnew = 0;
	if (prof_graph_load(ps->db, p, &g, &ps->why) == -1)
		return -1;
	sb_init(&ev);
	uf_init(&u, (uint32_t)g.n);
	for (k = 0; k < g.nnever; k++)
		uf_add_never(&u, g.never[k][0], g.never[k][1]);
	prof_graph_sort(&g);
	for (k = 0; k < g.nlk; k++) {
		ra = uf_find(&u, g.lk[k].a);
		rb = uf_find(&u, g.lk[k].b);
		if (ra == rb)
			continue;
		if (uf_check(&u, ra, rb, NULL) != UF_OK)
			g.lk[k].drop = 1, ndrop++;
		else
			uf_join(&u, ra, rb);
	}
	/* The part that keeps p: largest, then oldest; never rec's part. */
	if (rec != 0 && (ir = prof_graph_find(&g, rec)) >= 0)
		rr = uf_find(&u, (uint32_t)ir);
	for (i = 0; i < g.n; i++) {
		r = uf_find(&u, i);
		if (r == rr || (keep != UINT32_MAX &&
		    u.size[r] <= u.size[keep]))
			continue;
		keep = r;
	}
	if (keep == UINT32_MAX)		/* rec's part is the whole profile */
		keep = rr;
	sb_addc(&ev, '[');
	for (k = 0; k < g.nlk; k++) {
		l = &g.lk[k];
		if (!l->drop)
			continue;
		if (ev.len > 1)
			sb_addc(&ev, ',');
		link_json(&ev, &g, l, 0);
		sqlite3_bind_int64(ps->del_link, 1, g.rec[l->a].rowid);
		sqlite3_bind_int64(ps->del_link, 2, g.rec[l->b].rowid);
		if (done(ps, ps->del_link) == -1)
			goto out;
	}
	sb_addc(&ev, ']');
	newid = xcalloc(g.n ? g.n : 1, sizeof(*newid));
	ids = xcalloc(g.n + 1, sizeof(*ids));
	ids[nids++] = p;
	/* rec's part first, then the others in the order of their oldest. */
	for (k = 0; k < 2; k++)
		for (i = 0; i < g.n; i++) {
			r = uf_find(&u, i);
			if (r == keep || newid[r] != 0 || (k == 0) != (r == rr))
				continue;
			if ((id = prof_new(ps)) == -1)
				goto out;
			newid[r] = id;
			ids[nids++] = id;
			(*nnew)++;
			if (prof_log(ps, "split", id, p, g.rec[i].rowid, reason,
			    ndrop ? ev.buf : NULL, ev.len) == -1)
				goto out;
		}
	for (i = 0; i < g.n; i++) {
		r = uf_find(&u, i);
		if (r != keep && prof_member(ps, g.rec[i].rowid, newid[r],
		    0) == -1)
			goto out;
	}
	qsort(ids, nids, sizeof(*ids), cmp_ll);
	rc = *nnew > 0 ? prof_golden(ps, ids, nids) : 0;
out:
	uf_release(&u);
	prof_graph_release(&g);
	free(newid);
	free(ids);
	sb_release(&ev);
	return rc;
}

/* split and unsplit. */

static int
del_link(struct prof_store *ps, long long a, long long b)
{
	sqlite3_bind_int64(ps->del_link, 1, a < b ? a : b);
	sqlite3_bind_int64(ps->del_link, 2, a < b ? b : a);
	return done(ps, ps->del_link);
}

/* The strongest link between record x and record index ir, or NULL. */
static const struct prof_glink *
link_to(const struct prof_graph *g, uint32_t x, uint32_t ir)
{
	size_t k;

	/* Sorted strongest first: the first found is the strongest. */
	for (k = 0; k < g->nlk; k++)
		if ((g->lk[k].a == x && g->lk[k].b == ir) ||
		    (g->lk[k].b == x && g->lk[k].a == ir))
			return &g->lk[k];
	return NULL;
}

int
prof_split(struct prof_store *ps, long long p, long long rec,
    const char *reason, long long *np, int *nbridge)
{
	struct prof_graph g;
	struct uf u;
	struct sbuf ev, rule;
	const struct prof_glink *la, *lb;
	uint32_t i, ir, ra, rb, main_root = UINT32_MAX, *best = NULL;
	long long ids[2];
	size_t k;
	long at;
	int fresh, rc = -1, first;

	*np = 0;
	*nbridge = 0;
	if (prof_graph_load(ps->db, p, &g, &ps->why) == -1)
		return -1;
	sb_init(&ev);
	sb_init(&rule);
	uf_init(&u, (uint32_t)g.n);
	if ((at = prof_graph_find(&g, rec)) < 0 || g.n < 2) {
		rc = 0;
		goto out;
	}
	ir = (uint32_t)at;
	prof_graph_sort(&g);
	/* The parts the others fall into without rec's links. */
	for (k = 0; k < g.nlk; k++)
		if (g.lk[k].a != ir && g.lk[k].b != ir)
			uf_join(&u, uf_find(&u, g.lk[k].a),
			    uf_find(&u, g.lk[k].b));
	/* Each part's record most strongly linked to rec. */
	best = xmalloc(g.n * sizeof(*best));
	memset(best, 0xff, g.n * sizeof(*best));
	for (k = 0; k < g.nlk; k++) {
		if (g.lk[k].a != ir && g.lk[k].b != ir)
			continue;
		i = g.lk[k].a == ir ? g.lk[k].b : g.lk[k].a;
		if (best[uf_find(&u, i)] == UINT32_MAX)
			best[uf_find(&u, i)] = i;
	}
	sb_adds(&ev, "{\"links\":[");
	first = 1;
	for (k = 0; k < g.nlk; k++) {
		if (g.lk[k].a != ir && g.lk[k].b != ir)
			continue;
		if (!first)
			sb_addc(&ev, ',');
		first = 0;
		link_json(&ev, &g, &g.lk[k], 1);
	}
	sb_adds(&ev, "],\"bridges\":[");
	/* The part of the oldest other record is the rest's core. */
	for (i = 0; i < g.n; i++) {
		if (i == ir)
			continue;
		ra = uf_find(&u, i);
		if (main_root == UINT32_MAX) {
			main_root = ra;
			continue;
		}
		if (ra == uf_find(&u, main_root) || best[ra] == UINT32_MAX ||
		    best[uf_find(&u, main_root)] == UINT32_MAX)
			continue;
		/* A bridge as strong as the weaker of the two links. */
		rb = uf_find(&u, main_root);
		la = link_to(&g, best[rb], ir);
		lb = link_to(&g, best[ra], ir);
		sb_reset(&rule);
		/* Named by its number: the link outlives rec's erasure. */
		sb_addf(&rule, "bridge:%lld", g.rec[ir].rowid);
		if (prof_link(ps, g.rec[best[rb]].rowid < g.rec[best[ra]].rowid ?
		    g.rec[best[rb]].rowid : g.rec[best[ra]].rowid,
		    g.rec[best[rb]].rowid < g.rec[best[ra]].rowid ?
		    g.rec[best[ra]].rowid : g.rec[best[rb]].rowid, rule.buf,
		    NULL, la->prob < lb->prob ? la->prob : lb->prob, NULL,
		    0) == -1)
			goto out;
		sb_addf(&ev, "%s[%lld,%lld]", *nbridge ? "," : "",
		    g.rec[best[rb]].rowid, g.rec[best[ra]].rowid);
		(*nbridge)++;
		uf_join(&u, rb, ra);
	}
	sb_adds(&ev, "],\"never\":[");
	first = 1;
	for (i = 0; i < g.n; i++) {
		if (i == ir)
			continue;
		if ((fresh = prof_never(ps, rec, g.rec[i].rowid)) == -1)
			goto out;
		if (fresh) {
			sb_addf(&ev, "%s%lld", first ? "" : ",",
			    g.rec[i].rowid);
			first = 0;
		}
	}
	sb_adds(&ev, "]}");
	for (k = 0; k < g.nlk; k++)
		if ((g.lk[k].a == ir || g.lk[k].b == ir) && del_link(ps,
		    g.rec[g.lk[k].a].rowid, g.rec[g.lk[k].b].rowid) == -1)
			goto out;
	ids[0] = p;
	ids[1] = *np = prof_new(ps);
	if (prof_member(ps, rec, *np, 0) == -1 || prof_log(ps, "split", *np,
	    p, rec, reason, ev.buf, ev.len) == -1 ||
	    prof_golden(ps, ids, 2) == -1)
		goto out;
	rc = 0;
out:
	uf_release(&u);
	prof_graph_release(&g);
	free(best);
	sb_release(&ev);
	sb_release(&rule);
	return rc;
}

static int
exec_bound(struct prof_store *ps, const char *sql, const char *ev,
    long long a, long long b)
{
	sqlite3_stmt *st;
	int rc;

	if ((st = db_prepare(ps->db, sql, &ps->why)) == NULL)
		return -1;
	sqlite3_bind_text(st, 1, ev, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, a);
	sqlite3_bind_int64(st, 3, b);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		;
	return db_finish(ps->db, st, rc, &ps->why);
}

int
prof_last_split(sqlite3 *db, long long rec, long long *logid, char **ev,
    struct sbuf *why)
{
	sqlite3_stmt *st;
	int rc;

	*logid = 0;
	*ev = NULL;
	/* The last split of rec with never-links to remove, not undone. */
	st = db_prepare(db, "SELECT id, evidence FROM merge_log WHERE "
	    "action = 'split' AND record = ?1 AND json_valid(evidence) AND "
	    "json_type(evidence, '$.never') = 'array' AND id > coalesce(("
	    "SELECT max(json_extract(evidence, '$.undoes')) FROM merge_log "
	    "WHERE action = 'unsplit' AND record = ?1), 0) "
	    "ORDER BY id DESC LIMIT 1", why);
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, rec);
	if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		*logid = sqlite3_column_int64(st, 0);
		*ev = xstrdup((const char *)sqlite3_column_text(st, 1));
		rc = SQLITE_DONE;	/* one row wanted */
	}
	if (db_finish(db, st, rc, why) == -1) {
		free(*ev);
		*ev = NULL;
		return -1;
	}
	return *logid != 0;
}

int
prof_unsplit(struct prof_store *ps, long long rec, const char *reason,
    long long *profile)
{
	sqlite3_stmt *st;
	char *ev = NULL;
	long long *ids = NULL, *recs = NULL, logid = 0, target = 0, was = 0;
	char undoes[64];
	size_t nids = 0, cap = 0, nrec, caprec = 0, i, k;
	int rc, nnew, res = -1;

	*profile = 0;
	if ((rc = prof_last_split(ps->db, rec, &logid, &ev, &ps->why)) != 1)
		return rc;
	/* Its never-links and bridges go, its links come back (both ends
	 * still there: an erasure may have taken one). */
	if (exec_bound(ps, "DELETE FROM never_link WHERE (a, b) IN (SELECT "
	    "min(?2, j.value), max(?2, j.value) FROM json_each(?1, "
	    "'$.never') j)", ev, rec, 0) == -1 ||
	    exec_bound(ps, "DELETE FROM link WHERE (a, b) IN (SELECT "
	    "min(json_extract(j.value, '$[0]'), json_extract(j.value, "
	    "'$[1]')), max(json_extract(j.value, '$[0]'), json_extract("
	    "j.value, '$[1]')) FROM json_each(?1, '$.bridges') j)", ev, 0,
	    0) == -1 ||
	    exec_bound(ps, "INSERT OR REPLACE INTO link(a, b, rule, weight, "
	    "prob, evidence, run) SELECT min(a, b), max(a, b), rule, weight, "
	    "prob, evidence, ?3 FROM (SELECT json_extract(value, "
	    "'$.a.rowid') AS a, json_extract(value, '$.b.rowid') AS b, "
	    "json_extract(value, '$.rule') AS rule, json_extract(value, "
	    "'$.weight') AS weight, json_extract(value, '$.prob') AS prob, "
	    "json_extract(value, '$.evidence') AS evidence FROM json_each(?1, "
	    "'$.links')) WHERE a IN (SELECT id FROM record) AND b IN (SELECT "
	    "id FROM record)", ev, 0, ps->run) == -1)
		goto out;
	/* The profiles the links join again: one, the oldest id. */
	st = db_prepare(ps->db, "SELECT m.profile FROM json_each(?1, "
	    "'$.links') j JOIN member m ON m.record IN (json_extract(j.value, "
	    "'$.a.rowid'), json_extract(j.value, '$.b.rowid')) UNION SELECT "
	    "profile FROM member WHERE record = ?2 ORDER BY 1", &ps->why);
	if (st == NULL)
		goto out;
	sqlite3_bind_text(st, 1, ev, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, rec);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (nids == cap) {
			cap = cap ? 2 * cap : 8;
			ids = xrealloc(ids, cap * sizeof(*ids));
		}
		ids[nids++] = sqlite3_column_int64(st, 0);
	}
	if (db_finish(ps->db, st, rc, &ps->why) == -1 || nids == 0)
		goto out;
	target = ids[0];
	if (prof_of(ps->db, rec, &was) == -1)
		goto out;
	for (i = 1; i < nids; i++) {
		/* Read whole before the rows move out of the index read. */
		st = db_prepare(ps->db, "SELECT record FROM member WHERE "
		    "profile = ?", &ps->why);
		if (st == NULL)
			goto out;
		sqlite3_bind_int64(st, 1, ids[i]);
		nrec = 0;
		while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
			if (nrec == caprec) {
				caprec = caprec ? 2 * caprec : 16;
				recs = xrealloc(recs, caprec * sizeof(*recs));
			}
			recs[nrec++] = sqlite3_column_int64(st, 0);
		}
		if (db_finish(ps->db, st, rc, &ps->why) == -1)
			goto out;
		for (k = 0; k < nrec; k++)
			if (prof_member(ps, recs[k], target, 0) == -1)
				goto out;
		if (prof_delete(ps, ids[i]) == -1)
			goto out;
	}
	snprintf(undoes, sizeof(undoes), "{\"undoes\":%lld}", logid);
	if (prof_log(ps, "unsplit", target, was != target ? was : 0, rec,
	    reason, undoes, strlen(undoes)) == -1 ||
	    prof_golden(ps, &target, 1) == -1)
		goto out;
	/* Anything changed since (an erasure, a never-link) may have left
	 * the profile in parts: the links say which. */
	if (prof_recluster(ps, target, 0, reason, &nnew) == -1 ||
	    prof_of(ps->db, rec, profile) == -1)
		goto out;
	res = 1;
out:
	free(ev);
	free(ids);
	free(recs);
	return res;
}
