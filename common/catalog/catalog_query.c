/*
 * catalog_query.c - reading the catalog back: drift between runs, and which
 * fields hold personal data; see catalog.h.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "catalog/catalog.h"
#include "catalog/value_shape.h"
#include "normalise/normalise.h"
#include "store/database.h"

/*
 * Masked by default: a value is shown in clear only in a field known to
 * be harmless.  Among the canonical fields those that say nothing of one
 * person on their own (a gender, a city, an event type, an amount); the
 * identifiers (customer, loyalty, anonymous ids) and every personal
 * field are masked.
 */
static int
harmless_canon(int c)
{
	return c == C_GENDER || c == C_POSTAL_CODE || c == C_CITY ||
	    c == C_COUNTRY || c == C_EVENT_TYPE || c == C_TS ||
	    c == C_AMOUNT || c == C_CURRENCY || c == C_CONSENT;
}

/* Raw fields whose name says what harmless thing they hold. */
static const char *const harmless_names[] = {
	"amount", "campaign", "category", "channel", "city", "country",
	"currency", "event", "event_type", "lang", "language", "medium",
	"plan", "price", "qty", "quantity", "sku", "source", "status",
	"store", "tier", "total", "ts", "type",
};

static int
harmless_name(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(harmless_names) / sizeof(harmless_names[0]);
	    i++)
		if (strcasecmp(name, harmless_names[i]) == 0)
			return 1;
	return 0;
}

int
cat_personal(const char *field, int type)
{
	const char *leaf, *p;
	struct map m;
	char *name;
	int c = -1, harmless;

	if (strncmp(field, "attr.", 5) != 0)
		return !harmless_canon(map_canon_lookup(field, NULL));
	if (type == SH_EMAIL || type == SH_PHONE)
		return 1;
	/* Free text, ids and addresses are not harmless; flags and
	 * decimal numbers (prices, scores) are. */
	if (type == SH_BOOLEAN || type == SH_NUMBER)
		return 0;
	/* The last component names the value: customer.first_name. */
	for (leaf = p = field + 5; *p != '\0'; p++)
		if (*p == '.')
			leaf = p + 1;
	name = xstrdup(leaf);
	if ((p = strstr(name, "[]")) != NULL)
		name[p - name] = '\0';
	harmless = harmless_name(name);
	map_init(&m);
	if (!harmless && map_auto(&m, &name, 1) == 1)
		c = m.e[0].canon;
	map_release(&m);
	free(name);
	if (c >= 0)
		return !harmless_canon(c);
	return !harmless;
}

/*
 * Yes/no words, consents or flags ("Oui"/"Non", "1"/"0", "opt-in"), say
 * nothing of one person; but only a field whose every value is one is
 * known harmless: the top values must hold all of its values, a handful
 * at most.  They do when their counts add up to the values present:
 * Misra-Gries only ever loses counts (see sketch.h).
 */
#define FLAG_MAX	4

static int
flag_values(sqlite3 *db, const char *top, long long present)
{
	sqlite3_stmt *st;
	const char *s;
	long long n = 0, sum = 0;
	int ok = 1, b;

	if (top == NULL || present < 1 ||
	    sqlite3_prepare_v2(db, "SELECT json_extract(value, '$[0]'), "
	    "json_extract(value, '$[1]') FROM json_each(?)", -1, &st, NULL) != SQLITE_OK)
		return 0;
	sqlite3_bind_text(st, 1, top, -1, SQLITE_STATIC);
	while (ok && sqlite3_step(st) == SQLITE_ROW) {
		s = (const char *)sqlite3_column_text(st, 0);
		/* norm_bool says NORM_EMPTY (1) for a blank: not a word. */
		ok = s != NULL && strspn(s, " \t") != strlen(s) &&
		    ++n <= FLAG_MAX && ((b = norm_bool(s, strlen(s))) == 0 ||
		    b == 1);
		sum += sqlite3_column_int64(st, 1);
	}
	sqlite3_finalize(st);
	return ok && n > 0 && sum == present;
}

