/*
 * record_numbers.c - records numbered by key; see record_numbers.h.
 */
#include <stdlib.h>
#include <string.h>

#include "merge/clustering.h"
#include "merge/record_numbers.h"

void
kt_init(struct keytab *t)
{
	memset(t, 0, sizeof(*t));
	sb_init(&t->arena);
}

void
kt_release(struct keytab *t)
{
	sb_release(&t->arena);
	free(t->off);
	free(t->h);
	free(t->slot);
	memset(t, 0, sizeof(*t));
}

static void
grow(struct keytab *t)
{
	uint32_t i, j, ns = t->nslot ? 2 * t->nslot : 1024;

	free(t->slot);
	t->slot = xcalloc(ns, sizeof(*t->slot));
	t->nslot = ns;
	for (i = 0; i < t->n; i++) {
		for (j = t->h[i] & (ns - 1); t->slot[j]; j = (j + 1) & (ns - 1))
			;
		t->slot[j] = i + 1;
	}
}

uint32_t
kt_intern(struct keytab *t, const char *src, size_t slen, const char *rid,
    size_t rlen)
{
	uint32_t h = mg_keyhash(src, slen, rid, rlen), j, i;
	const char *k;

	if (2 * ((size_t)t->n + 1) > t->nslot)
		grow(t);
	for (j = h & (t->nslot - 1); t->slot[j]; j = (j + 1) & (t->nslot - 1)) {
		i = t->slot[j] - 1;
		k = t->arena.buf + t->off[i];
		if (t->h[i] == h && strlen(k) == slen && memcmp(k, src,
		    slen) == 0 && strlen(k + slen + 1) == rlen &&
		    memcmp(k + slen + 1, rid, rlen) == 0)
			return i;
	}
	if (t->n == t->cap) {
		t->cap = t->cap ? 2 * t->cap : 4096;
		t->off = xrealloc(t->off, t->cap * sizeof(*t->off));
		t->h = xrealloc(t->h, t->cap * sizeof(*t->h));
	}
	t->off[t->n] = t->arena.len;
	t->h[t->n] = h;
	sb_add(&t->arena, src, slen);
	sb_addc(&t->arena, '\0');
	sb_add(&t->arena, rid, rlen);
	sb_addc(&t->arena, '\0');
	t->slot[j] = t->n + 1;
	return t->n++;
}

const char *
kt_source(const struct keytab *t, uint32_t i)
{
	return t->arena.buf + t->off[i];
}

const char *
kt_record_id(const struct keytab *t, uint32_t i)
{
	const char *s = t->arena.buf + t->off[i];

	return s + strlen(s) + 1;
}
