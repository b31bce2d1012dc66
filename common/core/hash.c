/*
 * hash.c - thin wrapper over nettle's SHA-256, and FNV-1a; see hash.h.
 */
#include "core/hash.h"

void
hash_init(struct hash *h)
{
	sha256_init(&h->ctx);
}

void
hash_add(struct hash *h, const void *p, size_t n)
{
	sha256_update(&h->ctx, n, p);
}

void
hash_final(struct hash *h, uint8_t out[HASH_LEN])
{
	sha256_digest(&h->ctx, HASH_LEN, out);
}

void
hash_sha256(const void *p, size_t n, uint8_t out[HASH_LEN])
{
	struct hash h;

	hash_init(&h);
	hash_add(&h, p, n);
	hash_final(&h, out);
}

void
hash_hex(const uint8_t *d, size_t nbytes, char *out)
{
	static const char hex[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < nbytes; i++) {
		out[2 * i] = hex[d[i] >> 4];
		out[2 * i + 1] = hex[d[i] & 15];
	}
	out[2 * nbytes] = '\0';
}

uint64_t
hash_fnv(uint64_t h, const void *p, size_t n)
{
	const unsigned char *s = p;
	size_t i;

	for (i = 0; i < n; i++) {
		h ^= s[i];
		h *= 0x100000001b3ULL;
	}
	return h;
}
