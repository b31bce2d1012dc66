/*
 * comparison_levels.c - comparison levels: a pair of values to the first
 * level of a field whose condition holds, the check of a field
 * description, the built-in descriptions and the names a config file
 * gives kinds and parts; see comparators.h.
 *
 * cdp-match asks for the level of every field of millions of pairs, and
 * a field's levels often ask the same question with different
 * thresholds (jw >= 0.92, then >= 0.88, ...), so each pair keeps a small
 * cache of the scores already computed for each part of its values.
 * The comparators themselves, and all UTF-8 decoding, are in comparators.c.
 */
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "match/comparators.h"

/* A whole value as a finite number; -1 when it is not one. */
static int
num_parse(const char *s, size_t len, double *v)
{
	char buf[64], *end;

	if (len == 0 || len >= sizeof(buf))
		return -1;
	memcpy(buf, s, len);
	buf[len] = '\0';
	*v = strtod(buf, &end);
	return end == buf + len && isfinite(*v) ? 0 : -1;
}

/* The last n ASCII digits of both, other bytes skipped, are equal. */
static int
digits_suffix_eq(const char *a, size_t alen, const char *b, size_t blen,
    size_t n)
{
	size_t i = alen, j = blen, k;

	for (k = 0; k < n; k++, i--, j--) {
		while (i > 0 && (a[i - 1] < '0' || a[i - 1] > '9'))
			i--;
		while (j > 0 && (b[j - 1] < '0' || b[j - 1] > '9'))
			j--;
		if (i == 0 || j == 0 || a[i - 1] != b[j - 1])
			return 0;
	}
	return 1;
}

/* Scores already computed for one part of the current pair. */
struct score_cache {
	unsigned	 have;		/* HAVE_* bits */
	double		 jaro, jw;
	int		 lev, levmax;	/* distance, bound it was run with */
	int		 osa, osamax;
};

#define HAVE_JARO	0x1	/* jaro and jw */
#define HAVE_LEV	0x2
#define HAVE_OSA	0x4

/*
 * A bounded distance <= k, reusing an earlier run when it settles the
 * question: an exact distance (d <= its bound) answers any k, and
 * "above bound" answers every k <= bound.
 */
static int
dist_le(const char *a, size_t alen, const char *b, size_t blen, int k,
    int osa, struct score_cache *sc)
{
	unsigned bit = osa ? HAVE_OSA : HAVE_LEV;
	int *d = osa ? &sc->osa : &sc->lev;
	int *bound = osa ? &sc->osamax : &sc->levmax;

	if (!(sc->have & bit) || (*d > *bound && k > *bound)) {
		*d = osa ? cmp_damerau_osa(a, alen, b, blen, k) :
		    cmp_levenshtein(a, alen, b, blen, k);
		*bound = k;
		sc->have |= bit;
	}
	return *d <= k;
}

static void
slice(enum cmp_part part, const char *s, size_t len, const char **ps,
    size_t *plen)
{
	const char *at;

	*ps = s;
	*plen = len;
	if (part == CMP_PART_ALL || (at = memrchr(s, '@', len)) == NULL) {
		if (part == CMP_PART_EMAIL_DOMAIN)
			*plen = 0;
		return;
	}
	if (part == CMP_PART_EMAIL_LOCAL)
		*plen = (size_t)(at - s);
	else {
		*ps = at + 1;
		*plen = len - (size_t)(at - s) - 1;
	}
}

static int
cond_holds(const struct cmp_cond *c, const char *a, size_t alen,
    const char *b, size_t blen, struct score_cache *cache)
{
	struct score_cache *sc = &cache[c->part];
	const char *pa, *pb;
	size_t na, nb;
	long da, db;
	double xa, xb;

	if (c->kind == CMP_ELSE)
		return 1;
	slice(c->part, a, alen, &pa, &na);
	slice(c->part, b, blen, &pb, &nb);
	if (na == 0 || nb == 0)
		return 0;
	switch (c->kind) {
	case CMP_EXACT:
		return na == nb && memcmp(pa, pb, na) == 0;
	case CMP_JW:
	case CMP_JARO:
		if (!(sc->have & HAVE_JARO)) {
			cmp_jaro_both(pa, na, pb, nb, &sc->jaro, &sc->jw);
			sc->have |= HAVE_JARO;
		}
		return (c->kind == CMP_JW ? sc->jw : sc->jaro) >= c->arg;
	case CMP_LEV:
	case CMP_OSA:
		return dist_le(pa, na, pb, nb, (int)c->arg,
		    c->kind == CMP_OSA, sc);
	case CMP_PREFIX:
		return cmp_prefix_eq(pa, na, pb, nb, (size_t)c->arg);
	case CMP_SUFFIX:
		return cmp_suffix_eq(pa, na, pb, nb, (size_t)c->arg);
	case CMP_DIGITS_SUFFIX:
		return digits_suffix_eq(pa, na, pb, nb, (size_t)c->arg);
	case CMP_DATE_TRANSPOSED:
		return cmp_date_transposed(pa, na, pb, nb);
	case CMP_TOKENS:
		return cmp_tokens_in(pa, na, pb, nb, (int)c->arg);
	case CMP_DATE_DAYS:
		if (cmp_date_parse(pa, na, &da) == -1 ||
		    cmp_date_parse(pb, nb, &db) == -1)
			return 0;
		return labs(da - db) <= (long)c->arg;
	case CMP_NUM_REL:
	case CMP_NUM_ABS:
		if (num_parse(pa, na, &xa) == -1 ||
		    num_parse(pb, nb, &xb) == -1)
			return 0;
		if (c->kind == CMP_NUM_REL)
			return cmp_num_rel_diff(xa, xb) <= c->arg;
		return fabs(xa - xb) <= c->arg;
	default:
		return 0;
	}
}

