/*
 * explain.c - prof_explain: why a profile holds together, as text for a
 * person (see cdp-merge(1), "explain").
 *
 * The links of a profile may form cycles; what holds it together is a
 * spanning tree, and the strongest one (Kruskal over the links sorted
 * strongest first) is the one whose weakest link is as strong as can
 * be.  The tree is walked breadth-first from the start record, so each
 * record appears after the record that brought it in and the chain
 * from the start to any record can be read top-down.
 */
#include <stdlib.h>
#include <string.h>

#include "io/ndjson_reader.h"
#include "merge/profile.h"
#include "merge/union_find.h"
#include "store/database.h"

/* One evidence item being printed. */
struct item {
	struct sbuf field, a, b, level, weight, extra;
	int	 open;
};

static void
item_flush(struct item *it, FILE *f)
{
	if (!it->open)
		return;
	fprintf(f, "    %s:", it->field.len ? it->field.buf : "?");
	fprintf(f, " %s", quote_value(it->a.buf, it->a.len));
	fprintf(f, " / %s", quote_value(it->b.buf, it->b.len));
	if (it->level.len || it->weight.len || it->extra.len) {
		fputs(" (", f);
		if (it->level.len)
			fputs(it->level.buf, f);
		if (it->weight.len)
			fprintf(f, "%sweight %s", it->level.len ? ", " : "",
			    it->weight.buf);
		if (it->extra.len)
			fprintf(f, "%s%s", it->level.len || it->weight.len ?
			    ", " : "", it->extra.buf);
		fputc(')', f);
	}
	fputc('\n', f);
	sb_reset(&it->field);
	sb_reset(&it->a);
	sb_reset(&it->b);
	sb_reset(&it->level);
	sb_reset(&it->weight);
	sb_reset(&it->extra);
	it->open = 0;
}

struct evctx {
	struct item it;
	FILE	*f;
	int	 flip;		/* print b's value first */
};

/* Paths arrive as "e.N" (an item) and "e.N.KEY" (its values). */
static int
ev_visit(void *arg, const char *path, size_t plen, enum nd_type type,
    const char *val, size_t len)
{
	struct evctx *c = arg;
	const char *dot, *key;
	struct sbuf *dst = NULL;

	if (plen < 3 || memcmp(path, "e.", 2) != 0)
		return 0;
	dot = memchr(path + 2, '.', plen - 2);
	if (dot == NULL) {
		item_flush(&c->it, c->f);
		c->it.open = 1;
		return 0;
	}
	if (memchr(dot + 1, '.', plen - (size_t)(dot + 1 - path)) != NULL ||
	    type == ND_MAP || type == ND_ARRAY)
		return 0;
	key = dot + 1;
	if (strcmp(key, "field") == 0)
		dst = &c->it.field;
	else if (strcmp(key, "a") == 0)
		dst = c->flip ? &c->it.b : &c->it.a;
	else if (strcmp(key, "b") == 0)
		dst = c->flip ? &c->it.a : &c->it.b;
	else if (strcmp(key, "level") == 0)
		dst = &c->it.level;
	else if (strcmp(key, "weight") == 0)
		dst = &c->it.weight;
	if (dst != NULL) {
		sb_reset(dst);
		sb_add(dst, val, len);
		return 0;
	}
	if (c->it.extra.len)
		sb_adds(&c->it.extra, ", ");
	sb_addf(&c->it.extra, "%s ", key);
	sb_add(&c->it.extra, val, len);
	return 0;
}

/* The evidence of a link; flip when it is walked from its b end. */
static void
print_evidence(struct nd *nd, const char *ev, int flip, FILE *f)
{
	struct evctx c;
	struct sbuf doc;

	memset(&c, 0, sizeof(c));
	c.f = f;
	c.flip = flip;
	sb_init(&c.it.field);
	sb_init(&c.it.a);
	sb_init(&c.it.b);
	sb_init(&c.it.level);
	sb_init(&c.it.weight);
	sb_init(&c.it.extra);
	sb_init(&doc);
	sb_adds(&doc, "{\"e\":");
	sb_adds(&doc, ev);
	sb_addc(&doc, '}');
	if (nd_parse(nd, doc.buf, doc.len, ev_visit, &c, NULL) == 0)
		item_flush(&c.it, f);
	else
		fprintf(f, "    (unreadable evidence)\n");
	sb_release(&doc);
	sb_release(&c.it.field);
	sb_release(&c.it.a);
	sb_release(&c.it.b);
	sb_release(&c.it.level);
	sb_release(&c.it.weight);
	sb_release(&c.it.extra);
}

static void
print_link(struct nd *nd, const struct prof_graph *g,
    const struct prof_glink *l, uint32_t from, FILE *f)
{
	uint32_t to = l->a == from ? l->b : l->a;

	fprintf(f, "  %s:%s -> %s:%s: %s, probability %.6g",
	    g->rec[from].source, g->rec[from].record_id, g->rec[to].source,
	    g->rec[to].record_id, l->rule, l->prob);
	if (l->has_weight)
		fprintf(f, ", weight %.6g", l->weight);
	fprintf(f, " (run %lld)\n", l->run);
	if (l->evidence != NULL)
		print_evidence(nd, l->evidence, from == l->b, f);
}

