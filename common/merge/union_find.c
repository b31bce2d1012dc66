/*
 * union_find.c - union-find with cluster guards; see union_find.h.
 *
 * A root's aggregate is only allocated when it is first needed (a join,
 * or a never-link pair): most records of a large run stay singletons,
 * and a singleton's aggregate is its own signature and birth date.  The
 * code below reads either kind through struct view.
 */
#include <stdlib.h>
#include <string.h>

#include "core/date_typo.h"
#include "core/hash.h"
#include "core/util.h"
#include "merge/union_find.h"

struct uf_set {
	uint64_t *sig;		/* distinct contact signatures, sorted */
	uint32_t nsig, capsig;
	int32_t	 *bd;		/* distinct birth dates, sorted */
	uint32_t nbd, capbd;
	uint32_t *nev;		/* indices into uf->never with an end here */
	uint32_t nnev, capnev;
	struct uf_name *nm;	/* distinct names; UF_MAXNAMES + 1: more */
	uint32_t nnm, capnm;
};

/* A root's aggregate, allocated or derived from its own values. */
struct view {
	const uint64_t *sig;
	uint32_t nsig;
	const int32_t *bd;
	uint32_t nbd;
	const uint32_t *nev;
	uint32_t nnev;
	const struct uf_name *nm;
	uint32_t nnm;
};

void
uf_init(struct uf *u, uint32_t n)
{
	uint32_t i;

	memset(u, 0, sizeof(*u));
	u->n = n;
	u->parent = xmalloc((n ? n : 1) * sizeof(*u->parent));
	u->size = xmalloc((n ? n : 1) * sizeof(*u->size));
	u->sig = xcalloc(n, sizeof(*u->sig));
	u->bdate = xcalloc(n, sizeof(*u->bdate));
	u->set = xcalloc(n, sizeof(*u->set));
	for (i = 0; i < n; i++) {
		u->parent[i] = i;
		u->size[i] = 1;
	}
}

static void
set_free(struct uf_set *s)
{
	if (s == NULL)
		return;
	free(s->sig);
	free(s->bd);
	free(s->nev);
	free(s->nm);
	free(s);
}

void
uf_release(struct uf *u)
{
	uint32_t i;

	for (i = 0; i < u->n; i++)
		set_free(u->set[i]);
	free(u->set);
	free(u->parent);
	free(u->size);
	free(u->sig);
	free(u->bdate);
	free(u->name);
	free(u->never);
	memset(u, 0, sizeof(*u));
}

uint32_t
uf_find(struct uf *u, uint32_t x)
{
	/* Path halving: every other node points to its grandparent. */
	while (u->parent[x] != x) {
		u->parent[x] = u->parent[u->parent[x]];
		x = u->parent[x];
	}
	return x;
}

void
uf_set_sig(struct uf *u, uint32_t x, uint64_t sig)
{
	u->sig[x] = sig;
}

void
uf_set_bdate(struct uf *u, uint32_t x, int32_t d)
{
	u->bdate[x] = d;
}

static int
uf_nameless(const struct uf_name *n)
{
	return n->first == 0 && n->last == 0 && n->full == 0;
}

void
uf_name_guard(struct uf *u)
{
	if (u->name == NULL)
		u->name = xcalloc(u->n ? u->n : 1, sizeof(*u->name));
}

void
uf_set_name(struct uf *u, uint32_t x, const struct uf_name *n)
{
	if (u->name != NULL)
		u->name[x] = *n;
}

/* A name key's hash, never 0; 0 for none. */
static uint32_t
name_hash(const char *s, size_t n)
{
	uint64_t h;
	uint32_t v;

	if (s == NULL || n == 0)
		return 0;
	h = hash_fnv(HASH_FNV0, s, n);
	v = (uint32_t)(h ^ (h >> 32));
	return v ? v : 1;
}

void
uf_name_of(struct uf_name *nm, const char *first, size_t nfirst,
    const char *last, size_t nlast, const char *full, size_t nfull)
{
	memset(nm, 0, sizeof(*nm));
	nm->first = name_hash(first, nfirst);
	nm->last = name_hash(last, nlast);
	nm->last4 = name_hash(last, nlast < 4 ? nlast : 4);
	nm->full = name_hash(full, nfull);
	if (nm->first != 0) {
		nm->initial = (uint8_t)first[0];
		nm->first1 = nfirst == 1;
	}
}

