/*
 * attr_ident.c - identifier columns found in the data; see attr_ident.h.
 */
#include <stdlib.h>
#include <string.h>

#include <yajl/yajl_tree.h>

#include "match/attr_ident.h"
#include "store/statements.h"
#include "match/record_load.h"
#include "match/record_set.h"
#include "normalise/field_map.h"

#define SAMPLE	5000	/* records looked at */
#define MAXCOL	64	/* columns considered */

struct col {
	char	*name;
	size_t	 filled;	/* records with a value */
	size_t	 shaped;	/* of which an identifier's shape */
	size_t	 digits;	/* digits of the shaped values */
	uint64_t *h;		/* hashes of the normalised values */
	uint64_t *who;		/* hashes of the records' names, or 0 */
};

/* The columns of one source looked at so far. */
struct look {
	struct col col[MAXCOL];
	size_t	 ncol, nrec;
	struct sbuf norm;
};

static void
quiet_diag(void *arg, int rej, const char *file, long line,
    const char *reason, const char *raw, size_t rawlen)
{
	(void)arg, (void)rej, (void)file, (void)line, (void)reason;
	(void)raw, (void)rawlen;
}

/* Whether the map in force reads column name (or it is the id). */
static int
mapped(const struct map *m, const char *name)
{
	size_t i;

	if (m->id_field != NULL && strcmp(m->id_field, name) == 0)
		return 1;
	for (i = 0; i < m->n; i++)
		if (map_uses_field(&m->e[i], name, strlen(name)))
			return 1;
	return 0;
}

/* Whether a column name can be written as attr.NAME in a configuration. */
static int
plain(const char *s)
{
	if (*s == '\0' || strlen(s) > 48)
		return 0;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		    (*s >= '0' && *s <= '9') || *s == '_' || *s == '-'))
			return 0;
	return 1;
}

static int
cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return (x > y) - (x < y);
}

static void
add_value(struct col *c, const char *s, uint64_t who, struct sbuf *norm)
{
	size_t i, d = 0;
	int shaped = 1;

	mload_attr_norm(s, strlen(s), norm);
	if (norm->len == 0)
		return;
	c->filled++;
	for (i = 0; i < norm->len; i++)
		if (norm->buf[i] >= '0' && norm->buf[i] <= '9')
			d++;
		else if (!(norm->buf[i] >= 'a' && norm->buf[i] <= 'z'))
			shaped = 0;
	if (shaped && d > 0) {
		c->shaped++;
		c->digits += d;
	}
	c->h[c->filled - 1] = mset_hash(norm->buf, norm->len, 0);
	c->who[c->filled - 1] = who;
}

static void
look_init(struct look *l)
{
	l->ncol = l->nrec = 0;
	sb_init(&l->norm);
}

/*
 * Add one record (its fields as a JSON object, the map that read it, and
 * a hash of its name or 0 when it has none) to the columns looked at.
 */
static void
look_add(struct look *l, const struct map *m, const char *raw, uint64_t who)
{
	yajl_val root, v;
	char err[128];
	const char *s;
	size_t i, k;

	l->nrec++;
	root = yajl_tree_parse(raw, err, sizeof(err));
	if (root == NULL || !YAJL_IS_OBJECT(root)) {
		yajl_tree_free(root);
		return;
	}
	for (i = 0; i < root->u.object.len; i++) {
		v = root->u.object.values[i];
		s = YAJL_IS_STRING(v) ? YAJL_GET_STRING(v) :
		    YAJL_IS_NUMBER(v) ? YAJL_GET_NUMBER(v) : NULL;
		if (s == NULL || !plain(root->u.object.keys[i]) ||
		    (m != NULL && mapped(m, root->u.object.keys[i])))
			continue;
		for (k = 0; k < l->ncol; k++)
			if (strcmp(l->col[k].name, root->u.object.keys[i]) == 0)
				break;
		if (k == l->ncol) {
			if (l->ncol == MAXCOL)
				continue;
			memset(&l->col[k], 0, sizeof(l->col[k]));
			l->col[k].name = xstrdup(root->u.object.keys[i]);
			l->col[k].h = xmalloc(SAMPLE * sizeof(uint64_t));
			l->col[k].who = xmalloc(SAMPLE * sizeof(uint64_t));
			l->ncol++;
		}
		if (l->col[k].filled < SAMPLE)
			add_value(&l->col[k], s, who, &l->norm);
	}
	yajl_tree_free(root);
}

/*
 * Whether the records that share a value of c name the same person: of
 * the values held by two named records or more, at most one in two
 * joins names of different first two letters (a typo further on is one
 * person's).  A product code or a shop number repeats over
 * many customers; an identifier repeats only over one person's records.
 * Columns whose records carry no name pass (nothing tells).
 */
static int
one_person(const struct col *c)
{
	size_t i, j, k, shared = 0, mixed = 0;
	uint64_t *v;
	int diff;

	v = xmalloc(c->filled * 2 * sizeof(*v));
	for (i = 0; i < c->filled; i++) {
		v[2 * i] = c->h[i];
		v[2 * i + 1] = c->who[i];
	}
	qsort(v, c->filled, 2 * sizeof(*v), cmp_u64);
	for (i = 0; i < c->filled; i = j) {
		for (j = i + 1; j < c->filled && v[2 * j] == v[2 * i]; j++)
			;
		for (diff = 0, k = i + 1; k < j; k++)
			if (v[2 * k + 1] != 0 && v[2 * i + 1] != 0 &&
			    v[2 * k + 1] != v[2 * i + 1])
				diff = 1;
		if (j - i < 2)
			continue;
		shared++;
		mixed += diff;
	}
	free(v);
	return mixed * 2 <= shared;
}