static int
print_head(sqlite3 *db, long long p, FILE *f, struct sbuf *why)
{
	sqlite3_stmt *st;
	int rc;

	st = db_prepare(db, "SELECT nrecords, created_run, updated_run, "
	    "first_seen, last_seen FROM profile WHERE id = ?", why);
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, p);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		fprintf(f, "profile %lld: %lld record%s, created in run %lld, "
		    "updated in run %lld\n", p, sqlite3_column_int64(st, 0),
		    sqlite3_column_int64(st, 0) == 1 ? "" : "s",
		    sqlite3_column_int64(st, 1), sqlite3_column_int64(st, 2));
		if (sqlite3_column_type(st, 3) != SQLITE_NULL)
			fprintf(f, "seen from %s to %s\n",
			    sqlite3_column_text(st, 3),
			    sqlite3_column_text(st, 4));
	} else if (rc == SQLITE_DONE) {
		sb_reset(why);
		sb_addf(why, "no profile %lld", p);
	} else {
		sb_reset(why);
		sb_adds(why, sqlite3_errmsg(db));
	}
	sqlite3_finalize(st);
	return rc == SQLITE_ROW ? 0 : -1;
}

static int
print_history(sqlite3 *db, long long p, FILE *f, struct sbuf *why)
{
	sqlite3_stmt *st;
	int rc, n = 0;

	st = db_prepare(db, "SELECT m.run, m.action, s.name, r.record_id, "
	    "m.reason FROM merge_log m LEFT JOIN record r ON r.id = m.record "
	    "LEFT JOIN source s ON s.id = r.source_id "
	    "WHERE m.profile = ?1 OR m.other = ?1 ORDER BY m.id", why);
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, p);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (n++ == 0)
			fputs("history:\n", f);
		fprintf(f, "  run %lld: %s", sqlite3_column_int64(st, 0),
		    sqlite3_column_text(st, 1));
		if (sqlite3_column_type(st, 3) != SQLITE_NULL)
			fprintf(f, " %s:%s", sqlite3_column_text(st, 2),
			    sqlite3_column_text(st, 3));
		fprintf(f, ": %s\n", sqlite3_column_text(st, 4));
	}
	return db_finish(db, st, rc, why);
}

int
prof_explain(sqlite3 *db, long long p, long long start, FILE *f,
    struct sbuf *why)
{
	struct prof_graph g;
	struct uf u;
	struct nd *nd;
	uint32_t *queue, *first, *next, i, x, head, tail;
	unsigned char *seen;
	size_t k, ntree = 0;
	long s;

	if (print_head(db, p, f, why) == -1)
		return -1;
	if (prof_graph_load(db, p, &g, why) == -1)
		return -1;
	fputs("records:\n", f);
	for (i = 0; i < g.n; i++)
		fprintf(f, "  %s:%s (run %lld)\n", g.rec[i].source,
		    g.rec[i].record_id, g.rec[i].run);
	s = start != 0 ? prof_graph_find(&g, start) : 0;
	if (g.n > 1 && s >= 0) {
		/* Strongest spanning tree, as adjacency lists in link order. */
		prof_graph_sort(&g);
		uf_init(&u, (uint32_t)g.n);
		first = xmalloc(g.n * sizeof(*first));
		next = xmalloc(2 * (g.nlk ? g.nlk : 1) * sizeof(*next));
		memset(first, 0xff, g.n * sizeof(*first));
		for (k = g.nlk; k-- > 0; ) {
			/* Walked backwards so lists come out strongest first;
			 * tree membership is decided in a forward pass below. */
			next[2 * k] = first[g.lk[k].a];
			first[g.lk[k].a] = (uint32_t)(2 * k);
			next[2 * k + 1] = first[g.lk[k].b];
			first[g.lk[k].b] = (uint32_t)(2 * k + 1);
		}
		for (k = 0; k < g.nlk; k++) {
			uint32_t ra = uf_find(&u, g.lk[k].a);
			uint32_t rb = uf_find(&u, g.lk[k].b);

			g.lk[k].drop = ra == rb;	/* not in the tree */
			if (ra != rb) {
				uf_join(&u, ra, rb);
				ntree++;
			}
		}
		queue = xmalloc(g.n * sizeof(*queue));
		seen = xcalloc(g.n, 1);
		nd = nd_new(16);
		fprintf(f, "links from %s:%s:\n", g.rec[s].source,
		    g.rec[s].record_id);
		head = tail = 0;
		queue[tail++] = (uint32_t)s;
		seen[s] = 1;
		while (head < tail) {
			x = queue[head++];
			for (i = first[x]; i != UINT32_MAX; i = next[i]) {
				const struct prof_glink *l = &g.lk[i / 2];
				uint32_t y = l->a == x ? l->b : l->a;

				if (l->drop || seen[y])
					continue;
				seen[y] = 1;
				queue[tail++] = y;
				print_link(nd, &g, l, x, f);
			}
		}
		if (g.nlk > ntree)
			fprintf(f, "%zu more link%s between these records\n",
			    g.nlk - ntree, g.nlk - ntree == 1 ? "" : "s");
		if (tail < g.n)
			fprintf(f, "%u record%s not reached by any link\n",
			    (unsigned)(g.n - tail), g.n - tail == 1 ? "" : "s");
		nd_free(nd);
		free(queue);
		free(seen);
		free(first);
		free(next);
		uf_release(&u);
	}
	prof_graph_release(&g);
	return print_history(db, p, f, why);
}
