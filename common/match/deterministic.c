/*
 * deterministic.c - deterministic links on shared identifiers, with the junk
 * and shared-value guard; see deterministic.h.
 */
#include <stdlib.h>
#include <string.h>

#include "core/date_typo.h"
#include "match/comparators.h"
#include "match/deterministic.h"

void
mdet_init(struct mdet *d, size_t nrec)
{
	size_t i;

	memset(d, 0, sizeof(*d));
	d->parent = xmalloc((nrec ? nrec : 1) * sizeof(*d->parent));
	for (i = 0; i < nrec; i++)
		d->parent[i] = (uint32_t)i;
}

void
mdet_release(struct mdet *d)
{
	free(d->pair);
	free(d->parent);
	free(d->prof);
	free(d->haveprof);
	memset(d, 0, sizeof(*d));
}

uint32_t
mdet_find(struct mdet *d, uint32_t r)
{
	uint32_t root = r, next;

	while (d->parent[root] != root)
		root = d->parent[root];
	while (d->parent[r] != root) {
		next = d->parent[r];
		d->parent[r] = root;
		r = next;
	}
	return root;
}

void
mdet_clear_junk(struct mdet *d, const struct mcfg *c, struct mset *ms)
{
	uint8_t *state;		/* per value id: 0 unknown, 1 ok, 2 junk */
	const char *s;
	size_t k, j, r, n;
	uint32_t v;
	int slot, seen;

	state = xmalloc(ms->nval);
	/*
	 * The identifiers, then the other fields a junk rule names (the
	 * titles given as a first name: "Sir", "Mme").
	 */
	for (k = 0; k < c->nident + c->njunk; k++) {
		if (k < c->nident)
			slot = c->ident[k].slot;
		else {
			slot = c->junk[k - c->nident].slot;
			seen = slot < 0;
			for (j = 0; j < c->nident && !seen; j++)
				seen = c->ident[j].slot == slot;
			for (j = 0; j < k - c->nident && !seen; j++)
				seen = c->junk[j].slot == slot;
			if (seen)
				continue;
		}
		memset(state, 0, ms->nval);
		for (r = 0; r < ms->n; r++) {
			if ((v = mset_get(ms, r, slot)) == 0)
				continue;
			if (state[v] == 0) {
				s = mset_str(ms, v, &n);
				state[v] = mcfg_is_junk(c, slot, s, n) ? 2 : 1;
				if (state[v] == 2)
					d->st.junk_values++;
			}
			if (state[v] == 2) {
				ms->val[r * (size_t)ms->nslot + (size_t)slot] = 0;
				d->st.junk_records++;
			}
		}
	}
	free(state);
}

/* Whether the letters of y's words begin with x's letters ("jf"). */
static int
initials(const char *x, size_t xn, const char *y, size_t yn)
{
	size_t i = 0, j = 0;

	if (xn < 2)
		return 0;
	while (j < yn) {
		if (i == xn || y[j] != x[i])
			return 0;
		i++;
		while (j < yn && y[j] != ' ')
			j++;
		while (j < yn && y[j] == ' ')
			j++;
	}
	return i == xn;
}

static int
names_compatible(const struct mcfg *c, const struct mset *ms, uint32_t x,
    uint32_t y)
{
	const char *a, *b, *t;
	size_t an, bn, tn;

	if (x == y || mset_is_alias(ms, x, y))
		return 1;
	a = mset_str(ms, x, &an);
	b = mset_str(ms, y, &bn);
	if (an > bn) {
		t = a, a = b, b = t;
		tn = an, an = bn, bn = tn;
	}
	/*
	 * An initial, the first word(s) of a compound name, or a short
	 * form that begins the name ("seb", "nico").
	 */
	if (memcmp(a, b, an) == 0 && (an == 1 || an >= 3 || b[an] == ' '))
		return 1;
	if (initials(a, an, b, bn))
		return 1;
	return cmp_jaro_winkler(a, an, b, bn) >= c->guard_jw;
}

