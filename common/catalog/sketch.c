/*
 * sketch.c - HyperLogLog and Misra-Gries summaries; see sketch.h.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "catalog/sketch.h"
#include "core/hash.h"

/* Encodings: a magic byte, a version, then the body. */
#define HLL_MAGIC	'H'
#define HH_MAGIC	'M'
#define SK_VERSION	1	/* 1: sk_hash64 is SHA-256, p = 12, k = 20 */
#define HLL_DENSE	0
#define HLL_SPARSE	1

uint64_t
sk_hash64(const void *p, size_t n)
{
	uint8_t d[HASH_LEN];
	uint64_t h = 0;
	int i;

	hash_sha256(p, n, d);
	for (i = 0; i < 8; i++)
		h = h << 8 | d[i];
	return h;
}

size_t
sk_utf8_cut(const char *s, size_t n, size_t max)
{
	if (n <= max)
		return n;
	/* Back off continuation bytes so a character is never split. */
	while (max > 0 && ((unsigned char)s[max] & 0xc0) == 0x80)
		max--;
	return max;
}

static void
put64(struct sbuf *out, uint64_t v)
{
	int i;

	for (i = 7; i >= 0; i--)
		sb_addc(out, (int)(v >> (8 * i) & 0xff));
}

static uint64_t
get64(const uint8_t *p)
{
	uint64_t v = 0;
	int i;

	for (i = 0; i < 8; i++)
		v = v << 8 | p[i];
	return v;
}

/* HyperLogLog. */

void
hll_init(struct hll *h)
{
	memset(h->reg, 0, sizeof(h->reg));
}

void
hll_add(struct hll *h, uint64_t hash)
{
	uint32_t idx = (uint32_t)(hash >> (64 - HLL_P));
	uint64_t w = hash << HLL_P;
	uint8_t rank;

	/* Rank: position of the first 1 bit in the remaining 52 bits. */
	rank = w == 0 ? 64 - HLL_P + 1 : (uint8_t)(__builtin_clzll(w) + 1);
	if (rank > h->reg[idx])
		h->reg[idx] = rank;
}

void
hll_merge(struct hll *dst, const struct hll *src)
{
	size_t i;

	for (i = 0; i < HLL_M; i++)
		if (src->reg[i] > dst->reg[i])
			dst->reg[i] = src->reg[i];
}

long long
hll_count(const struct hll *h)
{
	double m = HLL_M, sum = 0, alpha, e;
	size_t i, zeros = 0;

	for (i = 0; i < HLL_M; i++) {
		sum += ldexp(1.0, -h->reg[i]);
		zeros += h->reg[i] == 0;
	}
	alpha = 0.7213 / (1 + 1.079 / m);
	e = alpha * m * m / sum;
	/* Linear counting is the better estimate while registers are empty. */
	if (e <= 2.5 * m && zeros > 0)
		e = m * log(m / (double)zeros);
	return llround(e);
}

void
hll_encode(const struct hll *h, struct sbuf *out)
{
	size_t i, set = 0;

	for (i = 0; i < HLL_M; i++)
		set += h->reg[i] != 0;
	sb_addc(out, HLL_MAGIC);
	sb_addc(out, SK_VERSION);
	if (3 * set + 2 < HLL_M) {
		sb_addc(out, HLL_SPARSE);
		sb_addc(out, (int)(set >> 8));
		sb_addc(out, (int)(set & 0xff));
		for (i = 0; i < HLL_M; i++) {
			if (h->reg[i] == 0)
				continue;
			sb_addc(out, (int)(i >> 8));
			sb_addc(out, (int)(i & 0xff));
			sb_addc(out, h->reg[i]);
		}
	} else {
		sb_addc(out, HLL_DENSE);
		sb_add(out, h->reg, HLL_M);
	}
}

int
hll_merge_encoded(struct hll *h, const void *p, size_t n)
{
	const uint8_t *b = p;
	size_t i, set, idx;

	if (n < 3 || b[0] != HLL_MAGIC || b[1] != SK_VERSION)
		return -1;
	if (b[2] == HLL_DENSE) {
		if (n != 3 + HLL_M)
			return -1;
		for (i = 0; i < HLL_M; i++)
			if (b[3 + i] > 64 - HLL_P + 1)
				return -1;
		for (i = 0; i < HLL_M; i++)
			if (b[3 + i] > h->reg[i])
				h->reg[i] = b[3 + i];
		return 0;
	}
	if (b[2] != HLL_SPARSE || n < 5)
		return -1;
	set = (size_t)b[3] << 8 | b[4];
	if (n != 5 + 3 * set)
		return -1;
	for (i = 0; i < set; i++) {
		idx = (size_t)b[5 + 3 * i] << 8 | b[6 + 3 * i];
		if (idx >= HLL_M || b[7 + 3 * i] > 64 - HLL_P + 1)
			return -1;
	}
	for (i = 0; i < set; i++) {
		idx = (size_t)b[5 + 3 * i] << 8 | b[6 + 3 * i];
		if (b[7 + 3 * i] > h->reg[idx])
			h->reg[idx] = b[7 + 3 * i];
	}
	return 0;
}

