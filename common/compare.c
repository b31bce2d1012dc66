/*
 * compare.c - string and value comparators, comparison levels; see
 * compare.h.
 *
 * cdp-match scores millions of candidate pairs, each over several
 * fields, so the comparators avoid the heap for ordinary values: code
 * points are decoded into stack buffers (ASCII by a vectorisable copy),
 * Jaro finds its matches with bit-parallel position masks, and edit
 * distances keep three rows, compute only the diagonal band a bound
 * allows and stop as soon as it is exceeded.  Strings longer than
 * CMP_STACK code points take plain loops over heap buffers.
 */
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <utf8proc.h>

#include "compare.h"
#include "util.h"

/* An invalid byte b decodes to INVALID_BASE + b: above any code point. */
#define INVALID_BASE	0x110000

/* Decoded code points: in stack[] up to CMP_STACK, else on the heap. */
struct cps {
	int32_t		 stack[CMP_STACK];
	int32_t		*cp;	/* stack or heap */
	size_t		 n;	/* code points */
};

/* Decode one code point from s[0..len), len > 0; returns bytes used. */
static size_t
next_cp(const unsigned char *s, size_t len, int32_t *cp)
{
	utf8proc_int32_t u;
	utf8proc_ssize_t r;

	if (s[0] < 0x80) {
		*cp = s[0];
		return 1;
	}
	r = utf8proc_iterate(s, (utf8proc_ssize_t)len, &u);
	if (r <= 0) {
		*cp = INVALID_BASE + s[0];
		return 1;
	}
	*cp = u;
	return (size_t)r;
}

static void
cps_decode(struct cps *c, const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, n = 0;
	int32_t *cp = c->stack;
	unsigned char hib = 0;

	if (len <= CMP_STACK) {
		/* Names are mostly ASCII: two loops the compiler vectorises. */
		for (i = 0; i < len; i++)
			hib |= p[i];
		if (hib < 0x80) {
			for (i = 0; i < len; i++)
				cp[i] = p[i];
			c->cp = cp;
			c->n = len;
			return;
		}
		i = 0;
	} else {
		/* The byte length bounds the code point count. */
		for (i = 0; i < len && n <= CMP_STACK; n++)
			i += next_cp(p + i, len - i, &c->stack[0]);
		if (n > CMP_STACK)
			cp = xmalloc(len * sizeof(*cp));
		i = n = 0;
	}
	while (i < len) {
		if (p[i] < 0x80)
			cp[n++] = p[i++];
		else
			i += next_cp(p + i, len - i, &cp[n++]);
	}
	c->cp = cp;
	c->n = n;
}

static void
cps_release(struct cps *c)
{
	if (c->cp != c->stack)
		free(c->cp);
	c->cp = NULL;
}

#define BIT_TEST(v, i)	(((v)[(i) >> 6] >> ((i) & 63)) & 1)
#define BIT_SET(v, i)	((v)[(i) >> 6] |= UINT64_C(1) << ((i) & 63))

/* Jaro's matching window around each position. */
static size_t
jaro_range(size_t n, size_t m)
{
	size_t r = (n > m ? n : m) / 2;

	return r > 0 ? r - 1 : 0;
}

/*
 * Matches and transpositions for strings of at most 64 code points, bit
 * parallel.  pm[c & 0xff] holds the positions in b of the code points
 * with that low byte; the table is left uninitialised and only the
 * slots a and b touch are cleared, which is cheaper than clearing 2 KB.
 * Low bytes can collide (U+0165 and 'e'), so candidates are confirmed
 * in increasing position order: the first confirmed one is the one the
 * plain scan would find.
 */
