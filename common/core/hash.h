/*
 * hash.h - SHA-256 (nettle) for record ids, fingerprints, export
 * digests and the salted hashes of erased identifiers; and FNV-1a, a
 * fast 64-bit hash for in-memory tables (id sets, spools, fingerprints
 * compared within one run), never for anything stored or exchanged.
 */
#ifndef CDP_HASH_H
#define CDP_HASH_H

#include <stddef.h>
#include <stdint.h>

#include <nettle/sha2.h>

#define HASH_LEN	32		/* SHA-256 digest bytes */

struct hash {
	struct sha256_ctx ctx;
};

void	hash_init(struct hash *);
void	hash_add(struct hash *, const void *, size_t);
void	hash_final(struct hash *, uint8_t out[HASH_LEN]);

/* One-shot digest of p[0..n). */
void	hash_sha256(const void *p, size_t n, uint8_t out[HASH_LEN]);
/* Lower-case hex of the first nbytes of a digest into out (2*nbytes+1). */
void	hash_hex(const uint8_t *d, size_t nbytes, char *out);

/* 64-bit FNV-1a, chained: h = hash_fnv(h, s, n), start with HASH_FNV0. */
#define HASH_FNV0	0xcbf29ce484222325ULL
uint64_t hash_fnv(uint64_t h, const void *s, size_t n);

#endif
