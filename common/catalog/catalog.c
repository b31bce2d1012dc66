/*
 * catalog.c - the catalog accumulator and its flush into the database;
 * see catalog.h.
 *
 * The accumulator runs on every record ingested, so the common case is
 * kept cheap: the raw record is walked once more with nd's event
 * parser (about a microsecond for a web event), a field is found
 * without hashing its path when it follows the same field as in the
 * previous record (records of one source mostly share a layout), and
 * the per-field sketches are allocated only for fields that hold
 * values.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "catalog/catalog.h"
#include "catalog/sketch.h"
#include "catalog/value_shape.h"
#include "io/ndjson_reader.h"

#include "catalog/catalog_internal.h"

struct cat *
cat_new(void)
{
	struct cat *c = xcalloc(1, sizeof(*c));
	int i;

	c->cap = C_NCANON + 64;
	c->f = xcalloc(c->cap, sizeof(*c->f));
	for (i = 0; i < C_NCANON; i++) {
		c->f[i].name = xstrdup(map_canon_name(i));
		c->f[i].len = strlen(c->f[i].name);
		c->f[i].next = -1;
	}
	c->n = C_NCANON;
	c->idxcap = 256;
	c->idx = xcalloc(c->idxcap, sizeof(*c->idx));
	c->nd = nd_new(RIN_MAX_DEPTH);
	sb_init(&c->path);
	c->prev = c->first = -1;
	return c;
}

void
cat_free(struct cat *c)
{
	size_t i;

	if (c == NULL)
		return;
	cat_reset(c);
	for (i = 0; i < c->n; i++) {
		free(c->f[i].name);
		free(c->f[i].hll);
		free(c->f[i].hh);
	}
	free(c->f);
	free(c->idx);
	free(c->notes);
	free(c->seen);
	nd_free(c->nd);
	sb_release(&c->path);
	free(c);
}

void
cat_drop_records(struct cat *c)
{
	struct fld *f;
	size_t i;

	for (i = 0; i < c->n; i++) {
		f = &c->f[i];
		if (!f->active)
			continue;
		f->active = 0;
		f->present = f->given = f->valid = 0;
		memset(f->nt, 0, sizeof(f->nt));
		if (f->hll != NULL)
			hll_init(f->hll);
		if (f->hh != NULL)
			hh_init(f->hh);
		f->hasnum = f->hastext = 0;
	}
	c->records = c->untracked = 0;
}

void
cat_reset(struct cat *c)
{
	size_t i;

	cat_drop_records(c);
	for (i = 0; i < c->nnotes; i++) {
		free(c->notes[i].file);
		free(c->notes[i].format);
	}
	c->nnotes = 0;
}

void
cat_file(struct cat *c, const char *file, const char *format,
    long long bytes, long long records, long long rejected)
{
	struct note *n;

	if (c->nnotes == c->capnotes) {
		c->capnotes = c->capnotes ? 2 * c->capnotes : 8;
		c->notes = xrealloc(c->notes, c->capnotes * sizeof(*c->notes));
	}
	n = &c->notes[c->nnotes++];
	n->file = xstrdup(file);
	n->format = xstrdup(format);
	n->bytes = bytes;
	n->records = records;
	n->rejected = rejected;
}

int
cat_pending(const struct cat *c)
{
	return c->records > 0 || c->nnotes > 0;
}

/* Finding fields. */

static int
idx_find(const struct cat *c, uint64_t key, const char *p, size_t n)
{
	size_t i = (size_t)key & (c->idxcap - 1);
	const struct fld *f;

	for (; c->idx[i] != 0; i = (i + 1) & (c->idxcap - 1)) {
		f = &c->f[c->idx[i] - 1];
		if (f->key == key && f->len == n && memcmp(f->name, p, n) == 0)
			return (int)c->idx[i] - 1;
	}
	return -1;
}

static void
idx_put(struct cat *c, size_t fi)
{
	size_t i = (size_t)c->f[fi].key & (c->idxcap - 1);

	while (c->idx[i] != 0)
		i = (i + 1) & (c->idxcap - 1);
	c->idx[i] = (uint32_t)fi + 1;
}

static int
add_field(struct cat *c, uint64_t key, const char *p, size_t n)
{
	struct fld *f;
	size_t i;

	if (c->n - C_NCANON >= CAT_MAX_FIELDS)
		return -1;
	if (c->n == c->cap) {
		c->cap *= 2;
		c->f = xrealloc(c->f, c->cap * sizeof(*c->f));
	}
	if (2 * (c->n + 1) > c->idxcap) {
		free(c->idx);
		c->idxcap *= 2;
		c->idx = xcalloc(c->idxcap, sizeof(*c->idx));
		for (i = C_NCANON; i < c->n; i++)
			idx_put(c, i);
	}
	f = &c->f[c->n];
	memset(f, 0, sizeof(*f));
	f->name = xstrndup(p, n);
	f->len = n;
	f->key = key;
	f->raw = 1;
	f->arr = memmem(p, n, "[]", 2) != NULL;
	f->next = -1;
	idx_put(c, c->n);
	return (int)c->n++;
}

