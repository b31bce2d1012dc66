/*
 * blocking.h - blocking: the candidate pairs cdp-match compares.
 *
 * Comparing every record with every other is quadratic; a blocking rule
 * (match_config.h) names a key computed from a record's values ("same first
 * name and birth year"), and only records with equal keys are paired.
 * Several rules are unioned, so that a typo in one field only loses the
 * rules using it.  A pair found by an earlier rule is not found again by
 * a later one: each rule checks the earlier rules' keys of the two
 * records (Splink's approach), which needs no set of seen pairs.
 *
 * Keys are 64-bit hashes of the transformed values, one per record and
 * rule, 0 when a value the rule needs is missing.  A block (the records
 * sharing a key) larger than block-cap is skipped whole and reported: a
 * common name with no birth date would otherwise give millions of
 * pairs, nearly all non-matches, and the other rules still pair the
 * records it held when they are alike.
 */
#ifndef CDP_BLOCKING_H
#define CDP_BLOCKING_H

#include <stddef.h>
#include <stdint.h>

#include "match/match_config.h"
#include "match/record_set.h"

struct blk {
	const struct mcfg *cfg;
	const struct mset *ms;
	size_t	 nrule;
	uint64_t **key;		/* key[rule][record], 0 for none */
	struct blk_idx *idx;	/* per rule: records sorted by key */
	uint32_t **size;	/* per rule, per record: its block's size in
				   the database, 0 unknown (blk_set_size) */
	size_t	 skipped_blocks;/* blocks over the cap, all rules */
	size_t	 skipped_records;
	uint64_t off;		/* rules left out (bit per rule): blk_choose */
	struct blk_nick *nick;	/* the nickname-canonical names, or NULL */
};

/* What blk_choose measured of one rule. */
struct blk_choice {
	size_t	 keyed;		/* records with a key */
	size_t	 pairs;		/* comparisons it gives (blk_count) */
	int	 over;		/* over the budget: left out */
};

struct blk_opts {
	int	 only_new;	/* pairs with at least one MSET_NEW record */
	int	 first_rule;	/* skip pairs an earlier rule found */
	int	 link_only;	/* only pairs across sources */
	/* Called once per skipped block with a record holding its key. */
	void	(*skip)(void *arg, size_t rule, uint32_t rec, size_t size);
};

/* Called with each candidate pair, a < b (record indices). */
typedef void (*blk_pair_fn)(void *arg, uint32_t a, uint32_t b, size_t rule);

/*
 * The key transform "nick" gives a first name's canonical name, so that
 * "bob", "bobby" and "robert" share a key.  The aliases of the
 * configuration (bob ~ robert, ...) are a graph, and not a transitive one:
 * its connected parts hold hundreds of unrelated names.  So each name
 * climbs instead: it moves to the neighbour with the most aliases (then
 * the greatest in byte order), itself included, until it stays; where
 * it stays is its canonical name.  A formal name with many nicknames is
 * where its nicknames stop (bob, rob and bobby at robert).  A name with
 * no alias is its own canonical name.
 */

/* Compute the keys of every rule for the MSET_FS records of ms. */
void	blk_init(struct blk *, const struct mcfg *, const struct mset *);
void	blk_release(struct blk *);

/*
 * The same keys hashed from the values' strings, not their ids: equal
 * across runs, so that they can be stored (stored_keys.h).  The same records
 * have equal keys under both.
 */
void	blk_init_stable(struct blk *, const struct mcfg *,
	    const struct mset *);

/*
 * The block of record rec under rule has size records in the whole
 * database, of which only some are loaded: blk_pairs skips it when that
 * is over block-cap, as a run holding every record would.
 */
void	blk_set_size(struct blk *, size_t rule, uint32_t rec, uint32_t size);

/*
 * Call fn with every candidate pair of rule, in a deterministic order
 * (by key hash, then record index).  Returns the number of pairs.
 */
size_t	blk_pairs(struct blk *, size_t rule, const struct blk_opts *,
	    blk_pair_fn fn, void *arg);

/*
 * The number of pairs blk_pairs would give for rule with only_new and
 * first_rule off (blocks over the cap not counted).
 */
size_t	blk_count(struct blk *, size_t rule, int link_only);

/*
 * Choose the rules from the data at hand: each rule's keyed records and
 * comparisons are counted into ch[rule] (nrule entries), and a rule
 * whose comparisons exceed budget per keyed record is left out, its
 * keys cleared (it then gives no pair and takes no pair from a later
 * rule).  A rule of fields nobody mapped keys no record and costs
 * nothing.  Returns the comparisons of the rules kept.
 */
size_t	blk_choose(struct blk *, double budget, int link_only,
	    struct blk_choice *ch);

/* Leave rule out, as blk_choose does (bit rule of mask; 64 rules). */
void	blk_leave_out(struct blk *, uint64_t mask);

/* The key of record rec under rule, as text, into out (for messages). */
void	blk_key_text(const struct blk *, size_t rule, uint32_t rec,
	    struct sbuf *out);

/* American Soundex of the ASCII letters of s[0..n) into out[5]; 0 or -1. */
int	blk_soundex(const char *s, size_t n, char out[5]);

#endif