static void
jaro_small(const int32_t *a, size_t n, const int32_t *b, size_t m,
    size_t *common, size_t *trans)
{
	uint64_t pm[256], fa = 0, fb = 0, all, win, cand;
	size_t range = jaro_range(n, m), i, j, lo, hi, c = 0, t = 0;

	for (i = 0; i < n; i++)
		pm[a[i] & 0xff] = 0;
	for (j = 0; j < m; j++)
		pm[b[j] & 0xff] = 0;
	for (j = 0; j < m; j++)
		pm[b[j] & 0xff] |= UINT64_C(1) << j;
	all = m == 64 ? ~UINT64_C(0) : (UINT64_C(1) << m) - 1;
	for (i = 0; i < n; i++) {
		lo = i > range ? i - range : 0;
		hi = i + range + 1;
		if (lo >= m)
			break;
		win = (hi >= 64 ? ~UINT64_C(0) : (UINT64_C(1) << hi) - 1) &
		    ~((UINT64_C(1) << lo) - 1) & all;
		for (cand = pm[a[i] & 0xff] & ~fb & win; cand != 0;
		    cand &= cand - 1) {
			j = (size_t)__builtin_ctzll(cand);
			if (b[j] == a[i]) {
				fa |= UINT64_C(1) << i;
				fb |= UINT64_C(1) << j;
				c++;
				break;
			}
		}
	}
	/* The k-th match of a against the k-th match of b. */
	for (; fa != 0; fa &= fa - 1, fb &= fb - 1)
		if (a[__builtin_ctzll(fa)] != b[__builtin_ctzll(fb)])
			t++;
	*common = c;
	*trans = t / 2;
}

/* The same for longer strings, with heap flag sets and a plain scan. */
static void
jaro_big(const int32_t *a, size_t n, const int32_t *b, size_t m,
    size_t *common, size_t *trans)
{
	uint64_t *fa = xcalloc((n + 63) / 64, sizeof(*fa));
	uint64_t *fb = xcalloc((m + 63) / 64, sizeof(*fb));
	size_t range = jaro_range(n, m), c = 0, t = 0, i, j, k;

	for (i = 0; i < n; i++) {
		size_t lo = i > range ? i - range : 0;
		size_t hi = i + range + 1 < m ? i + range + 1 : m;

		for (j = lo; j < hi; j++) {
			if (!BIT_TEST(fb, j) && b[j] == a[i]) {
				BIT_SET(fa, i);
				BIT_SET(fb, j);
				c++;
				break;
			}
		}
	}
	for (i = 0, k = 0; i < n; i++) {
		if (!BIT_TEST(fa, i))
			continue;
		while (!BIT_TEST(fb, k))
			k++;
		if (a[i] != b[k])
			t++;
		k++;
	}
	free(fa);
	free(fb);
	*common = c;
	*trans = t / 2;
}

/*
 * Jaro on code points, and the Jaro-Winkler boost into *jw.  The
 * arithmetic follows jellyfish's _jaro_winkler step by step so that
 * scores agree with its tables to the last bit.
 */
static double
jaro_cp(const int32_t *a, size_t n, const int32_t *b, size_t m, double *jw)
{
	size_t common, trans, i, lim;
	double c, r;

	if (n == 0 || m == 0) {
		*jw = n == m ? 1.0 : 0.0;
		return *jw;
	}
	if (n <= 64 && m <= 64)
		jaro_small(a, n, b, m, &common, &trans);
	else
		jaro_big(a, n, b, m, &common, &trans);
	if (common == 0) {
		*jw = 0.0;
		return 0.0;
	}
	c = (double)common;
	r = c / (double)n + c / (double)m;
	r += (c - (double)trans) / c;
	r /= 3;
	*jw = r;
	if (r > 0.7) {
		lim = n < m ? n : m;
		if (lim > 4)
			lim = 4;
		for (i = 0; i < lim && a[i] == b[i]; i++)
			;
		if (i > 0)
			*jw = r + (double)i * 0.1 * (1.0 - r);
	}
	return r;
}

/* Both scores at once: the level cache wants both. */
static void
jaro_both(const char *a, size_t alen, const char *b, size_t blen,
    double *jaro, double *jw)
{
	struct cps ca, cb;

	if (alen == blen && memcmp(a, b, alen) == 0) {
		*jaro = *jw = 1.0;
		return;
	}
	cps_decode(&ca, a, alen);
	cps_decode(&cb, b, blen);
	*jaro = jaro_cp(ca.cp, ca.n, cb.cp, cb.n, jw);
	cps_release(&ca);
	cps_release(&cb);
}

double
cmp_jaro(const char *a, size_t alen, const char *b, size_t blen)
{
	double j, jw;

	jaro_both(a, alen, b, blen, &j, &jw);
	return j;
}

double
cmp_jaro_winkler(const char *a, size_t alen, const char *b, size_t blen)
{
	double j, jw;

	jaro_both(a, alen, b, blen, &j, &jw);
	return jw;
}

static int
clamp_dist(size_t d, int max)
{
	if (max >= 0 && d > (size_t)max)
		return max + 1;
	return d > INT_MAX ? INT_MAX : (int)d;
}