int
cmp_level(const struct cmp_field *f, const char *a, size_t alen,
    const char *b, size_t blen)
{
	struct score_cache cache[CMP_NPART];
	int l, i, p;

	if (a == NULL || b == NULL || alen == 0 || blen == 0)
		return -1;
	for (p = 0; p < CMP_NPART; p++)
		cache[p].have = 0;
	for (l = 0; l < f->nlevels - 1; l++)
		for (i = 0; i < f->level[l].ncond; i++)
			if (cond_holds(&f->level[l].cond[i], a, alen, b, blen,
			    cache))
				return l;
	return f->nlevels - 1;
}

static int
is_count(double v, double lo, double hi)
{
	return v >= lo && v <= hi && v == floor(v);
}

int
cmp_field_check(const struct cmp_field *f, const char **errstr)
{
	const struct cmp_level *lv;
	const struct cmp_cond *c;
	int l, i, ok;

	if (memchr(f->name, '\0', sizeof(f->name)) == NULL || !f->name[0]) {
		*errstr = "field name empty or too long";
		return -1;
	}
	if (f->nlevels < 2 || f->nlevels > CMP_MAXLEVEL) {
		*errstr = "a field needs 2 to 16 levels";
		return -1;
	}
	for (l = 0; l < f->nlevels; l++) {
		lv = &f->level[l];
		if (memchr(lv->name, '\0', sizeof(lv->name)) == NULL ||
		    !lv->name[0]) {
			*errstr = "level name empty or too long";
			return -1;
		}
		if (lv->ncond < 1 || lv->ncond > CMP_MAXCOND) {
			*errstr = "a level needs 1 to 4 conditions";
			return -1;
		}
		for (i = 0; i < lv->ncond; i++) {
			c = &lv->cond[i];
			if ((int)c->kind < 0 || c->kind >= CMP_NKIND ||
			    (int)c->part < 0 || c->part >= CMP_NPART) {
				*errstr = "unknown comparator or part";
				return -1;
			}
			if ((c->kind == CMP_ELSE) !=
			    (l == f->nlevels - 1 && lv->ncond == 1)) {
				*errstr = "the last level, and only it, must be "
				    "\"else\"";
				return -1;
			}
			switch (c->kind) {
			case CMP_JW:
			case CMP_JARO:
				ok = c->arg >= 0 && c->arg <= 1;
				break;
			case CMP_LEV:
			case CMP_OSA:
			case CMP_DATE_DAYS:
				ok = is_count(c->arg, 0, INT_MAX - 1);
				break;
			case CMP_PREFIX:
			case CMP_SUFFIX:
			case CMP_DIGITS_SUFFIX:
				ok = is_count(c->arg, 1, 1000);
				break;
			case CMP_TOKENS:
				ok = is_count(c->arg, 1, 32);
				break;
			case CMP_NUM_REL:
			case CMP_NUM_ABS:
				ok = c->arg >= 0 && isfinite(c->arg);
				break;
			default:
				ok = 1;
				break;
			}
			if (!ok) {
				*errstr = "comparator argument out of range";
				return -1;
			}
		}
	}
	return 0;
}

#define C(k, p, a)	{ .kind = (k), .part = (p), .arg = (a) }
#define L1(nm, c)	{ .name = nm, .ncond = 1, .cond = { c } }
#define L2(nm, c, d)	{ .name = nm, .ncond = 2, .cond = { c, d } }
#define EXACT		L1("exact", C(CMP_EXACT, CMP_PART_ALL, 0))
#define ELSE		L1("else", C(CMP_ELSE, CMP_PART_ALL, 0))
#define JW(nm, t)	L1(nm, C(CMP_JW, CMP_PART_ALL, t))

