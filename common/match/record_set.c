/*
 * record_set.c - records in memory with interned values; see record_set.h.
 */
#include <stdlib.h>
#include <string.h>

#include "match/record_set.h"

#define OL_LEN	0xffffffULL	/* the length bits of an ol entry */

void
mset_init(struct mset *m, int nslot)
{
	memset(m, 0, sizeof(*m));
	m->nslot = nslot;
	sb_init(&m->ids);
	sb_init(&m->pool);
	m->capval = 1024;
	m->ol = xmalloc(m->capval * sizeof(*m->ol));
	m->tag = xmalloc(m->capval * sizeof(*m->tag));
	m->tag[0] = 0;
	m->ol[0] = 0;
	m->nval = 1;
	m->hcap = 2048;
	m->htab = xcalloc(m->hcap, sizeof(*m->htab));
	sb_grow(&m->pool, 1 << 16);
}

void
mset_release(struct mset *m)
{
	size_t i;

	free(m->val);
	free(m->rowid);
	free(m->run);
	free(m->src);
	free(m->rid);
	free(m->flag);
	sb_release(&m->ids);
	for (i = 0; i < m->nsrc; i++)
		free(m->srcname[i]);
	free(m->srcname);
	sb_release(&m->pool);
	free(m->ol);
	free(m->tag);
	free(m->htab);
	free(m->alias);
	memset(m, 0, sizeof(*m));
}

uint64_t
mset_hash(const void *s, size_t n, uint64_t seed)
{
	const unsigned char *p = s;
	uint64_t h = seed ^ (n * 0x9e3779b97f4a7c15ULL), w;

	/* Eight bytes at a time: values are short, but many. */
	for (; n >= 8; p += 8, n -= 8) {
		memcpy(&w, p, 8);
		h = (h ^ w) * 0xff51afd7ed558ccdULL;
		h ^= h >> 32;
	}
	if (n > 0) {
		w = 0;
		memcpy(&w, p, n);
		h = (h ^ w) * 0xc4ceb9fe1a85ec53ULL;
		h ^= h >> 32;
	}
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdULL;
	h ^= h >> 33;
	return h;
}

static void
rehash(struct mset *m, size_t cap)
{
	size_t mask = cap - 1, j;
	uint64_t *t = xcalloc(cap, sizeof(*t));
	uint32_t v;

	for (v = 1; v < m->nval; v++) {
		j = m->tag[v] & mask;	/* the low bits of the hash */
		while (t[j] != 0)
			j = (j + 1) & mask;
		t[j] = (uint64_t)m->tag[v] << 32 | v;
	}
	free(m->htab);
	m->htab = t;
	m->hcap = cap;
}

uint32_t
mset_intern(struct mset *m, const char *s, size_t n)
{
	return mset_intern_hashed(m, s, n, mset_hash(s, n, 0));
}

uint32_t
mset_lookup(const struct mset *m, const char *s, size_t n)
{
	uint64_t h = mset_hash(s, n, 0), e;
	size_t mask = m->hcap - 1, j;
	uint32_t v;

	if (m->hcap == 0)
		return 0;
	for (j = h & mask; (e = m->htab[j]) != 0; j = (j + 1) & mask) {
		v = (uint32_t)e;
		if ((uint32_t)(e >> 32) == (uint32_t)h &&
		    (m->ol[v] & OL_LEN) == n &&
		    memcmp(m->pool.buf + (m->ol[v] >> 24), s, n) == 0)
			return v;
	}
	return 0;
}

void
mset_prefetch(const struct mset *m, uint64_t h)
{
	__builtin_prefetch(&m->htab[h & (m->hcap - 1)]);
}

uint32_t
mset_intern_hashed(struct mset *m, const char *s, size_t n, uint64_t h)
{
	size_t mask = m->hcap - 1, j;
	uint64_t e;
	uint32_t v;

	/* The tag in the slot spares a look at the pool on a collision. */
	j = h & mask;
	while ((e = m->htab[j]) != 0) {
		v = (uint32_t)e;
		if ((uint32_t)(e >> 32) == (uint32_t)h &&
		    (m->ol[v] & OL_LEN) == n &&
		    memcmp(m->pool.buf + (m->ol[v] >> 24), s, n) == 0)
			return v;
		j = (j + 1) & mask;
	}
	if (m->nval == UINT32_MAX || n > OL_LEN || m->pool.len >> 40)
		die(EXIT_FAIL, "too many distinct values");
	if (m->nval == m->capval) {
		m->capval *= 2;
		m->ol = xrealloc(m->ol, m->capval * sizeof(*m->ol));
		m->tag = xrealloc(m->tag, m->capval * sizeof(*m->tag));
	}
	v = m->nval++;
	m->tag[v] = (uint32_t)h;
	m->ol[v] = (uint64_t)m->pool.len << 24 | n;
	sb_add(&m->pool, s, n);
	sb_addc(&m->pool, '\0');
	m->htab[j] = (uint64_t)(uint32_t)h << 32 | v;
	if ((size_t)m->nval * 2 > m->hcap)
		rehash(m, m->hcap * 2);
	return v;
}