int
uf_name_fits(const struct uf_name *p, const struct uf_name *q)
{
	int both = 0;

	if (p->first != 0 && q->first != 0) {
		both = 1;
		if (p->first != q->first && !((p->first1 || q->first1) &&
		    p->initial == q->initial))
			return 0;
	}
	if (p->last != 0 && q->last != 0) {
		both = 1;
		if (p->last != q->last && p->last4 != q->last4)
			return 0;
	}
	/* full_name decides only when the parts said nothing. */
	if (!both && p->full != 0 && q->full != 0 && p->full != q->full)
		return 0;
	return 1;
}

static void
view_of(struct uf *u, uint32_t r, struct view *v)
{
	struct uf_set *s = u->set[r];

	if (s != NULL) {
		v->sig = s->sig;
		v->nsig = s->nsig;
		v->bd = s->bd;
		v->nbd = s->nbd;
		v->nev = s->nev;
		v->nnev = s->nnev;
		v->nm = s->nm;
		v->nnm = s->nnm;
		return;
	}
	v->sig = &u->sig[r];
	v->nsig = u->sig[r] != 0;
	v->bd = &u->bdate[r];
	v->nbd = u->bdate[r] != 0;
	v->nev = NULL;
	v->nnev = 0;
	v->nm = u->name != NULL ? &u->name[r] : NULL;
	v->nnm = u->name != NULL && uf_nameless(&u->name[r]) == 0;
}

/* The root's aggregate, allocated from its own values when needed. */
static struct uf_set *
materialise(struct uf *u, uint32_t r)
{
	struct uf_set *s;

	if (u->set[r] != NULL)
		return u->set[r];
	s = xcalloc(1, sizeof(*s));
	if (u->sig[r] != 0 && u->max_contacts > 0) {
		s->sig = xmalloc(sizeof(*s->sig));
		s->sig[0] = u->sig[r];
		s->nsig = s->capsig = 1;
	}
	if (u->bdate[r] != 0 && u->bd_mode != UF_BD_OFF) {
		s->bd = xmalloc(sizeof(*s->bd));
		s->bd[0] = u->bdate[r];
		s->nbd = s->capbd = 1;
	}
	if (u->name != NULL && !uf_nameless(&u->name[r])) {
		s->nm = xmalloc(sizeof(*s->nm));
		s->nm[0] = u->name[r];
		s->nnm = s->capnm = 1;
	}
	u->set[r] = s;
	return s;
}

static void
add_nev(struct uf_set *s, uint32_t e)
{
	if (s->nnev == s->capnev) {
		s->capnev = s->capnev ? 2 * s->capnev : 4;
		s->nev = xrealloc(s->nev, s->capnev * sizeof(*s->nev));
	}
	s->nev[s->nnev++] = e;
}

void
uf_add_never(struct uf *u, uint32_t a, uint32_t b)
{
	uint32_t e, ra, rb;

	if (u->nnever == u->capnever) {
		u->capnever = u->capnever ? 2 * u->capnever : 16;
		u->never = xrealloc(u->never, u->capnever * sizeof(*u->never));
	}
	e = (uint32_t)u->nnever++;
	u->never[e][0] = a;
	u->never[e][1] = b;
	ra = uf_find(u, a);
	rb = uf_find(u, b);
	add_nev(materialise(u, ra), e);
	if (rb != ra)
		add_nev(materialise(u, rb), e);
}

/* Distinct values in the union of two sorted arrays, counting to cap. */
static uint32_t
union_count(const uint64_t *a, uint32_t na, const uint64_t *b, uint32_t nb,
    uint32_t cap)
{
	uint32_t i = 0, j = 0, n = 0;

	while ((i < na || j < nb) && n < cap) {
		if (j == nb || (i < na && a[i] < b[j]))
			i++;
		else if (i == na || b[j] < a[i])
			j++;
		else {
			i++;
			j++;
		}
		n++;
	}
	return n;
}