/* Append what was found to conf and release l; the number found. */
static int
look_done(struct look *l, struct sbuf *conf)
{
	struct sbuf line;
	size_t i, k, distinct;
	int found = 0;

	sb_init(&line);
	for (k = 0; k < l->ncol; k++) {
		struct col *c = &l->col[k];

		qsort(c->h, c->filled, sizeof(*c->h), cmp_u64);
		for (distinct = 0, i = 0; i < c->filled; i++)
			distinct += i == 0 || c->h[i] != c->h[i - 1];
		if (c->filled * 2 >= l->nrec && c->filled > 0 &&
		    c->shaped * 20 >= c->filled * 19 &&
		    c->digits >= 6 * c->shaped &&
		    distinct * 10 >= c->filled) {
			sb_reset(&line);
			sb_addf(&line, "compare attr.%s\n", c->name);
			if (conf->len == 0 || strstr(conf->buf, line.buf) ==
			    NULL) {
				sb_add(conf, line.buf, line.len);
				sb_adds(conf, "level exact exact\n"
				    "level typo osa 1\n");
				sb_addf(conf, "block attr.%s\n", c->name);
				found++;
			}
		}
		free(c->name);
		free(c->h);
		free(c->who);
	}
	sb_release(&line);
	sb_release(&l->norm);
	return found;
}

int
mattr_find(const char *path, const struct rin_opts *o, struct sbuf *conf)
{
	struct look l;
	struct rin *in;
	struct rin_rec *rec;
	const struct map *m = NULL;

	if (path == NULL || strcmp(path, "-") == 0)
		return 0;
	if ((in = rin_open(path, o, quiet_diag, NULL)) == NULL)
		return -1;
	look_init(&l);
	while (l.nrec < SAMPLE && rin_next(in, &rec) == 1) {
		if (m == NULL)
			m = rin_map(in);
		look_add(&l, m, rec->raw, 0);
	}
	rin_close(in);
	return look_done(&l, conf);
}

/* The fields a source's stored map (source.mapping) reads, in m. */
static void
stored_map(struct map *m, const char *text)
{
	struct sbuf line, why;
	const char *p, *e;

	sb_init(&line);
	sb_init(&why);
	for (p = text; *p != '\0'; p = *e ? e + 1 : e) {
		if ((e = strchr(p, '\n')) == NULL)
			e = p + strlen(p);
		sb_reset(&line);
		sb_add(&line, p, (size_t)(e - p));
		if (line.len == 0 || line.buf[0] == '#')
			continue;
		if (strncmp(line.buf, "@id ", 4) == 0) {
			free(m->id_field);
			m->id_field = xstrdup(line.buf + 4);
		} else if (line.buf[0] != '@')
			(void)map_add(m, line.buf, &why);
	}
	sb_release(&line);
	sb_release(&why);
}

/*
 * The fields cdp-ingest recognised by their names when it read the
 * source (its map lists only what the user wrote), from a record's.
 */
static void
auto_map(struct map *m, const char *raw)
{
	yajl_val root;
	char err[128];

	root = yajl_tree_parse(raw, err, sizeof(err));
	if (root != NULL && YAJL_IS_OBJECT(root))
		(void)map_auto(m, (char *const *)root->u.object.keys,
		    root->u.object.len);
	yajl_tree_free(root);
}

int
mattr_find_db(sqlite3 *db, struct sbuf *conf, struct sbuf *why)
{
	sqlite3_stmt *src = NULL, *rec = NULL;
	struct look l;
	struct map m;
	const char *raw, *who;
	int rc, found = 0;

	if (sqlite3_prepare_v2(db, "SELECT id, coalesce(mapping, '') "
	    "FROM source ORDER BY id", -1, &src, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(db, "SELECT raw, coalesce(last_name_key, "
	    "full_name_key) FROM record WHERE source_id = ? ORDER BY id "
	    "LIMIT ?", -1, &rec, NULL) != SQLITE_OK) {
		sqlite3_finalize(src);
		return db_err(db, "identifier columns", why);
	}
	sqlite3_bind_int(rec, 2, SAMPLE);
	while ((rc = sqlite3_step(src)) == SQLITE_ROW) {
		map_init(&m);
		stored_map(&m, (const char *)sqlite3_column_text(src, 1));
		look_init(&l);
		sqlite3_bind_int64(rec, 1, sqlite3_column_int64(src, 0));
		while ((rc = sqlite3_step(rec)) == SQLITE_ROW) {
			raw = (const char *)sqlite3_column_text(rec, 0);
			who = (const char *)sqlite3_column_text(rec, 1);
			if (l.nrec == 0 && raw != NULL)
				auto_map(&m, raw);
			/* The name's first two letters: a typo further on
			 * (one person's records) keeps them. */
			look_add(&l, &m, raw != NULL ? raw : "",
			    who != NULL && *who ? mset_hash(who, strnlen(who,
			    2), 1) | 1 : 0);
		}
		sqlite3_reset(rec);
		map_release(&m);
		if (rc != SQLITE_DONE) {
			struct sbuf none;

			sb_init(&none);
			look_done(&l, &none);
			sb_release(&none);
			break;
		}
		/* Only columns whose shared values keep to one person. */
		for (size_t k = 0; k < l.ncol; k++)
			if (!one_person(&l.col[k]))
				l.col[k].filled = 0;
		found += look_done(&l, conf);
	}
	if (rc != SQLITE_DONE)
		found = db_err(db, "identifier columns", why);
	sqlite3_finalize(src);
	sqlite3_finalize(rec);
	return found;
}
