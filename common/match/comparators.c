/*
 * comparators.c - string and value comparators; see comparators.h.  The
 * comparison levels built on them are in comparison_levels.c.
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

#include "core/util.h"
#include "match/comparators.h"

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

void
cmp_jaro_both(const char *a, size_t alen, const char *b, size_t blen,
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

	cmp_jaro_both(a, alen, b, blen, &j, &jw);
	return j;
}

double
cmp_jaro_winkler(const char *a, size_t alen, const char *b, size_t blen)
{
	double j, jw;

	cmp_jaro_both(a, alen, b, blen, &j, &jw);
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

#define TOK_MAX	32

/* The words of s (see cmp_tokens_in); their number. */
static int
words(const char *s, size_t n, const char **w, size_t *wl)
{
	size_t i = 0, st;
	int k = 0;
	unsigned char c;

	while (i < n && k < TOK_MAX) {
		while (i < n && (c = (unsigned char)s[i]) < 0x80 &&
		    !((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9')))
			i++;
		st = i;
		while (i < n && ((c = (unsigned char)s[i]) >= 0x80 ||
		    (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9')))
			i++;
		if (i > st) {
			w[k] = s + st;
			wl[k++] = i - st;
		}
	}
	return k;
}

int
cmp_tokens_in(const char *a, size_t alen, const char *b, size_t blen, int min)
{
	return cmp_tokens_in_eq(a, alen, b, blen, min, NULL, NULL);
}

int
cmp_tokens_in_eq(const char *a, size_t alen, const char *b, size_t blen,
    int min, int (*eq)(const void *, const char *, size_t, const char *,
    size_t),
    const void *arg)
{
	const char *wa[TOK_MAX], *wb[TOK_MAX], **ws, **wo;
	size_t la[TOK_MAX], lb[TOK_MAX], *ls, *lo;
	char used[TOK_MAX];
	int na, nb, ns, no, i, j;

	na = words(a, alen, wa, la);
	nb = words(b, blen, wb, lb);
	if (na <= nb) {
		ws = wa, ls = la, ns = na, wo = wb, lo = lb, no = nb;
	} else {
		ws = wb, ls = lb, ns = nb, wo = wa, lo = la, no = na;
	}
	if (ns < min || ns == 0)
		return 0;
	memset(used, 0, sizeof(used));
	/* Whole words first, so that an initial takes only what is left. */
	for (i = 0; i < ns; i++) {
		if (ls[i] == 1)
			continue;
		for (j = 0; j < no; j++)
			if (!used[j] && ((lo[j] == ls[i] &&
			    memcmp(wo[j], ws[i], ls[i]) == 0) || (eq != NULL &&
			    lo[j] > 1 && eq(arg, ws[i], ls[i], wo[j], lo[j]))))
				break;
		if (j == no)
			return 0;
		used[j] = 1;
	}
	for (i = 0; i < ns; i++) {
		if (ls[i] != 1)
			continue;
		for (j = 0; j < no; j++)
			if (!used[j] && wo[j][0] == ws[i][0])
				break;
		if (j == no)
			return 0;
		used[j] = 1;
	}
	return 1;
}

double
cmp_num_rel_diff(double x, double y)
{
	double ax = fabs(x), ay = fabs(y), d = ax > ay ? ax : ay;

	return d == 0 ? 0.0 : fabs(x - y) / d;
}

int
cmp_prefix_eq(const char *a, size_t alen, const char *b, size_t blen,
    size_t n)
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

int
cmp_suffix_eq(const char *a, size_t alen, const char *b, size_t blen,
    size_t n)
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