static int
dates_compatible(const struct mset *ms, uint32_t x, uint32_t y)
{
	const char *a, *b;
	size_t an, bn;
	int32_t da, db;

	if (x == y)
		return 1;
	a = mset_str(ms, x, &an);
	b = mset_str(ms, y, &bn);
	da = date_typo_parse(a, an);
	db = date_typo_parse(b, bn);
	if (da != 0 && db != 0)
		return date_typo_fits(da, db);
	return cmp_damerau_osa(a, an, b, bn, 1) <= 1;
}

/* What a component of linked records says about its person. */
#define PF	4		/* first names kept */
#define PL	2		/* last names kept */
#define PD	2		/* birth dates kept */
#define PN	2		/* full names kept, of records without both parts */

struct mdet_prof {
	uint32_t first[PF], last[PL], birth[PD], full[PN];
	uint8_t	 nf, nl, nd, nn;
	uint8_t	 part;		/* a record lacks a first or a last name */
};

/* Whether c is a byte of a name's word (UTF-8 multibyte bytes are). */
static int
wordc(unsigned char c)
{
	return c >= 0x80 || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9');
}

/* The next word of s[*i..n) into w, wn; 0 at the end. */
static int
next_word(const char *s, size_t n, size_t *i, const char **w, size_t *wn)
{
	while (*i < n && !wordc((unsigned char)s[*i]))
		(*i)++;
	if (*i == n)
		return 0;
	*w = s + *i;
	while (*i < n && wordc((unsigned char)s[*i]))
		(*i)++;
	*wn = (size_t)(s + *i - *w);
	return 1;
}

/* Whether two words of names fit: equal, an initial, a beginning of three
 * letters or more, a first name and its diminutive (Cathy, Catherine), or
 * Jaro-Winkler >= guard-jw. */
static int
word_fits(const struct mcfg *c, const struct mset *ms, const char *a,
    size_t an, const char *b, size_t bn, int loose)
{
	const char *t;
	size_t tn;
	uint32_t x, y;

	if (an > bn) {
		t = a, a = b, b = t;
		tn = an, an = bn, bn = tn;
	}
	if (memcmp(a, b, an) == 0 && (an == 1 || an >= 3))
		return 1;
	if ((x = mset_lookup(ms, a, an)) != 0 &&
	    (y = mset_lookup(ms, b, bn)) != 0 && mset_is_alias(ms, x, y))
		return 1;
	return loose && cmp_jaro_winkler(a, an, b, bn) >= c->guard_jw;
}

/*
 * Whether a word of two or three letters is the initials of words that
 * follow one another in s[0..n): "jb" of "jean baptiste".
 */
static int
initials_of(const char *w, size_t wn, const char *s, size_t n)
{
	const char *v;
	size_t i, k, vn, start;

	if (wn < 2 || wn > 3)
		return 0;
	for (start = 0; next_word(s, n, &start, &v, &vn); ) {
		i = (size_t)(v - s);
		for (k = 0; k < wn && next_word(s, n, &i, &v, &vn); k++)
			if (v[0] != w[k])
				break;
		if (k == wn)
			return 1;
	}
	return 0;
}

/*
 * Full names, parsed into words ("MARTIN, Pierre"): one person when every
 * word of the shorter fits a word of the other, in any order.  Pierre and
 * Sophie Martin, who share a landline, are two.
 */