/* Whether the stored map of source maps the raw path to a consent. */
static int
consent_mapped(sqlite3 *db, const char *source, const char *path)
{
	sqlite3_stmt *st;
	struct sbuf why;
	struct map m;
	const char *t;
	char *text, *line, *next;
	size_t i;
	int yes = 0;

	if (sqlite3_prepare_v2(db, "SELECT mapping FROM source WHERE name = ?",
	    -1, &st, NULL) != SQLITE_OK)
		return 0;
	sqlite3_bind_text(st, 1, source, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_ROW ||
	    (t = (const char *)sqlite3_column_text(st, 0)) == NULL) {
		sqlite3_finalize(st);
		return 0;
	}
	text = xstrdup(t);
	sqlite3_finalize(st);
	map_init(&m);
	sb_init(&why);
	/* The mapping lines; settings ('@') say nothing of consents. */
	for (line = text; line != NULL; line = next) {
		if ((next = strchr(line, '\n')) != NULL)
			*next++ = '\0';
		if (strncmp(line, "consent_", 8) == 0)
			(void)map_add(&m, line, &why);
	}
	for (i = 0; i < m.n && !yes; i++)
		yes = m.e[i].canon == C_CONSENT &&
		    map_uses_field(&m.e[i], path, strlen(path));
	sb_release(&why);
	map_release(&m);
	free(text);
	return yes;
}