static const struct cmp_field defaults[] = {
	{ .name = "name", .nlevels = 5, .level = {
	    EXACT, JW("jw92", 0.92), JW("jw88", 0.88), JW("jw70", 0.70),
	    ELSE } },
	/* Full names: word order, titles and initials (cmp_tokens_in). */
	{ .name = "fullname", .nlevels = 6, .level = {
	    EXACT, L1("words", C(CMP_TOKENS, CMP_PART_ALL, 2)),
	    JW("jw92", 0.92), JW("jw88", 0.88), JW("jw70", 0.70), ELSE } },
	{ .name = "date", .nlevels = 4, .level = {
	    EXACT,
	    L2("swap_or_typo", C(CMP_DATE_TRANSPOSED, CMP_PART_ALL, 0),
		C(CMP_LEV, CMP_PART_ALL, 1)),
	    L1("days365", C(CMP_DATE_DAYS, CMP_PART_ALL, 365)),
	    ELSE } },
	{ .name = "postcode", .nlevels = 4, .level = {
	    EXACT,
	    L1("prefix3", C(CMP_PREFIX, CMP_PART_ALL, 3)),
	    L1("prefix2", C(CMP_PREFIX, CMP_PART_ALL, 2)),
	    ELSE } },
	{ .name = "email", .nlevels = 4, .level = {
	    EXACT,
	    L1("local", C(CMP_EXACT, CMP_PART_EMAIL_LOCAL, 0)),
	    L1("local_jw88", C(CMP_JW, CMP_PART_EMAIL_LOCAL, 0.88)),
	    ELSE } },
	{ .name = "phone", .nlevels = 3, .level = {
	    EXACT,
	    L1("last8", C(CMP_DIGITS_SUFFIX, CMP_PART_ALL, 8)),
	    ELSE } },
	{ .name = "text", .nlevels = 4, .level = {
	    EXACT, JW("jw92", 0.92), JW("jw80", 0.80), ELSE } },
	{ .name = "number", .nlevels = 4, .level = {
	    EXACT,
	    L1("rel05", C(CMP_NUM_REL, CMP_PART_ALL, 0.05)),
	    L1("rel20", C(CMP_NUM_REL, CMP_PART_ALL, 0.20)),
	    ELSE } },
	{ .name = "exact", .nlevels = 2, .level = { EXACT, ELSE } },
};

const struct cmp_field *
cmp_default_field(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(defaults) / sizeof(defaults[0]); i++)
		if (strcmp(defaults[i].name, name) == 0)
			return &defaults[i];
	return NULL;
}

static const char *const kind_names[CMP_NKIND] = {
	[CMP_ELSE] = "else",
	[CMP_EXACT] = "exact",
	[CMP_JW] = "jw",
	[CMP_JARO] = "jaro",
	[CMP_LEV] = "lev",
	[CMP_OSA] = "osa",
	[CMP_PREFIX] = "prefix",
	[CMP_SUFFIX] = "suffix",
	[CMP_DIGITS_SUFFIX] = "digits_suffix",
	[CMP_DATE_TRANSPOSED] = "date_transposed",
	[CMP_DATE_DAYS] = "date_days",
	[CMP_NUM_REL] = "num_rel",
	[CMP_NUM_ABS] = "num_abs",
	[CMP_TOKENS] = "tokens",
};

static const char *const part_names[CMP_NPART] = {
	[CMP_PART_ALL] = "all",
	[CMP_PART_EMAIL_LOCAL] = "email_local",
	[CMP_PART_EMAIL_DOMAIN] = "email_domain",
};

const char *
cmp_kind_name(enum cmp_kind k)
{
	return (int)k >= 0 && k < CMP_NKIND ? kind_names[k] : NULL;
}

/* The index of s in names[0..n), or -1. */
static int
index_of(const char *const *names, int n, const char *s)
{
	int i;

	for (i = 0; i < n; i++)
		if (strcmp(names[i], s) == 0)
			return i;
	return -1;
}

int
cmp_kind_from_name(const char *s)
{
	return index_of(kind_names, CMP_NKIND, s);
}

const char *
cmp_part_name(enum cmp_part p)
{
	return (int)p >= 0 && p < CMP_NPART ? part_names[p] : NULL;
}

int
cmp_part_from_name(const char *s)
{
	return index_of(part_names, CMP_NPART, s);
}