static int
full_compatible(const struct mcfg *c, const struct mset *ms, uint32_t x,
    uint32_t y)
{
	const char *a, *b, *w, *v, *t;
	size_t an, bn, wn, vn, i, j, k, l, na = 0, nb = 0, tn;
	uint64_t used = 0, done = 0;
	int fit, loose;

	if (x == y)
		return 1;
	a = mset_str(ms, x, &an);
	b = mset_str(ms, y, &bn);
	for (i = 0; next_word(a, an, &i, &w, &wn); )
		na++;
	for (i = 0; next_word(b, bn, &i, &w, &wn); )
		nb++;
	if (na > nb) {
		t = a, a = b, b = t;
		tn = an, an = bn, bn = tn;
	}
	/*
	 * Each word of the other fits one word only ("Romain Robin" is not
	 * "Josiane Robin" for Romain being close to Robin): the sure fits
	 * first, then the near ones on the words left.
	 */
	for (loose = 0; loose < 2; loose++)
		for (k = 0, i = 0; next_word(a, an, &i, &w, &wn); k++) {
			if (k < 64 && (done >> k & 1))
				continue;
			fit = 0;
			for (l = 0, j = 0; !fit && next_word(b, bn, &j, &v,
			    &vn); l++)
				if (l >= 64 || !(used >> l & 1))
					fit = word_fits(c, ms, w, wn, v, vn,
					    loose);
			if (fit && --l < 64)
				used |= (uint64_t)1 << l;
			if (!fit && loose)
				fit = initials_of(w, wn, b, bn);
			if (fit && k < 64)
				done |= (uint64_t)1 << k;
			else if (!fit && loose)
				return 0;
		}
	return 1;
}

static void
prof_add(uint32_t *set, uint8_t *n, int cap, uint32_t v)
{
	int i;

	if (v == 0)
		return;
	for (i = 0; i < *n; i++)
		if (set[i] == v)
			return;
	if (*n < cap)
		set[(*n)++] = v;
}

static void
prof_of(const struct mset *ms, uint32_t r, struct mdet_prof *p)
{
	memset(p, 0, sizeof(*p));
	prof_add(p->first, &p->nf, PF, mset_get(ms, r, MCFG_S_FIRST));
	prof_add(p->last, &p->nl, PL, mset_get(ms, r, MCFG_S_LAST));
	prof_add(p->birth, &p->nd, PD, mset_get(ms, r, MCFG_S_BIRTH));
	prof_add(p->full, &p->nn, PN, mset_get(ms, r, MCFG_S_FULL));
	p->part = mset_get(ms, r, MCFG_S_FIRST) == 0 ||
	    mset_get(ms, r, MCFG_S_LAST) == 0;
}

static void
prof_merge(struct mdet_prof *into, const struct mdet_prof *p)
{
	int i;

	for (i = 0; i < p->nf; i++)
		prof_add(into->first, &into->nf, PF, p->first[i]);
	for (i = 0; i < p->nl; i++)
		prof_add(into->last, &into->nl, PL, p->last[i]);
	for (i = 0; i < p->nd; i++)
		prof_add(into->birth, &into->nd, PD, p->birth[i]);
	for (i = 0; i < p->nn; i++)
		prof_add(into->full, &into->nn, PN, p->full[i]);
	into->part |= p->part;
}

/* Whether last name la of x and lb of y fit, possibly crossed. */
static int
last_fits(const struct mcfg *c, const struct mset *ms, uint32_t la,
    uint32_t lb, const struct mdet_prof *x, const struct mdet_prof *y)
{
	int i, j;

	if (names_compatible(c, ms, la, lb))
		return 1;
	for (i = 0; i < y->nf; i++)
		if (names_compatible(c, ms, la, y->first[i]))
			for (j = 0; j < x->nf; j++)
				if (names_compatible(c, ms, x->first[j], lb))
					return 1;
	return 0;
}

/* Whether first name fa of x and fb of y fit, possibly crossed. */
static int
first_fits(const struct mcfg *c, const struct mset *ms, uint32_t fa,
    uint32_t fb, const struct mdet_prof *x, const struct mdet_prof *y)
{
	int i, j;

	if (names_compatible(c, ms, fa, fb))
		return 1;
	/* First and last names swapped in one of the records. */
	for (i = 0; i < y->nl; i++)
		if (names_compatible(c, ms, fa, y->last[i]))
			for (j = 0; j < x->nl; j++)
				if (names_compatible(c, ms, x->last[j], fb))
					return 1;
	return 0;
}