int
cat_flag_field(sqlite3 *db, const char *source, const char *field,
    int type, const char *top, long long present)
{
	if (type == SH_EMAIL || type == SH_PHONE)
		return 0;
	if (flag_values(db, top, present))
		return 1;
	return strncmp(field, "attr.", 5) == 0 &&
	    consent_mapped(db, source, field + 5);
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

static void
push(struct cat_drift **v, size_t *n, size_t *cap, const char *source,
    long long run, long long prev, const char *field, int change,
    const char *was, const char *now, long long present, long long records)
{
	struct cat_drift *d;

	if (*n == *cap) {
		*cap = *cap ? 2 * *cap : 16;
		*v = xrealloc(*v, *cap * sizeof(**v));
	}
	d = &(*v)[(*n)++];
	d->source = xstrdup(source);
	d->run = run;
	d->prev = prev;
	d->field = xstrdup(field);
	d->change = change;
	d->was = was ? xstrdup(was) : NULL;
	d->now = now ? xstrdup(now) : NULL;
	d->present = present;
	d->records = records;
}

static long long
one(sqlite3 *db, const char *sql, long long a, long long b)
{
	sqlite3_stmt *st;
	long long v = 0;

	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_int64(st, 1, a);
	sqlite3_bind_int64(st, 2, b);
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

/* Drift of one source: its last catalogued run against those before. */
static int
source_drift(sqlite3 *db, long long sid, const char *name,
    struct cat_drift **v, size_t *n, size_t *cap, struct sbuf *why)
{
	static const char sql[] =
	    "SELECT cr.field, cr.present, c.first_run, "
	    "  cr.n_string, cr.n_integer, cr.n_number, cr.n_boolean, "
	    "  cr.n_date, cr.n_email, cr.n_phone, cr.n_object, cr.n_array, "
	    "  cr.n_null, c.n_string, c.n_integer, c.n_number, c.n_boolean, "
	    "  c.n_date, c.n_email, c.n_phone, c.n_object, c.n_array, c.n_null "
	    "FROM catalog_run cr JOIN catalog c ON c.source_id = cr.source_id "
	    "  AND c.field = cr.field "
	    "WHERE cr.source_id = ?1 AND cr.run = ?2 ORDER BY cr.field";
	static const char miss[] =
	    "SELECT field, n_string, n_integer, n_number, n_boolean, n_date, "
	    "  n_email, n_phone, n_object, n_array, n_null "
	    "FROM catalog_run p WHERE source_id = ?1 AND run = ?3 AND present > 0 "
	    "AND NOT EXISTS (SELECT 1 FROM catalog_run l WHERE "
	    "  l.source_id = ?1 AND l.run = ?2 AND l.field = p.field "
	    "  AND l.present > 0) ORDER BY field";
	sqlite3_stmt *st;
	long long last, prev, records, nt[SH_NTYPES], before[SH_NTYPES];
	const char *field;
	int i, a, b;

	last = one(db, "SELECT max(run) FROM catalog_run WHERE source_id = ?1",
	    sid, 0);
	prev = one(db, "SELECT max(run) FROM catalog_run WHERE source_id = ?1 "
	    "AND run < ?2", sid, last);
	if (last <= 0 || prev <= 0)
		return last < 0 || prev < 0 ? -1 : 0;	/* nothing before */
	records = one(db, "SELECT inserted + updated FROM run WHERE id = ?1",
	    last, 0);
	if ((st = db_prepare(db, sql, why)) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, sid);
	sqlite3_bind_int64(st, 2, last);
	while (sqlite3_step(st) == SQLITE_ROW) {
		field = (const char *)sqlite3_column_text(st, 0);
		for (i = 0; i < SH_NTYPES; i++) {
			nt[i] = sqlite3_column_int64(st, 3 + i);
			before[i] = sqlite3_column_int64(st, 13 + i) - nt[i];
		}
		a = dominant(nt);
		if (sqlite3_column_int64(st, 2) == last) {
			push(v, n, cap, name, last, prev, field, CAT_DRIFT_NEW,
			    NULL, shape_name(a), sqlite3_column_int64(st, 1),
			    records);
			continue;
		}
		b = dominant(before);
		/* A field left empty is reported as missing, below. */
		if (a != b && a != SH_NULL && b != SH_NULL)
			push(v, n, cap, name, last, prev, field, CAT_DRIFT_TYPE,
			    shape_name(b), shape_name(a),
			    sqlite3_column_int64(st, 1), records);
	}
	sqlite3_finalize(st);
	if ((st = db_prepare(db, miss, why)) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, sid);
	sqlite3_bind_int64(st, 2, last);
	sqlite3_bind_int64(st, 3, prev);
	while (sqlite3_step(st) == SQLITE_ROW) {
		for (i = 0; i < SH_NTYPES; i++)
			nt[i] = sqlite3_column_int64(st, 1 + i);
		push(v, n, cap, name, last, prev,
		    (const char *)sqlite3_column_text(st, 0), CAT_DRIFT_MISSING,
		    shape_name(dominant(nt)), NULL, 0, records);
	}
	sqlite3_finalize(st);
	return 0;
}

static int
cmp_drift(const void *x, const void *y)
{
	const struct cat_drift *a = x, *b = y;
	int c = strcmp(a->source, b->source);

	if (c != 0)
		return c;
	if (a->change != b->change)
		return a->change - b->change;
	return strcmp(a->field, b->field);
}

int
cat_drift_find(sqlite3 *db, const char *source, struct cat_drift **out,
    size_t *n, struct sbuf *why)
{
	sqlite3_stmt *st;
	size_t cap = 0;
	int rc = 0;

	*out = NULL;
	*n = 0;
	st = db_prepare(db, "SELECT s.id, s.name FROM source s WHERE "
	    "(?1 IS NULL OR s.name = ?1) AND EXISTS (SELECT 1 FROM catalog_run "
	    "cr WHERE cr.source_id = s.id) ORDER BY s.name", why);
	if (st == NULL)
		return -1;
	if (source != NULL)
		sqlite3_bind_text(st, 1, source, -1, SQLITE_STATIC);
	while (rc == 0 && sqlite3_step(st) == SQLITE_ROW)
		rc = source_drift(db, sqlite3_column_int64(st, 0),
		    (const char *)sqlite3_column_text(st, 1), out, n, &cap, why);
	sqlite3_finalize(st);
	if (rc == -1) {
		if (why->len == 0)
			sb_addf(why, "drift: %s", sqlite3_errmsg(db));
		cat_drift_free(*out, *n);
		*out = NULL;
		*n = 0;
		return -1;
	}
	if (*n > 1)
		qsort(*out, *n, sizeof(**out), cmp_drift);
	return 0;
}

void
cat_drift_free(struct cat_drift *v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		free(v[i].source);
		free(v[i].field);
		free(v[i].was);
		free(v[i].now);
	}
	free(v);
}
