/*
 * pair_score.c - comparison vectors, weights and evidence of record pairs;
 * see pair_score.h.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "match/pair_score.h"

/*
 * A direct-mapped cache of levels: slot (va, vb) hashed; a miss
 * recomputes and overwrites.  Values are interned, so the key is exact.
 */
#define CACHE_BITS	12	/* small enough to stay in the CPU caches */

struct msc_cache {
	struct {
		uint64_t key;	/* (min << 32 | max) + 1; 0 empty */
		int64_t	 lev;
	} e[1 << CACHE_BITS];
};

void
msc_init(struct msc *s, const struct mcfg *c, const struct mset *ms)
{
	const char *names[CMP_MAXLEVEL];
	const struct cmp_field *f;
	size_t k;
	int l, i;

	memset(s, 0, sizeof(*s));
	s->cfg = c;
	s->ms = ms;
	s->K = c->ncmp;
	fs_model_init(&s->fm, s->K);
	s->tfcount = xcalloc(s->K + 1, sizeof(*s->tfcount));
	s->tfden = xcalloc(s->K + 1, sizeof(*s->tfden));
	s->cache = xcalloc(s->K + 1, sizeof(*s->cache));
	s->exact0 = xcalloc(s->K + 1, sizeof(*s->exact0));
	s->full = s->first = s->last = s->full_words = -1;
	s->threads = 1;
	for (k = 0; k < s->K; k++) {
		f = &c->cmp[k].f;
		for (l = 0; l < f->nlevels; l++)
			names[l] = f->level[l].name;
		/* Names are bounded by CMP_NAMELEN < FS_NAMELEN: cannot fail. */
		fs_field_set(&s->fm, k, f->name, f->nlevels, names);
		if (c->cmp[k].tf)
			s->fm.field[k].tf_level = 0;
		for (i = 0; i < f->level[0].ncond; i++)
			if (f->level[0].cond[i].kind == CMP_EXACT &&
			    f->level[0].cond[i].part == CMP_PART_ALL)
				s->exact0[k] = 1;
		if (c->cmp[k].slot == MCFG_S_FULL) {
			s->full = (int)k;
			for (l = 0; l < f->nlevels; l++)
				for (i = 0; i < f->level[l].ncond; i++)
					if (f->level[l].cond[i].kind ==
					    CMP_TOKENS && s->full_words == -1)
						s->full_words = l;
		}
		else if (c->cmp[k].slot == MCFG_S_FIRST)
			s->first = (int)k;
		else if (c->cmp[k].slot == MCFG_S_LAST)
			s->last = (int)k;
	}
	/* full_name is then compared only when first or last is missing. */
	if (s->first == -1 || s->last == -1)
		s->full = -1;
}

void
msc_copy(struct msc *dst, const struct msc *src)
{
	*dst = *src;
	dst->cache = xcalloc(src->K + 1, sizeof(*dst->cache));
	dst->copy = 1;
	dst->ncompared = 0;
}

int
msc_threads(const struct msc *s)
{
	return s->tf_fetch != NULL || s->threads < 1 ? 1 : s->threads;
}

void
msc_release(struct msc *s)
{
	size_t k;

	if (s->copy) {
		free(s->cache);
		memset(s, 0, sizeof(*s));
		return;
	}
	for (k = 0; k < s->K; k++)
		free(s->tfcount[k]);
	free(s->tfcount);
	free(s->tfden);
	free(s->cache);
	free(s->exact0);
	fs_model_release(&s->fm);
	memset(s, 0, sizeof(*s));
}

void
msc_count_tf(struct msc *s)
{
	const struct mset *ms = s->ms;
	size_t k, r;
	uint32_t v;
	int slot;

	for (k = 0; k < s->K; k++) {
		if (!s->cfg->cmp[k].tf)
			continue;
		free(s->tfcount[k]);
		s->tfcount[k] = xcalloc(ms->nval, sizeof(uint32_t));
		s->tfden[k] = 0;
		slot = s->cfg->cmp[k].slot;
		for (r = 0; r < ms->n; r++)
			if ((ms->flag[r] & MSET_FS) &&
			    (v = mset_get(ms, r, slot)) != 0) {
				s->tfcount[k][v]++;
				s->tfden[k]++;
			}
	}
}

/* A count not fetched yet. */
#define TF_UNKNOWN	UINT32_MAX