static int
prof_compatible(const struct mcfg *c, const struct mset *ms,
    const struct mdet_prof *x, const struct mdet_prof *y, int names,
    int dates)
{
	int i, j;

	for (i = 0; names && i < x->nf; i++)
		for (j = 0; j < y->nf; j++)
			if (!first_fits(c, ms, x->first[i], y->first[j], x, y))
				return 0;
	for (i = 0; names && i < x->nl; i++)
		for (j = 0; j < y->nl; j++)
			if (!last_fits(c, ms, x->last[i], y->last[j], x, y))
				return 0;
	/*
	 * A record with only a full name (derived from both parts when
	 * absent): its words against the other's.
	 */
	for (i = 0; names && (x->part || y->part) && i < x->nn; i++)
		for (j = 0; j < y->nn; j++)
			if (!full_compatible(c, ms, x->full[i], y->full[j]))
				return 0;
	for (i = 0; dates && i < x->nd; i++)
		for (j = 0; j < y->nd; j++)
			if (!dates_compatible(ms, x->birth[i], y->birth[j]))
				return 0;
	return 1;
}

int
mdet_compatible(const struct mcfg *c, const struct mset *ms, uint32_t a,
    uint32_t b)
{
	struct mdet_prof x, y;

	prof_of(ms, a, &x);
	prof_of(ms, b, &y);
	return prof_compatible(c, ms, &x, &y, 1, 1);
}

/* A memoised test: kind 1 names, 2 dates. */
static int
memo_test(struct mdet_memo *mm, const struct mcfg *c, const struct mset *ms,
    int kind, uint32_t x, uint32_t y)
{
	uint64_t key;
	size_t h;
	int r;

	if (x == y)
		return 1;
	if (mm == NULL)
		return kind == 1 ? names_compatible(c, ms, x, y) :
		    dates_compatible(ms, x, y);
	key = (x < y ? (uint64_t)x << 32 | y : (uint64_t)y << 32 | x) * 4 +
	    (uint64_t)kind;
	h = (size_t)((key * 0x9e3779b97f4a7c15ULL) >> (64 - MDET_MEMO_BITS));
	if (mm->key[h] == key)
		return mm->val[h];
	r = kind == 1 ? names_compatible(c, ms, x, y) :
	    dates_compatible(ms, x, y);
	mm->key[h] = key;
	mm->val[h] = (uint8_t)r;
	return r;
}

/* Two dates equal or one slip apart (see mdet_conflict). */
static int
one_slip(const struct mset *ms, uint32_t x, uint32_t y)
{
	const char *a, *b;
	size_t an, bn;

	if (x == y)
		return 1;
	a = mset_str(ms, x, &an);
	b = mset_str(ms, y, &bn);
	return cmp_date_transposed(a, an, b, bn) ||
	    cmp_damerau_osa(a, an, b, bn, 1) <= 1;
}

/* Whether two first names (absent ones aside) begin with one letter. */
static int
same_initial(const struct mset *ms, uint32_t x, uint32_t y)
{
	const char *a, *b;
	size_t an, bn;

	if (x == 0 || y == 0)
		return 1;
	a = mset_str(ms, x, &an);
	b = mset_str(ms, y, &bn);
	return an > 0 && bn > 0 && a[0] == b[0];
}

