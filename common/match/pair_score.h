/*
 * pair_score.h - scoring a pair of records: the comparison vector the
 * Fellegi-Sunter model (fellegi_sunter.h) weighs, the term-frequency adjusted
 * weight, and the per-field evidence cdp-match writes.
 *
 * Three things are added to plain per-field comparison (comparators.h):
 *
 *  - names compared crossed: when the configuration says "cross
 *    first_name last_name" and first(a)/last(b) with last(a)/first(b)
 *    reach better levels together than the straight comparison, the
 *    crossed levels are used (a record with the names swapped);
 *  - full_name is compared only when one of the two records lacks a
 *    first or a last name, so that a name is not counted twice (the
 *    loader derives full_name from first and last names when absent);
 *  - dependent fields (mcfg's implied and needs): a city is not counted
 *    when the postal codes agree, and a postal code or city agreeing
 *    while the streets differ takes its last level;
 *  - first-name aliases compare exact;
 *  - a cache of levels per pair of value ids and comparison, since the
 *    same two cities or postal codes meet again and again in a run.
 */
#ifndef CDP_PAIR_SCORE_H
#define CDP_PAIR_SCORE_H

#include <stddef.h>
#include <stdint.h>

#include "match/fellegi_sunter.h"
#include "match/match_config.h"
#include "match/record_set.h"

struct msc_cache;

struct msc {
	const struct mcfg *cfg;
	const struct mset *ms;
	struct fs_model fm;	/* one field per comparison, in order */
	size_t	 K;		/* comparisons */
	uint32_t **tfcount;	/* per comparison with tf: count per value id */
	double	*tfden;		/* non-missing values of that comparison */
	struct msc_cache *cache;/* per comparison */
	int	*exact0;	/* per comparison: equal values reach level 0 */
	int	 full;		/* comparison of full_name, or -1 */
	int	 first, last;	/* comparisons of first/last name, or -1 */
	int	 full_words;	/* full_name's tokens level, or -1 */
	uint64_t ncompared;	/* pairs compared */
	/* When set (msc_fetch_tf), counts are fetched as first needed. */
	uint32_t (*tf_fetch)(void *arg, size_t k, const char *v, size_t n);
	void	*tf_arg;
	int	 keep_full;	/* compare full_name always (for u) */
	int	 threads;	/* threads batches of pairs may use (1) */
	int	 copy;		/* a copy (msc_copy): shares all but cache */
};

/*
 * Set up for cfg and ms: the model's fields and levels from the
 * comparisons (m geometric, u uniform, tf on level 0 where asked).
 */
void	msc_init(struct msc *, const struct mcfg *, const struct mset *);
void	msc_release(struct msc *);

/*
 * dst: a scorer for another thread, sharing src's configuration,
 * records, model and counts, with a cache of levels of its own.  What
 * it shares must not change while it is in use; counts fetched as first
 * needed (msc_fetch_tf) write to src, so with them src is used alone
 * (msc_threads).  Released with msc_release, which frees only the cache.
 */
void	msc_copy(struct msc *dst, const struct msc *src);

/*
 * The threads batches of pairs can be compared on: s->threads, or 1
 * when term frequencies are fetched as needed.
 */
int	msc_threads(const struct msc *);

/* Count term frequencies over the records of ms (MSET_FS ones). */
void	msc_count_tf(struct msc *);

/*
 * Term frequencies from elsewhere than ms (the database, when ms holds
 * only some of its records): den[k] is comparison k's number of values
 * (for the comparisons with tf), and fetch(arg, k, v, n) the count of
 * value v[0..n) in comparison k, called once per value as first needed.
 */
void	msc_fetch_tf(struct msc *, const double *den,
	    uint32_t (*fetch)(void *arg, size_t k, const char *v, size_t n),
	    void *arg);

/*
 * Whether the model's fields and levels are those of the comparisons
 * (a stored model can be reused).
 */
int	msc_model_fits(const struct msc *, const struct fs_model *);

/*
 * The comparison vector of records a and b into lev[K]; va[k], vb[k]
 * receive the value ids compared (crossed ones when crossed).  Returns
 * 1 when the names were compared crossed, else 0.
 */
int	msc_vector(struct msc *, uint32_t a, uint32_t b, int8_t *lev,
	    uint32_t *va, uint32_t *vb);

/*
 * The match weight of a vector, with the term-frequency adjustment;
 * fw[K] (may be NULL) receives each field's weight (0 when missing).
 * The frequency of a value of a
 * crossed field (first or last name) is the larger of its frequencies
 * as a first and as a last name: "martin" agreeing as a first name,
 * swapped or not, is no rarer than as a surname.
 */
double	msc_weight(const struct msc *, const int8_t *lev, const uint32_t *va,
	    double *fw);

/*
 * Whether the evidence of a and b on attr.* comparisons (identity
 * documents: a social security, passport or licence number) outweighs
 * the first names' disagreement, in the model's weights: the attr.*
 * weights' sum is positive and above the first name's negative weight.
 * The first-name veto stands aside then: a name corrupted or replaced,
 * not a household's other member, who holds other documents.  lev, va
 * and vb are scratch of K + 1 entries.
 */
int	msc_docs_outweigh(struct msc *, uint32_t a, uint32_t b, int8_t *lev,
	    uint32_t *va, uint32_t *vb);

/* Number of comparison fields record r holds (for MSET_FS). */
int	msc_nfields(const struct msc *, size_t r);

#endif