/* The field of path p[0..n), guessed from the previous one when possible. */
static int
lookup(struct cat *c, const char *p, size_t n)
{
	int g = c->prev >= 0 ? c->f[c->prev].next : c->first;
	uint64_t key;

	if (g < 0 || c->f[g].len != n || memcmp(c->f[g].name, p, n) != 0) {
		key = sk_hash64(p, n);
		if ((g = idx_find(c, key, p, n)) < 0)
			g = add_field(c, key, p, n);
		if (c->prev >= 0)
			c->f[c->prev].next = g;
		else
			c->first = g;
	}
	c->prev = g;
	return g;
}

/* Observing values. */

static void
text_minmax(struct fld *f, const char *v, size_t n)
{
	size_t k = sk_utf8_cut(v, n, HH_VALMAX);

	if (!f->hastext) {
		memcpy(f->tlo, v, k);
		f->tlo[k] = '\0';
		memcpy(f->thi, v, k);
		f->thi[k] = '\0';
		f->hastext = 1;
		return;
	}
	/* Compared as cut: min and max are shown cut anyway. */
	if (strncmp(v, f->tlo, k) < 0 || (strncmp(v, f->tlo, k) == 0 &&
	    k < strlen(f->tlo))) {
		memcpy(f->tlo, v, k);
		f->tlo[k] = '\0';
	}
	if (strncmp(v, f->thi, k) > 0 || (strncmp(v, f->thi, k) == 0 &&
	    k > strlen(f->thi))) {
		memcpy(f->thi, v, k);
		f->thi[k] = '\0';
	}
}

static void
num_minmax(struct fld *f, const char *v, size_t n)
{
	char buf[64];
	size_t i;
	double d;

	if (n >= sizeof(buf))
		return;
	for (i = 0; i < n; i++)
		buf[i] = v[i] == ',' ? '.' : v[i];	/* "12,50" */
	buf[n] = '\0';
	d = strtod(buf, NULL);
	if (!isfinite(d))
		return;
	if (!f->hasnum || d < f->lo)
		f->lo = d;
	if (!f->hasnum || d > f->hi)
		f->hi = d;
	f->hasnum = 1;
}

/* cat_forget: keep the value, to be taken out of the stored sketches. */
static void
forget_value(struct cat *c, struct fld *f, int type, uint64_t h,
    const char *v, size_t n)
{
	struct seen *s;
	char buf[64];
	size_t i, k;

	if (c->nseen == c->capseen) {
		c->capseen = c->capseen ? 2 * c->capseen : 32;
		c->seen = xrealloc(c->seen, c->capseen * sizeof(*c->seen));
	}
	s = &c->seen[c->nseen++];
	s->field = (int)(f - c->f);
	s->hash = h;
	k = sk_utf8_cut(v, n, HH_VALMAX);
	memcpy(s->val, v, k);
	s->val[k] = '\0';
	s->num = 0;
	if ((type == SH_INTEGER || type == SH_NUMBER) && n < sizeof(buf)) {
		for (i = 0; i < n; i++)
			buf[i] = v[i] == ',' ? '.' : v[i];
		buf[n] = '\0';
		s->d = strtod(buf, NULL);
		s->num = 1;
	}
}

/* sk_hash64 of v[0..n), from f's cache when it was seen lately. */
static uint64_t
value_hash(struct fld *f, const char *v, size_t n)
{
	struct hcache *e;

	if (n == 0 || n > HC_MAX)
		return sk_hash64(v, n);
	e = &f->hc[(n * 31 + (unsigned char)v[0] * 7 +
	    (unsigned char)v[n - 1]) % HC_N];
	if (e->len != n + 1 || memcmp(e->v, v, n) != 0) {
		e->h = sk_hash64(v, n);
		e->len = (unsigned char)(n + 1);
		memcpy(e->v, v, n);
	}
	return e->h;
}

static void
observe(struct cat *c, struct fld *f, int type, const char *v, size_t n)
{
	uint64_t h;

	f->nt[type]++;
	f->active = 1;
	if (type == SH_NULL)
		return;
	if (f->stamp != c->recno) {
		f->stamp = c->recno;
		f->present++;
	}
	if (type == SH_OBJECT || type == SH_ARRAY)
		return;
	while (n > 0 && (*v == ' ' || *v == '\t'))
		v++, n--;
	while (n > 0 && (v[n - 1] == ' ' || v[n - 1] == '\t' ||
	    v[n - 1] == '\r' || v[n - 1] == '\n'))
		n--;
	h = value_hash(f, v, n);
	if (c->forget) {
		forget_value(c, f, type, h, v, n);
		return;
	}
	if (f->hll == NULL) {
		f->hll = xmalloc(sizeof(*f->hll));
		hll_init(f->hll);
	}
	hll_add(f->hll, h);
	if (f->hh == NULL) {
		f->hh = xmalloc(sizeof(*f->hh));
		hh_init(f->hh);
	}
	hh_add(f->hh, h, v, n);
	if (type == SH_INTEGER || type == SH_NUMBER)
		num_minmax(f, v, n);
	else
		text_minmax(f, v, n);
}

