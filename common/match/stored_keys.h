/*
 * stored_keys.h - cdp-match's keys of the record table, kept in the database
 * (tables matchkey, matchrec and matchtf, cdp-schema(5)) so that an
 * incremental run loads only the records the new ones can be compared
 * with, not the whole table.
 *
 *   matchkey (kind, key, record)  the records of a key: kind
 *	MKEY_BLOCK + r is blocking rule r's key (blocking.h, stable hash),
 *	MKEY_IDENT + i identifier i's value hashed, for identifiers that
 *	are attributes (the canonical ones are in the ident table that
 *	cdp-ingest keeps);
 *   matchrec (record, run)  record.run when its keys were stored: an
 *	unresolved record's keys are stored when missing or older;
 *   matchtf (kind, key, n)  term frequencies: n records hold the value
 *	hashed to key in comparison kind - MKEY_TF; key 0 counts them all.
 *
 * A full load (cdp-match -a, or the first run after an upgrade or a
 * change of the configuration's keys) rewrites all three in one sorted
 * pass.  An incremental run adds the keys of the records it compares;
 * a changed record's former keys stay until the next full load (they
 * can only make a run load a record it did not need), and it is
 * counted in matchtf once, with its first values.
 *
 * Keys depend on the configuration: the state row 'matchkey' holds the
 * fingerprint of the one they were made under.
 */
#ifndef CDP_STORED_KEYS_H
#define CDP_STORED_KEYS_H

#include <stddef.h>
#include <stdint.h>

#include <sqlite3.h>

#include "match/blocking.h"
#include "match/match_config.h"
#include "match/pair_score.h"
#include "match/record_set.h"

#define MKEY_BLOCK	1
#define MKEY_IDENT	1000
#define MKEY_TF		2000

/* Prepared statements on the tables. */
struct mkdb {
	sqlite3	*db;
	sqlite3_stmt *find, *count, *tf, *marker, *ident;
};

/*
 * The fingerprint of what the keys depend on in the configuration; 0
 * when it cannot be keyed (too many rules: the tables are not used).
 */
uint64_t mkey_fingerprint(const struct mcfg *);

/* The hash a value is stored under (never 0). */
int64_t	mkey_hash(const char *s, size_t n);

int	mkdb_open(struct mkdb *, sqlite3 *, struct sbuf *why);
void	mkdb_close(struct mkdb *);

/* 1 when the keys stored were made under fingerprint fp, else 0 (or -1). */
int	mkdb_valid(struct mkdb *, uint64_t fp, struct sbuf *why);

/*
 * The blocking rules the last full run left out (blk_choose), kept in
 * state as 'matchrules' with the fingerprint fp, so that an incremental
 * run pairs with the same rules.  put: 0 or -1 with why; get: 1 with
 * *mask set when stored for fp, 0 when not, -1 with why.
 */
int	mkdb_rules_put(struct mkdb *, uint64_t fp, uint64_t mask,
	    struct sbuf *why);
int	mkdb_rules_get(struct mkdb *, uint64_t fp, uint64_t *mask,
	    struct sbuf *why);

/*
 * Append to *ids (grown as needed, *cap its room) the rowids of at most
 * limit records holding key of kind, in rowid order; returns how many,
 * or -1.
 */
long	mkdb_find(struct mkdb *, int kind, int64_t key, long limit,
	    int64_t **ids, size_t *n, size_t *cap);

/* The same for the holders of a canonical identifier's value. */
long	mkdb_find_ident(struct mkdb *, int canon, const char *v, size_t len,
	    long limit, int64_t **ids, size_t *n, size_t *cap);

/* Records holding key of kind; -1 on error. */
long long mkdb_count(struct mkdb *, int kind, int64_t key);

/* matchtf's n of (kind, key), 0 when none; key 0 for the total. */
long long mkdb_tf(struct mkdb *, int kind, int64_t key);

/* record.run the keys of record were stored for, or -1 when none. */
long long mkdb_marker(struct mkdb *, int64_t record);

/*
 * Prepare records loaded for matching as cdp-match does before keying
 * them: street and city folded, junk identifiers cleared, MSET_FS set.
 */
void	mkey_prepare(struct mset *, const struct mcfg *);

/* A block over block-cap in the database, and an unresolved record in it. */
struct mkey_over {
	size_t	 rule;
	int64_t	 key;		/* the record's rowid once returned */
	uint32_t size;		/* the block's records in the database */
};

struct mkey_inc {
	size_t	 unresolved;	/* records to compare */
	size_t	 keyed;		/* of which keys were stored */
	double	*den;		/* per comparison with tf: its values */
	struct mkey_over *over;
	size_t	 nover;
};

/*
 * An incremental run's records: the unresolved ones (their keys stored
 * first when missing or stale, as are those of resolved records whose
 * keys are missing or stale, e.g. changed and merged since), the holders of
 * their identifier values and, a few steps on, of those holders' values (the
 * guard judges a value by its holders' components), and the records sharing a
 * block with them, unless the block is over block-cap (then listed in over)
 * or its rule is left out (bit r of off, mkdb_rules_get: it pairs nobody,
 * and the keys stored for the records are not its).
 * Loaded into the empty ms in rowid order, MSET_NEW on the unresolved
 * ones.  Call in a write transaction.  0, or -1 with the reason in why.
 */
int	mkey_load_incremental(struct mkdb *, struct mset *,
	    const struct mcfg *, uint64_t off, struct mkey_inc *,
	    struct sbuf *why);
/*
 * The same when nothing is unresolved at or below rowid and run (the
 * watermark of cdp-stream's last pass): the records to compare are
 * found above them (mload_db_since), not by a scan.  0, 0: none known.
 */
int	mkey_load_since(struct mkdb *, struct mset *, const struct mcfg *,
	    uint64_t off, long long rowid, long long run, struct mkey_inc *,
	    struct sbuf *why);
void	mkey_inc_release(struct mkey_inc *);

/*
 * After a full load, ms prepared and sc's term frequencies counted:
 * rewrite the three tables from ms and record fingerprint fp.  The
 * blocking rules left out (bit r of off: blk_choose) get no keys: an
 * incremental run reads none of their blocks.  Call in a write
 * transaction.  0, or -1 with the reason in why.
 */
int	mkey_rebuild(struct mkdb *, const struct mset *, const struct msc *,
	    uint64_t fp, uint64_t off, struct sbuf *why);

#endif