/* Misra-Gries. */

void
hh_init(struct hh *m)
{
	m->n = 0;
}

static void
hh_set(struct hh_item *it, uint64_t hash, long long count, const char *val,
    size_t len)
{
	len = sk_utf8_cut(val, len, HH_VALMAX);
	it->hash = hash;
	it->count = count;
	it->len = (uint8_t)len;
	memcpy(it->val, val, len);
	it->val[len] = '\0';
}

void
hh_add(struct hh *m, uint64_t hash, const char *val, size_t len)
{
	int i, j;

	for (i = 0; i < m->n; i++)
		if (m->it[i].hash == hash) {
			m->it[i].count++;
			return;
		}
	if (m->n < HH_K) {
		hh_set(&m->it[m->n++], hash, 1, val, len);
		return;
	}
	/* Full: the new value and every counter each lose one. */
	for (i = j = 0; i < m->n; i++) {
		if (--m->it[i].count == 0)
			continue;
		if (i != j)
			m->it[j] = m->it[i];
		j++;
	}
	m->n = j;
}

static int
cmp_item(const void *a, const void *b)
{
	const struct hh_item *x = a, *y = b;
	int c;

	if (x->count != y->count)
		return x->count > y->count ? -1 : 1;
	c = strcmp(x->val, y->val);
	if (c != 0)
		return c;
	return (x->hash > y->hash) - (x->hash < y->hash);
}

void
hh_sort(struct hh *m)
{
	if (m->n > 1)
		qsort(m->it, (size_t)m->n, sizeof(m->it[0]), cmp_item);
}

/*
 * The merge of Agarwal et al. (mergeable summaries, 2012): add the
 * counters, then subtract the (k+1)-th largest from all and keep the
 * positive ones; the error bound of the union holds.
 */
static void
hh_merge_items(struct hh *dst, const struct hh_item *src, int n)
{
	struct hh_item all[2 * HH_K];
	long long cut;
	int na, i, j;

	memcpy(all, dst->it, (size_t)dst->n * sizeof(all[0]));
	na = dst->n;
	for (i = 0; i < n; i++) {
		for (j = 0; j < na && all[j].hash != src[i].hash; j++)
			;
		if (j < na)
			all[j].count += src[i].count;
		else
			all[na++] = src[i];
	}
	if (na > 1)
		qsort(all, (size_t)na, sizeof(all[0]), cmp_item);
	cut = na > HH_K ? all[HH_K].count : 0;
	for (i = j = 0; i < na && j < HH_K; i++)
		if (all[i].count - cut > 0) {
			dst->it[j] = all[i];
			dst->it[j++].count -= cut;
		}
	dst->n = j;
}

void
hh_merge(struct hh *dst, const struct hh *src)
{
	hh_merge_items(dst, src->it, src->n);
}

void
hh_encode(const struct hh *m, struct sbuf *out)
{
	int i;

	sb_addc(out, HH_MAGIC);
	sb_addc(out, SK_VERSION);
	sb_addc(out, m->n);
	for (i = 0; i < m->n; i++) {
		put64(out, (uint64_t)m->it[i].count);
		put64(out, m->it[i].hash);
		sb_addc(out, m->it[i].len);
		sb_add(out, m->it[i].val, m->it[i].len);
	}
}

int
hh_merge_encoded(struct hh *m, const void *p, size_t n)
{
	const uint8_t *b = p, *end = b + n;
	struct hh_item it[HH_K];
	int cnt, i;
	size_t len;

	if (n < 3 || b[0] != HH_MAGIC || b[1] != SK_VERSION || b[2] > HH_K)
		return -1;
	cnt = b[2];
	b += 3;
	for (i = 0; i < cnt; i++) {
		if (end - b < 17)
			return -1;
		len = b[16];
		if (len > HH_VALMAX || (size_t)(end - b) < 17 + len)
			return -1;
		if ((long long)get64(b) <= 0)
			return -1;
		hh_set(&it[i], get64(b + 8), (long long)get64(b), (const char *)b +
		    17, len);
		b += 17 + len;
	}
	if (b != end)
		return -1;
	hh_merge_items(m, it, cnt);
	return 0;
}
