/*
 * golden_record.c - survivorship rules; see golden_record.h.
 *
 * A profile's records are copied into an arena (the caller's strings
 * come from sqlite rows that do not outlive a step); each field is then
 * a ranking over the records that hold a value.  most-frequent needs
 * the count of each value: the candidates are sorted by key and counted
 * in runs, so a profile of 10,000 cookie events costs n log n, not n^2.
 */
#include <stdlib.h>
#include <string.h>

#include "merge/golden_record.h"

#define NOSTR	((size_t)-1)

/* Strings of a row, as arena offsets (NOSTR: absent). */
enum { R_SOURCE = GC_N, R_KEY, R_RECENT = R_KEY + 3, R_SEEN, R_N };

struct golden_row {
	long long rowid;
	size_t	 s[R_N];
	long	 prio;		/* index in the priority list */
	long	 count;		/* scratch: frequency of the value */
};

static const char *const colname[GC_N] = {
	"email", "phone", "customer_id", "loyalty_id", "anonymous_id",
	"first_name", "last_name", "full_name", "birth_date", "gender",
	"org_name", "street", "postal_code", "city", "country"
};

static const char *const rulename[] = {
	NULL, "most-recent", "most-frequent", "source-priority", "first"
};

void
golden_init(struct golden *g)
{
	int f;

	memset(g, 0, sizeof(*g));
	sb_init(&g->arena);
	sb_init(&g->keys);
	sb_init(&g->key);
	for (f = 0; f < G_NFIELD; f++) {
		switch (f) {
		case G_ANONYMOUS_ID:
		case G_ADDRESS:
			g->rule[f][0] = GR_RECENT;
			break;
		default:
			g->rule[f][0] = GR_FREQUENT;
			g->rule[f][1] = GR_RECENT;
			break;
		}
	}
}

void
golden_release(struct golden *g)
{
	golden_set_priority(g, NULL, 0);
	free(g->rows);
	free(g->cand);
	sb_release(&g->arena);
	sb_release(&g->keys);
	sb_release(&g->key);
}

const char *
golden_col_name(int c)
{
	return c >= 0 && c < GC_N ? colname[c] : NULL;
}

int
golden_field_lookup(const char *name)
{
	int c;

	if (strcmp(name, "address") == 0)
		return G_ADDRESS;
	for (c = 0; c < G_ADDRESS; c++)
		if (strcmp(name, colname[c]) == 0)
			return c;
	return -1;
}

int
golden_rule_lookup(const char *name)
{
	int r;

	for (r = GR_RECENT; r <= GR_FIRST; r++)
		if (strcmp(name, rulename[r]) == 0)
			return r;
	return -1;
}

const char *
golden_rule_name(int r)
{
	return r >= GR_RECENT && r <= GR_FIRST ? rulename[r] : NULL;
}

int
golden_set_rules(struct golden *g, int field, const int *rules, size_t n)
{
	size_t i;

	if (field < 0 || field >= G_NFIELD || n > GOLDEN_MAXRULE)
		return -1;
	for (i = 0; i < n; i++)
		g->rule[field][i] = rules[i];
	g->rule[field][n] = GR_END;
	return 0;
}

void
golden_set_priority(struct golden *g, char *const *src, size_t n)
{
	size_t i;

	for (i = 0; i < g->nprio; i++)
		free(g->prio[i]);
	free(g->prio);
	g->prio = NULL;
	g->nprio = n;
	if (n == 0)
		return;
	g->prio = xcalloc(n, sizeof(*g->prio));
	for (i = 0; i < n; i++)
		g->prio[i] = xstrdup(src[i]);
}

void
golden_begin(struct golden *g)
{
	g->nrows = 0;
	sb_reset(&g->arena);
}

static size_t
put(struct golden *g, const char *s)
{
	size_t off;

	if (s == NULL || *s == '\0')
		return NOSTR;
	off = g->arena.len;
	sb_add(&g->arena, s, strlen(s) + 1);
	return off;
}

void
golden_add(struct golden *g, const struct golden_rec *r)
{
	struct golden_row *w;
	size_t i;
	int c;

	if (g->nrows == g->caprows) {
		g->caprows = g->caprows ? 2 * g->caprows : 16;
		g->rows = xrealloc(g->rows, g->caprows * sizeof(*g->rows));
	}
	w = &g->rows[g->nrows++];
	w->rowid = r->rowid;
	for (c = 0; c < GC_N; c++)
		w->s[c] = put(g, r->val[c]);
	w->s[R_SOURCE] = put(g, r->source);
	for (c = 0; c < 3; c++)
		w->s[R_KEY + c] = put(g, r->key[c]);
	w->s[R_RECENT] = put(g, r->recent);
	w->s[R_SEEN] = put(g, r->seen);
	w->prio = (long)g->nprio;
	for (i = 0; r->source != NULL && i < g->nprio; i++)
		if (strcmp(g->prio[i], r->source) == 0) {
			w->prio = (long)i;
			break;
		}
}

static const char *
str(const struct golden *g, const struct golden_row *w, int s)
{
	return w->s[s] == NOSTR ? NULL : g->arena.buf + w->s[s];
}

/* NULL sorts before any string. */
static int
cmpnull(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return (a != NULL) - (b != NULL);
	return strcmp(a, b);
}

