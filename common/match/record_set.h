/*
 * record_set.h - the records cdp-match works on, held in memory.
 *
 * Matching a million records touches each of their values many times:
 * blocking hashes them, the guard groups them, comparisons read them
 * in pairs.  So each value is interned once: a record holds, per slot
 * of the configuration (match_config.h), a 32-bit value id, 0 when missing, and
 * equal strings share an id across slots and records.  Equality is then
 * an integer compare, term frequencies are counts per id, and a cache of
 * comparison levels can be keyed by a pair of ids.
 *
 * A record also carries its key for the output: the source name, the
 * record id, and the rowid of the record table (database mode) or its
 * input position (file mode), which orders the output.
 */
#ifndef CDP_RECORD_SET_H
#define CDP_RECORD_SET_H

#include <stddef.h>
#include <stdint.h>

#include "core/util.h"

#define MSET_NEW	0x01	/* unresolved: compared in this run */
#define MSET_FS		0x02	/* enough values for the probabilistic model */

struct mset {
	size_t	 n;		/* records */
	size_t	 cap;
	int	 nslot;		/* values per record */
	uint32_t *val;		/* n * nslot value ids, 0 for missing */
	int64_t	*rowid;		/* record table rowid, or input position */
	int64_t	*run;		/* record.run as loaded (database mode), or 0 */
	uint32_t *src;		/* index into srcname */
	uint64_t *rid;		/* record id: offset into ids */
	uint8_t	*flag;		/* MSET_NEW, MSET_FS */
	struct sbuf ids;	/* record ids, each NUL-terminated */
	char	**srcname;	/* source names */
	size_t	 nsrc;

	/* The value pool: id i is at pool.buf[ol[i] >> 24], ol[i] & 0xffffff
	   bytes long; one word, so a lookup touches one cache line. */
	struct sbuf pool;
	uint64_t *ol;
	uint32_t *tag;		/* low bits of each value's hash */
	uint32_t nval;		/* ids in use, id 0 included */
	uint32_t capval;
	uint64_t *htab;		/* open addressing: hash tag << 32 | id */
	size_t	 hcap;		/* power of two */

	/* Pairs of values declared equivalent (first-name aliases). */
	uint64_t *alias;	/* open addressing, (min << 32 | max), 0 empty */
	size_t	 nalias;
	size_t	 acap;		/* power of two, or 0 */
};

void	mset_init(struct mset *, int nslot);
void	mset_release(struct mset *);

/* Room for nrec records and nval distinct values, to spare regrowth. */
void	mset_reserve(struct mset *, size_t nrec, size_t nval);

/* The id of the string s[0..n) (n > 0), interned when new. */
uint32_t mset_intern(struct mset *, const char *s, size_t n);

/*
 * The same with the hash, mset_hash(s, n, 0), already computed; and a
 * hint that the value of hash h will be interned soon (the table slot
 * fetched ahead: interning a million records is mostly waiting for
 * memory).
 */
uint32_t mset_intern_hashed(struct mset *, const char *s, size_t n,
	    uint64_t h);
void	mset_prefetch(const struct mset *, uint64_t h);

/* The string of id v and its length; "" for 0. */
const char *mset_str(const struct mset *, uint32_t v, size_t *len);

/* The index of source name s, added when new. */
uint32_t mset_source(struct mset *, const char *s);

/*
 * Append a record with no values; returns its index.  rid[0..ridlen)
 * is copied.
 */
size_t	mset_add(struct mset *, uint32_t src, const char *rid, size_t ridlen,
	    int64_t rowid);

/* Set slot s of record r to s[0..n); n == 0 leaves it missing. */
void	mset_set(struct mset *, size_t r, int slot, const char *s, size_t n);

static inline uint32_t
mset_get(const struct mset *m, size_t r, int slot)
{
	return m->val[r * (size_t)m->nslot + (size_t)slot];
}

static inline const char *
mset_rid(const struct mset *m, size_t r)
{
	return m->ids.buf + m->rid[r];
}

/*
 * Declare values a and b equivalent, and ask whether they are.  The
 * relation is not transitive: "fanfan" may stand for "francois" and for
 * "francoise" without making those two one name.
 */
void	mset_alias_add(struct mset *, uint32_t a, uint32_t b);
/* The value s[0..n) already interned, without adding it; 0 when none. */
uint32_t mset_lookup(const struct mset *, const char *s, size_t n);
int	mset_is_alias(const struct mset *, uint32_t a, uint32_t b);

/*
 * Sort n records of size bytes by the uint64_t key at their start,
 * stably (LSD radix sort, 8 bits a pass, passes where every key has the
 * same byte skipped).  Linear in n, where qsort was the run's largest
 * single cost at a million records.
 */
void	mset_radix_sort(void *base, size_t n, size_t size);

/* 64-bit hash of a byte string, 8 bytes a step, then a finaliser. */
uint64_t mset_hash(const void *s, size_t n, uint64_t seed);

#endif
