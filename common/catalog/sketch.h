/*
 * sketch.h - the two small summaries behind the data catalog: a
 * HyperLogLog distinct-count estimate and Misra-Gries heavy hitters.
 *
 * Both are mergeable: a batch's sketch merged into the one stored in
 * the database gives the sketch of all the data, so the catalog is kept
 * up to date without rescanning records.  Both have a fixed size
 * whatever the input, and both serialise to a versioned byte string
 * (stored as a BLOB) that the decoder checks before use.
 *
 * Values are identified by sk_hash64, the first 64 bits of their
 * SHA-256 (nettle): a well-known hash whose output never changes, since
 * sketches written today must merge with sketches written by every
 * later version.  (xxHash would be faster but is not among the Debian
 * packages the build depends on; SHA-256 of a short value costs about
 * 50 ns on a CPU with the SHA extensions, 300 ns without.)
 */
#ifndef CDP_SKETCH_H
#define CDP_SKETCH_H

#include <stddef.h>
#include <stdint.h>

#include "core/util.h"

/* The 64-bit hash of a value: first 8 bytes of SHA-256, big-endian. */
uint64_t sk_hash64(const void *p, size_t n);

/*
 * HyperLogLog with 2^HLL_P one-byte registers: standard error
 * 1.04 / sqrt(4096), about 1.6%.  Small counts use linear counting:
 * exact in practice up to a few dozen values, within about 1% (one
 * standard error) at a few hundred.
 */
#define HLL_P		12
#define HLL_M		(1u << HLL_P)

struct hll {
	uint8_t	 reg[HLL_M];	/* max rank seen per register */
};

void	hll_init(struct hll *);
void	hll_add(struct hll *, uint64_t hash);
void	hll_merge(struct hll *dst, const struct hll *src);
/* The estimated number of distinct values added, rounded. */
long long hll_count(const struct hll *);
/*
 * Serialise: dense (all registers) or sparse (index, rank pairs) when
 * few registers are set, whichever is shorter.
 */
void	hll_encode(const struct hll *, struct sbuf *out);
/* Merge an encoded sketch into h: 0, or -1 when p[0..n) is not one. */
int	hll_merge_encoded(struct hll *h, const void *p, size_t n);

/*
 * Misra-Gries: at most HH_K counters; every value whose true count
 * exceeds N / (HH_K + 1) has one, and a counter underestimates its
 * value's count by at most N / (HH_K + 1).  With at most HH_K distinct
 * values all counts are exact.  Values are kept truncated to
 * HH_VALMAX bytes (on a UTF-8 character boundary) for display; they
 * are identified by the hash of the whole value.
 */
#define HH_K		20
#define HH_VALMAX	64

struct hh_item {
	uint64_t hash;		/* sk_hash64 of the whole value */
	long long count;
	uint8_t	 len;		/* bytes in val */
	char	 val[HH_VALMAX + 1];	/* the value, truncated, NUL-terminated */
};

struct hh {
	struct hh_item it[HH_K];
	int	 n;		/* counters in use */
};

void	hh_init(struct hh *);
void	hh_add(struct hh *, uint64_t hash, const char *val, size_t len);
void	hh_merge(struct hh *dst, const struct hh *src);
/* Sort the counters by count, highest first (then by value). */
void	hh_sort(struct hh *);
void	hh_encode(const struct hh *, struct sbuf *out);
/* Merge an encoded sketch into m: 0, or -1 when it is not one. */
int	hh_merge_encoded(struct hh *m, const void *p, size_t n);

/* The length of s[0..n) cut to at most max bytes on a UTF-8 boundary. */
size_t	sk_utf8_cut(const char *s, size_t n, size_t max);

#endif