static int
min3(int x, int y, int z)
{
	int r = x < y ? x : y;

	return r < z ? r : z;
}

/*
 * Edit distance on code points; osa adds adjacent transpositions.
 * A common prefix and suffix never change either distance, so they are
 * dropped first; rows span the shorter string.  Row minima never
 * decrease (each cell comes from the row above, the row above that plus
 * one, or its left neighbour plus one), so a row minimum above max
 * proves the distance is above max.
 */
static int
edit_cp(const int32_t *a, size_t n, const int32_t *b, size_t m, int max,
    int osa)
{
	int stk[3][CMP_STACK + 1], *heap = NULL;
	int *p2, *p1, *cur, *t, d, big, rowmin;
	size_t i, j, lo, hi;

	while (n > 0 && m > 0 && a[0] == b[0]) {
		a++, b++;
		n--, m--;
	}
	while (n > 0 && m > 0 && a[n - 1] == b[m - 1])
		n--, m--;
	if (m > n) {
		const int32_t *ts = a;
		size_t tn = n;

		a = b, n = m;
		b = ts, m = tn;
	}
	if (m == 0)
		return clamp_dist(n, max);
	if (max >= 0 && n - m > (size_t)max)
		return max + 1;
	if (m + 1 > CMP_STACK + 1) {
		heap = xmalloc(3 * (m + 1) * sizeof(*heap));
		p2 = heap, p1 = heap + m + 1, cur = heap + 2 * (m + 1);
	} else
		p2 = stk[0], p1 = stk[1], cur = stk[2];

	/*
	 * With a bound only the diagonal band |i - j| <= max can hold a
	 * distance <= max (Ukkonen); the cells just outside the band that
	 * the next row reads are set to max + 1.
	 */
	big = max >= 0 ? max + 1 : INT_MAX - 1;
	for (j = 0; j <= m; j++)
		p1[j] = (int)j;
	for (i = 1; i <= n; i++) {
		lo = max >= 0 && i > (size_t)max ? i - (size_t)max : 1;
		hi = max >= 0 && m > i + (size_t)max ? i + (size_t)max : m;
		cur[0] = (int)i;
		rowmin = lo == 1 ? (int)i : big;
		if (lo > 1)
			cur[lo - 1] = big;
		for (j = lo; j <= hi; j++) {
			int v = min3(p1[j] + 1, cur[j - 1] + 1,
			    p1[j - 1] + (a[i - 1] != b[j - 1]));

			if (osa && i > 1 && j > 1 && a[i - 1] == b[j - 2] &&
			    a[i - 2] == b[j - 1] && p2[j - 2] + 1 < v)
				v = p2[j - 2] + 1;
			cur[j] = v;
			if (v < rowmin)
				rowmin = v;
		}
		if (hi < m)
			cur[hi + 1] = big;
		if (max >= 0 && rowmin > max) {
			d = max + 1;
			goto out;
		}
		t = p2, p2 = p1, p1 = cur, cur = t;
	}
	d = clamp_dist((size_t)p1[m], max);
out:
	free(heap);
	return d;
}

static int
edit(const char *a, size_t alen, const char *b, size_t blen, int max,
    int osa)
{
	struct cps ca, cb;
	int d;

	if (alen == blen && memcmp(a, b, alen) == 0)
		return 0;
	cps_decode(&ca, a, alen);
	cps_decode(&cb, b, blen);
	d = edit_cp(ca.cp, ca.n, cb.cp, cb.n, max, osa);
	cps_release(&ca);
	cps_release(&cb);
	return d;
}

int
cmp_levenshtein(const char *a, size_t alen, const char *b, size_t blen,
    int max)
{
	return edit(a, alen, b, blen, max, 0);
}

int
cmp_damerau_osa(const char *a, size_t alen, const char *b, size_t blen,
    int max)
{
	return edit(a, alen, b, blen, max, 1);
}

static int
digits(const char *s, int n)
{
	int v = 0;

	while (n-- > 0) {
		if (*s < '0' || *s > '9')
			return -1;
		v = v * 10 + (*s++ - '0');
	}
	return v;
}