int
uf_date_conflict(int mode, int32_t a, int32_t b)
{
	if (mode == UF_BD_OFF || a == b || a == 0 || b == 0)
		return 0;
	if (mode == UF_BD_STRICT)
		return 1;
	return !date_typo_fits(a, b);
}

int
uf_check(struct uf *u, uint32_t rx, uint32_t ry, struct uf_why *why)
{
	struct uf_why dummy;
	struct view x, y;
	uint32_t i, j, e, other, n;

	if (why == NULL)
		why = &dummy;
	memset(why, 0, sizeof(*why));
	view_of(u, rx, &x);
	view_of(u, ry, &y);
	/* Scan the shorter never list; each entry has an end in its root. */
	if (x.nnev > y.nnev) {
		struct view t = x;

		x = y;
		y = t;
		e = rx;
		rx = ry;
		ry = e;
	}
	for (i = 0; i < x.nnev; i++) {
		e = x.nev[i];
		other = uf_find(u, u->never[e][0]) == rx ? u->never[e][1] :
		    u->never[e][0];
		if (uf_find(u, other) == ry) {
			why->reason = UF_NEVER;
			why->u = u->never[e][0];
			why->v = u->never[e][1];
			return UF_NEVER;
		}
	}
	if (u->bd_mode != UF_BD_OFF)
		for (i = 0; i < x.nbd; i++)
			for (j = 0; j < y.nbd; j++)
				if (uf_date_conflict(u->bd_mode, x.bd[i],
				    y.bd[j])) {
					why->reason = UF_BIRTH;
					why->d1 = x.bd[i] < y.bd[j] ? x.bd[i] :
					    y.bd[j];
					why->d2 = x.bd[i] < y.bd[j] ? y.bd[j] :
					    x.bd[i];
					return UF_BIRTH;
				}
	if (u->max_contacts > 0) {
		n = union_count(x.sig, x.nsig, y.sig, y.nsig,
		    u->max_contacts + 1);
		if (n > u->max_contacts) {
			why->reason = UF_SIZE;
			why->contacts = n;
			return UF_SIZE;
		}
	}
	return UF_OK;
}

/* Whether no name of x fits a name of y (both known, neither too many). */
static int
names_conflict(const struct view *x, const struct view *y)
{
	uint32_t i, j;

	if (x->nnm == 0 || y->nnm == 0 || x->nnm > UF_MAXNAMES ||
	    y->nnm > UF_MAXNAMES)
		return 0;
	for (i = 0; i < x->nnm; i++)
		for (j = 0; j < y->nnm; j++)
			if (uf_name_fits(&x->nm[i], &y->nm[j]))
				return 0;
	return 1;
}

int
uf_check_link(struct uf *u, uint32_t rx, uint32_t ry, uint32_t a, uint32_t b,
    struct uf_why *why)
{
	struct uf_why dummy;
	struct view x, y;
	int r;

	if (why == NULL)
		why = &dummy;
	if ((r = uf_check(u, rx, ry, why)) != UF_OK || u->name == NULL)
		return r;
	if (!uf_nameless(&u->name[a]) && !uf_nameless(&u->name[b]))
		return UF_OK;
	view_of(u, rx, &x);
	view_of(u, ry, &y);
	if (names_conflict(&x, &y)) {
		why->reason = UF_NAME;
		why->u = a;
		why->v = b;
		return UF_NAME;
	}
	return UF_OK;
}

/* Add the names of b to *a, distinct, past UF_MAXNAMES only counted. */
static void
merge_names(struct uf_set *s, const struct uf_name *b, uint32_t nb)
{
	uint32_t i, j;

	if (s->nnm > UF_MAXNAMES)
		return;
	if (nb > UF_MAXNAMES) {
		s->nnm = UF_MAXNAMES + 1;
		return;
	}
	for (j = 0; j < nb; j++) {
		for (i = 0; i < s->nnm; i++)
			if (s->nm[i].first == b[j].first &&
			    s->nm[i].last == b[j].last &&
			    s->nm[i].last4 == b[j].last4 &&
			    s->nm[i].full == b[j].full &&
			    s->nm[i].first1 == b[j].first1)
				break;
		if (i < s->nnm)
			continue;
		if (s->nnm == UF_MAXNAMES) {
			s->nnm = UF_MAXNAMES + 1;
			return;
		}
		if (s->nnm == s->capnm) {
			s->capnm = s->capnm ? 2 * s->capnm : 4;
			s->nm = xrealloc(s->nm, s->capnm * sizeof(*s->nm));
		}
		s->nm[s->nnm++] = b[j];
	}
}