void
msc_fetch_tf(struct msc *s, const double *den,
    uint32_t (*fetch)(void *, size_t, const char *, size_t), void *arg)
{
	size_t k;

	for (k = 0; k < s->K; k++) {
		if (!s->cfg->cmp[k].tf)
			continue;
		free(s->tfcount[k]);
		s->tfcount[k] = xmalloc((s->ms->nval ? s->ms->nval : 1) *
		    sizeof(uint32_t));
		memset(s->tfcount[k], 0xff, s->ms->nval * sizeof(uint32_t));
		s->tfden[k] = den[k];
	}
	s->tf_fetch = fetch;
	s->tf_arg = arg;
}

int
msc_model_fits(const struct msc *s, const struct fs_model *fm)
{
	const struct cmp_field *f;
	size_t k;
	int l;

	if (fm->nfields != s->K)
		return 0;
	for (k = 0; k < s->K; k++) {
		f = &s->cfg->cmp[k].f;
		if (strcmp(fm->field[k].name, f->name) != 0 ||
		    fm->field[k].nlevels != f->nlevels ||
		    fm->field[k].tf_level != (s->cfg->cmp[k].tf ? 0 : -1))
			return 0;
		for (l = 0; l < f->nlevels; l++)
			if (strcmp(fm->field[k].level_name[l],
			    f->level[l].name) != 0)
				return 0;
	}
	return 1;
}

/* Whether two words are a first name and its diminutive (tokens_eq). */
static int
alias_words(const void *arg, const char *a, size_t an, const char *b,
    size_t bn)
{
	const struct mset *ms = arg;
	uint32_t x, y;

	return (x = mset_lookup(ms, a, an)) != 0 &&
	    (y = mset_lookup(ms, b, bn)) != 0 && mset_is_alias(ms, x, y);
}

static int
level(struct msc *s, size_t k, uint32_t va, uint32_t vb)
{
	struct msc_cache *c = &s->cache[k];
	const char *a, *b;
	size_t an, bn, h;
	uint64_t key;
	int l;

	if (va == 0 || vb == 0)
		return -1;
	if (va == vb && s->exact0[k])
		return 0;
	/* A first name and its diminutive are one name. */
	if (s->cfg->cmp[k].slot == MCFG_S_FIRST && mset_is_alias(s->ms, va, vb))
		return 0;
	key = va < vb ? (uint64_t)va << 32 | vb : (uint64_t)vb << 32 | va;
	key++;
	h = (size_t)((key * 0x9e3779b97f4a7c15ULL) >> (64 - CACHE_BITS));
	if (c->e[h].key == key)
		return (int)c->e[h].lev;
	a = mset_str(s->ms, va, &an);
	b = mset_str(s->ms, vb, &bn);
	l = cmp_level(&s->cfg->cmp[k].f, a, an, b, bn);
	/*
	 * "Cathy Lemaire" is "Catherine Lemaire" as the first names Cathy
	 * and Catherine are one: the nicknames hold in full names too.
	 */
	if ((int)k == s->full && s->full_words >= 0 && l > s->full_words &&
	    cmp_tokens_in_eq(a, an, b, bn, 2, alias_words, s->ms))
		l = s->full_words;
	c->e[h].key = key;
	c->e[h].lev = l;
	return l;
}

int
msc_vector(struct msc *s, uint32_t a, uint32_t b, int8_t *lev,
    uint32_t *va, uint32_t *vb)
{
	const struct mcfg *c = s->cfg;
	const struct mset *ms = s->ms;
	size_t k;
	int x, y, cx, cy, crossed = 0;
	uint32_t fa, fb, la, lb;

	s->ncompared++;
	for (k = 0; k < s->K; k++) {
		va[k] = mset_get(ms, a, c->cmp[k].slot);
		vb[k] = mset_get(ms, b, c->cmp[k].slot);
		lev[k] = (int8_t)level(s, k, va[k], vb[k]);
	}
	if (c->cross[0] >= 0) {
		x = c->cross[0];
		y = c->cross[1];
		fa = va[x], fb = vb[x], la = va[y], lb = vb[y];
		if (fa && fb && la && lb && (lev[x] != 0 || lev[y] != 0)) {
			cx = level(s, (size_t)x, fa, lb);
			cy = level(s, (size_t)y, la, fb);
			if (cx + cy < lev[x] + lev[y]) {
				lev[x] = (int8_t)cx;
				lev[y] = (int8_t)cy;
				vb[x] = lb;
				vb[y] = fb;
				crossed = 1;
			}
		}
	}
	if (s->full >= 0 && !s->keep_full && va[s->first] && va[s->last] &&
	    vb[s->first] && vb[s->last])
		lev[s->full] = -1;
	/*
	 * A full name that is only its record's first or last name says
	 * nothing the name parts did not: weighed twice, "frederick" and
	 * "frederick" would count as two rare full names agreeing.
	 */
	if (s->full >= 0 && lev[s->full] >= 0 && (va[s->full] ==
	    va[s->first] || va[s->full] == va[s->last] || vb[s->full] ==
	    vb[s->first] || vb[s->full] == vb[s->last]))
		lev[s->full] = -1;
	/*
	 * Dependent fields: a postal code agreeing on two different streets
	 * is two neighbours, not one person (needs); a city agreeing with
	 * the postal code says nothing more (implied).
	 */
	for (k = 0; k < s->K; k++)
		if (c->needs[k] >= 0 && lev[k] >= 0 && lev[c->needs[k]] ==
		    c->cmp[c->needs[k]].f.nlevels - 1)
			lev[k] = (int8_t)(c->cmp[k].f.nlevels - 1);
	for (k = 0; k < s->K; k++)
		if (c->implied[k] >= 0 && lev[c->implied[k]] == 0)
			lev[k] = -1;
	return crossed;
}