void
mset_reserve(struct mset *m, size_t nrec, size_t nval)
{
	size_t cap = m->hcap;

	if (nrec > m->cap) {
		m->cap = nrec;
		m->val = xrealloc(m->val, m->cap * (size_t)m->nslot *
		    sizeof(*m->val));
		m->rowid = xrealloc(m->rowid, m->cap * sizeof(*m->rowid));
		m->run = xrealloc(m->run, m->cap * sizeof(*m->run));
		m->src = xrealloc(m->src, m->cap * sizeof(*m->src));
		m->rid = xrealloc(m->rid, m->cap * sizeof(*m->rid));
		m->flag = xrealloc(m->flag, m->cap * sizeof(*m->flag));
	}
	if (nval > m->capval && nval < UINT32_MAX) {
		m->capval = (uint32_t)nval;
		m->ol = xrealloc(m->ol, m->capval * sizeof(*m->ol));
		m->tag = xrealloc(m->tag, m->capval * sizeof(*m->tag));
	}
	while (cap < 2 * nval)
		cap *= 2;
	if (cap > m->hcap)
		rehash(m, cap);
}

const char *
mset_str(const struct mset *m, uint32_t v, size_t *len)
{
	if (len != NULL)
		*len = m->ol[v] & OL_LEN;
	return v == 0 ? "" : m->pool.buf + (m->ol[v] >> 24);
}

uint32_t
mset_source(struct mset *m, const char *s)
{
	size_t i;

	for (i = 0; i < m->nsrc; i++)
		if (strcmp(m->srcname[i], s) == 0)
			return (uint32_t)i;
	m->srcname = xrealloc(m->srcname, (m->nsrc + 1) * sizeof(char *));
	m->srcname[m->nsrc] = xstrdup(s);
	return (uint32_t)m->nsrc++;
}

size_t
mset_add(struct mset *m, uint32_t src, const char *rid, size_t ridlen,
    int64_t rowid)
{
	size_t r;

	if (m->n == m->cap) {
		m->cap = m->cap ? 2 * m->cap : 4096;
		m->val = xrealloc(m->val, m->cap * (size_t)m->nslot *
		    sizeof(*m->val));
		m->rowid = xrealloc(m->rowid, m->cap * sizeof(*m->rowid));
		m->run = xrealloc(m->run, m->cap * sizeof(*m->run));
		m->src = xrealloc(m->src, m->cap * sizeof(*m->src));
		m->rid = xrealloc(m->rid, m->cap * sizeof(*m->rid));
		m->flag = xrealloc(m->flag, m->cap * sizeof(*m->flag));
	}
	r = m->n++;
	memset(m->val + r * (size_t)m->nslot, 0, (size_t)m->nslot *
	    sizeof(*m->val));
	m->rowid[r] = rowid;
	m->run[r] = 0;
	m->src[r] = src;
	m->rid[r] = m->ids.len;
	sb_add(&m->ids, rid, ridlen);
	sb_addc(&m->ids, '\0');
	m->flag[r] = MSET_NEW;
	return r;
}

void
mset_set(struct mset *m, size_t r, int slot, const char *s, size_t n)
{
	m->val[r * (size_t)m->nslot + (size_t)slot] = n == 0 ? 0 :
	    mset_intern(m, s, n);
}

static size_t
alias_slot(const uint64_t *t, size_t cap, uint64_t k)
{
	size_t j = (size_t)((k * 0x9e3779b97f4a7c15ULL) >> 20) & (cap - 1);

	while (t[j] != 0 && t[j] != k)
		j = (j + 1) & (cap - 1);
	return j;
}

void
mset_alias_add(struct mset *m, uint32_t a, uint32_t b)
{
	uint64_t k, *t;
	size_t i, cap;

	if (a == b || a == 0 || b == 0)
		return;
	k = a < b ? (uint64_t)a << 32 | b : (uint64_t)b << 32 | a;
	if (2 * (m->nalias + 1) > m->acap) {
		cap = m->acap ? 2 * m->acap : 256;
		t = xcalloc(cap, sizeof(*t));
		for (i = 0; i < m->acap; i++)
			if (m->alias[i] != 0)
				t[alias_slot(t, cap, m->alias[i])] = m->alias[i];
		free(m->alias);
		m->alias = t;
		m->acap = cap;
	}
	i = alias_slot(m->alias, m->acap, k);
	if (m->alias[i] == 0) {
		m->alias[i] = k;
		m->nalias++;
	}
}

int
mset_is_alias(const struct mset *m, uint32_t a, uint32_t b)
{
	uint64_t k;

	if (m->acap == 0)
		return 0;
	k = a < b ? (uint64_t)a << 32 | b : (uint64_t)b << 32 | a;
	return m->alias[alias_slot(m->alias, m->acap, k)] == k;
}

void
mset_radix_sort(void *base, size_t n, size_t size)
{
	size_t (*cnt)[256], i, d, pos, sum;
	unsigned char *a = base, *b, *t;
	uint64_t k;

	if (n < 2)
		return;
	cnt = xcalloc(8, sizeof(*cnt));
	for (i = 0; i < n; i++) {
		memcpy(&k, a + i * size, 8);
		for (d = 0; d < 8; d++)
			cnt[d][(k >> (8 * d)) & 0xff]++;
	}
	b = xmalloc(n * size);
	for (d = 0; d < 8; d++) {
		memcpy(&k, a, 8);
		if (cnt[d][(k >> (8 * d)) & 0xff] == n)
			continue;	/* every key has this byte */
		for (sum = 0, i = 0; i < 256; i++) {
			pos = cnt[d][i];
			cnt[d][i] = sum;
			sum += pos;
		}
		for (i = 0; i < n; i++) {
			memcpy(&k, a + i * size, 8);
			memcpy(b + cnt[d][(k >> (8 * d)) & 0xff]++ * size,
			    a + i * size, size);
		}
		t = a, a = b, b = t;
	}
	if (a != base) {
		memcpy(base, a, n * size);
		b = a;
	}
	free(b);
	free(cnt);
}
