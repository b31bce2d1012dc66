/*
 * hash.h - SHA-256 (nettle) for record ids, fingerprints, export
 * digests and the salted hashes of erased identifiers.
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

#endif