/* Merge sorted distinct b into sorted distinct *a, keeping at most cap. */
static void
merge_sig(uint64_t **a, uint32_t *na, uint32_t *capa, const uint64_t *b,
    uint32_t nb, uint32_t cap)
{
	uint64_t *out;
	uint32_t i = 0, j = 0, n = 0, room;

	if (nb == 0)
		return;
	room = *na + nb < cap ? *na + nb : cap;
	out = xmalloc((room ? room : 1) * sizeof(*out));
	while ((i < *na || j < nb) && n < room) {
		if (j == nb || (i < *na && (*a)[i] < b[j]))
			out[n++] = (*a)[i++];
		else if (i == *na || b[j] < (*a)[i])
			out[n++] = b[j++];
		else {
			out[n++] = (*a)[i++];
			j++;
		}
	}
	free(*a);
	*a = out;
	*na = n;
	*capa = room;
}

static void
merge_bd(int32_t **a, uint32_t *na, uint32_t *capa, const int32_t *b,
    uint32_t nb)
{
	int32_t *out;
	uint32_t i = 0, j = 0, n = 0;

	if (nb == 0)
		return;
	out = xmalloc((*na + nb) * sizeof(*out));
	while (i < *na || j < nb) {
		if (j == nb || (i < *na && (*a)[i] < b[j]))
			out[n++] = (*a)[i++];
		else if (i == *na || b[j] < (*a)[i])
			out[n++] = b[j++];
		else {
			out[n++] = (*a)[i++];
			j++;
		}
	}
	free(*a);
	*a = out;
	*na = n;
	*capa = *na;
}

uint32_t
uf_join(struct uf *u, uint32_t rx, uint32_t ry)
{
	struct uf_set *s;
	struct view y;
	uint32_t t, i;

	if (rx == ry)
		return rx;
	if (u->size[rx] < u->size[ry] || (u->size[rx] == u->size[ry] &&
	    ry < rx)) {
		t = rx;
		rx = ry;
		ry = t;
	}
	/* ry goes under rx.  Nothing to aggregate when no guard is on. */
	if (u->max_contacts > 0 || u->bd_mode != UF_BD_OFF ||
	    u->name != NULL || u->set[rx] != NULL || u->set[ry] != NULL) {
		view_of(u, ry, &y);
		s = materialise(u, rx);
		if (u->max_contacts > 0)
			merge_sig(&s->sig, &s->nsig, &s->capsig, y.sig, y.nsig,
			    u->max_contacts + 1);
		if (u->bd_mode != UF_BD_OFF)
			merge_bd(&s->bd, &s->nbd, &s->capbd, y.bd, y.nbd);
		for (i = 0; i < y.nnev; i++)
			add_nev(s, y.nev[i]);
		if (u->name != NULL)
			merge_names(s, y.nm, y.nnm);
		set_free(u->set[ry]);
		u->set[ry] = NULL;
	}
	u->parent[ry] = rx;
	u->size[rx] += u->size[ry];
	return rx;
}

uint32_t
uf_contacts(struct uf *u, uint32_t r)
{
	struct view v;

	view_of(u, r, &v);
	return v.nsig;
}

int32_t
uf_date(const char *s, size_t n)
{
	int y, m, d;
	size_t i;

	if (n < 10 || s[4] != '-' || s[7] != '-')
		return 0;
	for (i = 0; i < 10; i++)
		if (i != 4 && i != 7 && (s[i] < '0' || s[i] > '9'))
			return 0;
	y = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 +
	    (s[3] - '0');
	m = (s[5] - '0') * 10 + (s[6] - '0');
	d = (s[8] - '0') * 10 + (s[9] - '0');
	if (y == 0 || m < 1 || m > 12 || d < 1 || d > 31)
		return 0;
	return y * 10000 + m * 100 + d;
}