static int
date_ymd(const char *s, size_t len, int *y, int *mo, int *d)
{
	static const int mdays[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31,
	    30, 31 };
	int leap, dim;

	if (len != 10 || s[4] != '-' || s[7] != '-')
		return -1;
	if ((*y = digits(s, 4)) < 0 || (*mo = digits(s + 5, 2)) < 0 ||
	    (*d = digits(s + 8, 2)) < 0)
		return -1;
	if (*mo < 1 || *mo > 12 || *d < 1)
		return -1;
	leap = (*y % 4 == 0 && *y % 100 != 0) || *y % 400 == 0;
	dim = mdays[*mo - 1] + (*mo == 2 && leap);
	return *d <= dim ? 0 : -1;
}

int
cmp_date_parse(const char *s, size_t len, long *day)
{
	int y, m, d;
	long era, yoe, doy, doe;

	if (date_ymd(s, len, &y, &m, &d) == -1)
		return -1;
	/* Howard Hinnant's days_from_civil (year 0000 makes y -1 here). */
	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	*day = era * 146097 + doe - 719468;
	return 0;
}

int
cmp_date_diff_days(const char *a, size_t alen, const char *b, size_t blen,
    long *days)
{
	long da, db;

	if (cmp_date_parse(a, alen, &da) == -1 ||
	    cmp_date_parse(b, blen, &db) == -1)
		return -1;
	*days = db - da;
	return 0;
}

int
cmp_date_transposed(const char *a, size_t alen, const char *b, size_t blen)
{
	int ay, am, ad, by, bm, bd;

	if (date_ymd(a, alen, &ay, &am, &ad) == -1 ||
	    date_ymd(b, blen, &by, &bm, &bd) == -1)
		return 0;
	return ay == by && am == bd && ad == bm && am != ad;
}

double
cmp_num_rel_diff(double x, double y)
{
	double ax = fabs(x), ay = fabs(y), d = ax > ay ? ax : ay;

	return d == 0 ? 0.0 : fabs(x - y) / d;
}

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

static int
prefix_eq(const char *a, size_t alen, const char *b, size_t blen, size_t n)
{
	const unsigned char *pa = (const unsigned char *)a;
	const unsigned char *pb = (const unsigned char *)b;
	size_t i = 0, j = 0, k;
	int32_t ca, cb;

	for (k = 0; k < n; k++) {
		if (i >= alen || j >= blen)
			return 0;
		i += next_cp(pa + i, alen - i, &ca);
		j += next_cp(pb + j, blen - j, &cb);
		if (ca != cb)
			return 0;
	}
	return 1;
}

static int
suffix_eq(const char *a, size_t alen, const char *b, size_t blen, size_t n)
{
	struct cps ca, cb;
	int r;

	cps_decode(&ca, a, alen);
	cps_decode(&cb, b, blen);
	r = ca.n >= n && cb.n >= n && memcmp(ca.cp + ca.n - n,
	    cb.cp + cb.n - n, n * sizeof(int32_t)) == 0;
	cps_release(&ca);
	cps_release(&cb);
	return r;
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
		*d = edit(a, alen, b, blen, k, osa);
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
			jaro_both(pa, na, pb, nb, &sc->jaro, &sc->jw);
			sc->have |= HAVE_JARO;
		}
		return (c->kind == CMP_JW ? sc->jw : sc->jaro) >= c->arg;
	case CMP_LEV:
	case CMP_OSA:
		return dist_le(pa, na, pb, nb, (int)c->arg,
		    c->kind == CMP_OSA, sc);
	case CMP_PREFIX:
		return prefix_eq(pa, na, pb, nb, (size_t)c->arg);
	case CMP_SUFFIX:
		return suffix_eq(pa, na, pb, nb, (size_t)c->arg);
	case CMP_DIGITS_SUFFIX:
		return digits_suffix_eq(pa, na, pb, nb, (size_t)c->arg);
	case CMP_DATE_TRANSPOSED:
		return cmp_date_transposed(pa, na, pb, nb);
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

int
cmp_kind_from_name(const char *s)
{
	int i;

	for (i = 0; i < CMP_NKIND; i++)
		if (strcmp(kind_names[i], s) == 0)
			return i;
	return -1;
}

const char *
cmp_part_name(enum cmp_part p)
{
	return (int)p >= 0 && p < CMP_NPART ? part_names[p] : NULL;
}

int
cmp_part_from_name(const char *s)
{
	int i;

	for (i = 0; i < CMP_NPART; i++)
		if (strcmp(part_names[i], s) == 0)
			return i;
	return -1;
}