/* Relative frequency of value v in comparison k, 0 when unknown. */
static double
tf_of(const struct msc *s, size_t k, uint32_t v)
{
	const char *str;
	size_t n;

	if (k >= s->K || s->tfcount[k] == NULL || s->tfden[k] <= 0)
		return 0;
	/* A cache: the counts are not part of what s is to the caller. */
	if (s->tf_fetch != NULL && s->tfcount[k][v] == TF_UNKNOWN) {
		str = mset_str(s->ms, v, &n);
		s->tfcount[k][v] = v == 0 ? 0 :
		    s->tf_fetch(s->tf_arg, k, str, n);
	}
	return s->tfcount[k][v] / s->tfden[k];
}

double
msc_weight(const struct msc *s, const int8_t *lev, const uint32_t *va,
    double *fw)
{
	const struct fs_field *f;
	double w = 0, x, tf;
	size_t k;

	for (k = 0; k < s->K; k++) {
		f = &s->fm.field[k];
		tf = lev[k] >= 0 && lev[k] == f->tf_level ? tf_of(s, k, va[k]) :
		    0;
		if (tf > 0 && s->cfg->cross[0] >= 0 &&
		    ((int)k == s->cfg->cross[0] || (int)k == s->cfg->cross[1]))
			tf = fmax(tf, tf_of(s, (size_t)(s->cfg->cross[0] +
			    s->cfg->cross[1]) - k, va[k]));
		if (lev[k] < 0)
			x = 0;
		else if (tf > 0)
			x = fs_tf_weight(&s->fm, k, lev[k], tf);
		else
			x = f->weight[lev[k]];
		if (fw != NULL)
			fw[k] = x;
		w += x;
	}
	return w;
}

int
msc_docs_outweigh(struct msc *s, uint32_t a, uint32_t b, int8_t *lev,
    uint32_t *va, uint32_t *vb)
{
	double fw[64], wdoc = 0;
	size_t k;
	int any = 0;

	for (k = 0; k < s->K && k < 64; k++)
		if (s->cfg->slot[s->cfg->cmp[k].slot].canon == -1)
			any = 1;
	if (!any || s->K > 64)
		return 0;
	msc_vector(s, a, b, lev, va, vb);
	msc_weight(s, lev, va, fw);
	for (k = 0; k < s->K; k++)
		if (s->cfg->slot[s->cfg->cmp[k].slot].canon == -1)
			wdoc += fw[k];
	return wdoc > 0 && (s->first < 0 || wdoc + fmin(fw[s->first], 0) > 0);
}

int
msc_nfields(const struct msc *s, size_t r)
{
	size_t k;
	int n = 0, named = 0;

	for (k = 0; k < s->K; k++)
		if ((int)k != s->full &&
		    mset_get(s->ms, r, s->cfg->cmp[k].slot)) {
			n++;
			if ((int)k == s->first || (int)k == s->last)
				named = 1;
		}
	/*
	 * A full name counts as the name of a record that has no first or
	 * last name: "full_name and birth_date" are two fields, as "first,
	 * last and birth_date" are three.
	 */
	if (!named && s->full >= 0 && mset_get(s->ms, r, MCFG_S_FULL))
		n++;
	return n;
}