int
mdet_conflict(struct mdet_memo *mm, const struct mcfg *c,
    const struct mset *ms, uint32_t a, uint32_t b)
{
	uint32_t fa, fb, la, lb, da, db;

	if (c->veto_birth) {
		da = mset_get(ms, a, MCFG_S_BIRTH);
		db = mset_get(ms, b, MCFG_S_BIRTH);
		if (da && db && !memo_test(mm, c, ms, 2, da, db))
			return 1;
	}
	if (!c->veto_first)
		return 0;
	fa = mset_get(ms, a, MCFG_S_FIRST);
	fb = mset_get(ms, b, MCFG_S_FIRST);
	/*
	 * The same birth date, or one slip from it (a character changed,
	 * two swapped, day and month exchanged): a first name miskeyed or
	 * replaced by a nickname or a title, not a sibling (twins aside);
	 * the model weighs it.  Not the merge's wider typo test (two parts
	 * off): in a block of one birth year it would let most pairs by.
	 * A date one slip off stands aside only for first names of one
	 * initial: a miskeyed name keeps its first letter, while Pauline
	 * and Loic of one household, born a digit apart, are two people.
	 */
	da = mset_get(ms, a, MCFG_S_BIRTH);
	db = mset_get(ms, b, MCFG_S_BIRTH);
	if (da != 0 && db != 0 && (da == db || (one_slip(ms, da, db) &&
	    same_initial(ms, fa, fb))))
		return 0;
	/* Only a full name ("MARTIN, Pierre"): its words must fit. */
	if (fa == 0 || fb == 0) {
		la = mset_get(ms, a, MCFG_S_FULL);
		lb = mset_get(ms, b, MCFG_S_FULL);
		return la && lb && !full_compatible(c, ms, la, lb);
	}
	if (memo_test(mm, c, ms, 1, fa, fb))
		return 0;
	/* First and last names swapped in one of the records. */
	la = mset_get(ms, a, MCFG_S_LAST);
	lb = mset_get(ms, b, MCFG_S_LAST);
	return !(la && lb && memo_test(mm, c, ms, 1, fa, lb) &&
	    memo_test(mm, c, ms, 1, la, fb));
}

void
mdet_aliases(const struct mcfg *c, struct mset *ms)
{
	size_t i, j, start;
	uint32_t *ids;

	ids = xmalloc((c->nalias + 1) * sizeof(*ids));
	for (i = 0; i < c->nalias; i++)
		ids[i] = c->alias[i] ? mset_intern(ms, c->alias[i],
		    strlen(c->alias[i])) : 0;
	for (start = 0; start < c->nalias; start = i + 1) {
		for (i = start; i < c->nalias && c->alias[i] != NULL; i++)
			for (j = start; j < i; j++)
				mset_alias_add(ms, ids[j], ids[i]);
	}
	free(ids);
}

static struct mdet_prof *
prof(struct mdet *d, const struct mset *ms, uint32_t root)
{
	if (!d->haveprof[root]) {
		prof_of(ms, root, &d->prof[root]);
		d->haveprof[root] = 1;
	}
	return &d->prof[root];
}

/*
 * Whether the holders h[0..n) of one value make it shared: their
 * components, grouped greedily into people by their profiles, are more
 * than max-people, or they carry more than max-names first names.
 */
static int
shared(struct mdet *d, const struct mcfg *c, const struct mcfg_ident *id,
    const struct mset *ms, const uint64_t *h, size_t n)
{
	struct mdet_prof people[64];
	uint32_t names[64], r, f, root, roots[64];
	size_t i, j, npeople = 0, nnames = 0, nroots = 0;
	int maxp = id->max_people < 63 ? id->max_people : 63;
	int maxn = id->max_names < 63 ? id->max_names : 63;

	for (i = 0; i < n; i++) {
		r = (uint32_t)h[i];
		if ((f = mset_get(ms, r, MCFG_S_FIRST)) != 0) {
			for (j = 0; j < nnames && names[j] != f; j++)
				;
			if (j == nnames) {
				if ((int)nnames == maxn)
					return 1;
				names[nnames++] = f;
			}
		}
		root = mdet_find(d, r);
		for (j = 0; j < nroots && roots[j] != root; j++)
			;
		if (j < nroots)
			continue;
		if (nroots < 64)
			roots[nroots++] = root;
		for (j = 0; j < npeople; j++)
			if (prof_compatible(c, ms, &people[j],
			    prof(d, ms, root), 1, 1)) {
				prof_merge(&people[j], prof(d, ms, root));
				break;
			}
		if (j == npeople) {
			if ((int)npeople == maxp)
				return 1;
			people[npeople++] = *prof(d, ms, root);
		}
	}
	return 0;
}