/* Which canonical fields the path of f feeds under the current map. */
static uint32_t
feeds(struct cat *c, struct fld *f, const char *raw, size_t n)
{
	const struct map_entry *e;
	uint32_t m = 0;
	size_t i;

	if (f->mapgen == c->mapgen && !(f->arr && c->mapidx))
		return f->canon;
	/* An array path matches entries by its raw path ("items.0.sku"). */
	for (i = 0; i < c->map->n; i++) {
		e = &c->map->e[i];
		if (e->canon < C_NCANON && map_uses_field(e, raw, n))
			m |= 1u << e->canon;
	}
	f->canon = m;
	f->mapgen = c->mapgen;
	return m;
}

static int
visit(void *arg, const char *path, size_t plen, enum nd_type t,
    const char *val, size_t len)
{
	struct cat *c = arg;
	struct open *o;
	const char *np = path;
	size_t nlen = plen, r;
	int fi, type;

	/* Close the containers this path is not inside of. */
	while (c->depth > 0) {
		r = c->stk[c->depth - 1].raw;
		if (plen > r && path[r] == '.')
			break;
		if (c->stk[--c->depth].arr)
			c->narr--;
	}
	if (c->narr > 0) {
		o = &c->stk[c->depth - 1];
		c->path.len = o->norm;
		if (o->arr)
			sb_adds(&c->path, "[]");
		else {
			sb_addc(&c->path, '.');
			sb_add(&c->path, path + o->raw + 1, plen - o->raw - 1);
		}
		np = c->path.buf;
		nlen = c->path.len;
	}
	if ((t == ND_MAP || t == ND_ARRAY) && c->depth < RIN_MAX_DEPTH) {
		if (t == ND_ARRAY && c->narr++ == 0) {
			sb_reset(&c->path);
			sb_add(&c->path, path, plen);
			np = c->path.buf;
		}
		o = &c->stk[c->depth++];
		o->raw = plen;
		o->norm = nlen;
		o->arr = t == ND_ARRAY;
	}
	switch (t) {
	case ND_NULL:
		type = SH_NULL;
		break;
	case ND_BOOL:
		type = SH_BOOLEAN;
		break;
	case ND_NUMBER:
		type = shape_of_number(val, len);
		break;
	case ND_STRING:
		type = shape_of(val, len);
		break;
	case ND_MAP:
		type = SH_OBJECT;
		break;
	default:
		type = SH_ARRAY;
		break;
	}
	if ((fi = lookup(c, np, nlen)) < 0) {
		c->untracked++;
		return 0;
	}
	if (c->map != NULL && type != SH_NULL && type != SH_OBJECT &&
	    type != SH_ARRAY)
		c->given |= feeds(c, &c->f[fi], path, plen);
	observe(c, &c->f[fi], type, val, len);
	return 0;
}

static void
walk(struct cat *c, const char *raw, size_t rawlen)
{
	c->recno++;
	c->records++;
	c->depth = c->narr = 0;
	c->prev = -1;
	/* rin validated the record: a failure here cannot happen. */
	(void)nd_parse(c->nd, raw, rawlen, visit, c, NULL);
}

static void
canonical(struct cat *c, int k, const char *v, size_t n, int given)
{
	struct fld *f = &c->f[k];

	if (given || v != NULL) {
		f->given++;
		f->active = 1;
	}
	if (v == NULL)
		return;
	f->valid++;
	observe(c, f, shape_of(v, n), v, n);
}

uint32_t
cat_add(struct cat *c, const struct rin_rec *r, const struct map *m)
{
	size_t i;
	int k;

	if (m != c->map || m->n != c->mapn) {
		c->map = m;
		c->mapn = m->n;
		c->mapgen++;
		c->mapidx = 0;
		c->consts = 0;
		for (i = 0; i < m->n; i++) {
			if (m->e[i].canon >= C_NCANON)
				continue;
			if (m->e[i].value != NULL)
				c->consts |= 1u << m->e[i].canon;
			else if (strpbrk(m->e[i].field, "0123456789") != NULL)
				c->mapidx = 1;	/* may name "items.0.sku" */
		}
	}
	c->given = c->consts;
	walk(c, r->raw, r->rawlen);
	for (k = 0; k < C_NCANON; k++) {
		if (r->have[k])
			c->given |= 1u << k;
		canonical(c, k, r->have[k] ? r->val[k].buf : NULL,
		    r->val[k].len, (c->given >> k) & 1);
	}
	return c->given;
}

void
cat_add_stored(struct cat *c, const char *raw, size_t rawlen,
    const char *const val[C_NCANON], const uint32_t len[C_NCANON],
    uint32_t given)
{
	int k;

	c->map = NULL;
	walk(c, raw, rawlen);
	for (k = 0; k < C_NCANON; k++)
		canonical(c, k, val[k], len[k], (given >> k) & 1);
}