/* The value of field f that most-frequent counts. */
static void
freq_key(const struct golden *g, const struct golden_row *w, int f,
    struct sbuf *out)
{
	const char *k = NULL;
	int c;

	sb_reset(out);
	if (f >= G_FIRST_NAME && f <= G_FULL_NAME)
		k = str(g, w, R_KEY + f - G_FIRST_NAME);
	if (k != NULL) {
		sb_adds(out, k);
		return;
	}
	if (f != G_ADDRESS) {
		sb_adds(out, str(g, w, f));
		return;
	}
	for (c = GC_STREET; c <= GC_COUNTRY; c++) {
		if (str(g, w, c) != NULL)
			sb_adds(out, str(g, w, c));
		sb_addc(out, '\x1f');
	}
}

struct cand {
	struct golden_row *w;
	size_t	 key;		/* offset of the frequency key in keys */
};

static int
cmp_cand(const void *a, const void *b, void *arg)
{
	const struct cand *x = a, *y = b;
	const struct sbuf *keys = arg;

	return strcmp(keys->buf + x->key, keys->buf + y->key);
}

/* Whether x ranks before y under the rules of field f. */
static int
better(const struct golden *g, int f, const struct golden_row *x,
    const struct golden_row *y)
{
	const int *r;
	int c;

	for (r = g->rule[f]; *r != GR_END; r++) {
		switch (*r) {
		case GR_RECENT:
			c = cmpnull(str(g, y, R_RECENT), str(g, x, R_RECENT));
			break;
		case GR_FREQUENT:
			c = (y->count > x->count) - (y->count < x->count);
			break;
		case GR_SOURCE:
			c = (x->prio > y->prio) - (x->prio < y->prio);
			break;
		case GR_FIRST:
			/* Unknown times sort last: a known first sighting wins. */
			if ((str(g, x, R_SEEN) == NULL) !=
			    (str(g, y, R_SEEN) == NULL))
				c = str(g, x, R_SEEN) == NULL ? 1 : -1;
			else
				c = cmpnull(str(g, x, R_SEEN),
				    str(g, y, R_SEEN));
			break;
		default:
			c = 0;
		}
		if (c != 0)
			return c < 0;
	}
	return x->rowid < y->rowid;
}

static int
has_value(const struct golden_row *w, int f)
{
	if (f != G_ADDRESS)
		return w->s[f] != NOSTR;
	return w->s[GC_STREET] != NOSTR || w->s[GC_POSTAL_CODE] != NOSTR ||
	    w->s[GC_CITY] != NOSTR;
}

void
golden_end(struct golden *g)
{
	struct cand *cand;
	struct sbuf *keys = &g->keys, *k = &g->key;
	struct golden_row *best;
	size_t i, j, m, n;
	const char *s;
	int f, c;

	for (c = 0; c < GC_N; c++)
		g->col[c] = NULL;
	g->first_seen = g->last_seen = NULL;
	g->nrecords = (long long)g->nrows;
	for (i = 0; i < g->nrows; i++) {
		s = str(g, &g->rows[i], R_SEEN);
		if (s != NULL && (g->first_seen == NULL ||
		    strcmp(s, g->first_seen) < 0))
			g->first_seen = s;
		s = str(g, &g->rows[i], R_RECENT);
		if (s != NULL && (g->last_seen == NULL ||
		    strcmp(s, g->last_seen) > 0))
			g->last_seen = s;
	}
	if (g->nrows == 1) {
		/* The common case of a first run: nothing to rank. */
		for (f = 0; f < G_NFIELD; f++) {
			if (!has_value(&g->rows[0], f))
				continue;
			if (f != G_ADDRESS)
				g->col[f] = str(g, &g->rows[0], f);
			else
				for (c = GC_STREET; c <= GC_COUNTRY; c++)
					g->col[c] = str(g, &g->rows[0], c);
		}
		return;
	}
	if (g->capcand < g->nrows) {
		g->capcand = g->nrows;
		g->cand = xrealloc(g->cand, g->capcand * sizeof(*cand));
	}
	cand = g->cand;
	for (f = 0; f < G_NFIELD; f++) {
		n = 0;
		sb_reset(keys);
		for (i = 0; i < g->nrows; i++) {
			if (!has_value(&g->rows[i], f))
				continue;
			freq_key(g, &g->rows[i], f, k);
			cand[n].w = &g->rows[i];
			cand[n].key = keys->len;
			sb_add(keys, k->buf, k->len + 1);
			n++;
		}
		if (n == 0)
			continue;
		qsort_r(cand, n, sizeof(*cand), cmp_cand, keys);
		for (i = 0; i < n; i = j) {
			for (j = i + 1; j < n && cmp_cand(&cand[i], &cand[j],
			    keys) == 0; j++)
				;
			for (m = i; m < j; m++)
				cand[m].w->count = (long)(j - i);
		}
		best = cand[0].w;
		for (i = 1; i < n; i++)
			if (better(g, f, cand[i].w, best))
				best = cand[i].w;
		if (f != G_ADDRESS)
			g->col[f] = str(g, best, f);
		else
			for (c = GC_STREET; c <= GC_COUNTRY; c++)
				g->col[c] = str(g, best, c);
	}
}