static void
add_pair(struct mdet *d, uint32_t a, uint32_t b, uint32_t ident)
{
	if (d->npair == d->cap) {
		d->cap = d->cap ? 2 * d->cap : 1024;
		d->pair = xrealloc(d->pair, d->cap * sizeof(*d->pair));
	}
	d->pair[d->npair].a = a;
	d->pair[d->npair].b = b;
	d->pair[d->npair++].ident = ident;
}

/* Join the components of a and b, their profiles merged. */
static void
link_comp(struct mdet *d, const struct mset *ms, uint32_t a, uint32_t b)
{
	uint32_t ra = mdet_find(d, a), rb = mdet_find(d, b), lo, hi;

	if (ra == rb)
		return;
	lo = ra < rb ? ra : rb;
	hi = ra < rb ? rb : ra;
	prof_merge(prof(d, ms, lo), prof(d, ms, hi));
	d->parent[hi] = lo;
}

void
mdet_links(struct mdet *d, const struct mcfg *c, const struct mset *ms,
    int only_new)
{
	uint64_t *h;
	size_t k, r, n, i, j;
	uint32_t v, first, x;
	int slot;

	h = xmalloc((ms->n ? ms->n : 1) * sizeof(*h));
	d->prof = xmalloc((ms->n ? ms->n : 1) * sizeof(*d->prof));
	d->haveprof = xcalloc(ms->n ? ms->n : 1, 1);
	/* Identifiers in configuration order, the most specific first. */
	for (k = 0; k < c->nident; k++) {
		slot = c->ident[k].slot;
		/* (value, record) sorted: groups by value, holders in order. */
		for (n = 0, r = 0; r < ms->n; r++)
			if ((v = mset_get(ms, r, slot)) != 0)
				h[n++] = (uint64_t)v << 32 | r;
		mset_radix_sort(h, n, sizeof(*h));
		for (i = 0; i < n; i = j) {
			v = (uint32_t)(h[i] >> 32);
			for (j = i; j < n && h[j] >> 32 == v; j++)
				h[j] &= 0xffffffffu;	/* the record alone */
			if (j - i < 2)
				continue;
			if (shared(d, c, &c->ident[k], ms, h + i, j - i)) {
				d->st.shared_values++;
				continue;
			}
			d->st.linking_values++;
			first = (uint32_t)h[i];
			for (r = i + 1; r < j; r++) {
				x = (uint32_t)h[r];
				link_comp(d, ms, first, x);
				if (!only_new || (ms->flag[first] & MSET_NEW) ||
				    (ms->flag[x] & MSET_NEW))
					add_pair(d, first, x, (uint32_t)k);
			}
		}
	}
	free(h);
	/* The profiles stay: mdet_bridge reads them. */
}

/* Whether record r carries a name of any kind. */
static int
has_name(const struct mset *ms, uint32_t r)
{
	return mset_get(ms, r, MCFG_S_FIRST) != 0 ||
	    mset_get(ms, r, MCFG_S_LAST) != 0 ||
	    mset_get(ms, r, MCFG_S_FULL) != 0;
}

int
mdet_bridge(struct mdet *d, const struct mcfg *c, const struct mset *ms,
    uint32_t a, uint32_t b)
{
	uint32_t ra, rb;

	if (!c->veto_first || d->prof == NULL)
		return 0;
	if (has_name(ms, a) && has_name(ms, b))
		return 0;
	ra = mdet_find(d, a);
	rb = mdet_find(d, b);
	if (ra == rb)
		return 0;
	return !prof_compatible(c, ms, prof(d, ms, ra), prof(d, ms, rb), 1, 0);
}
