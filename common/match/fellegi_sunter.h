/*
 * fellegi_sunter.h - the Fellegi-Sunter record linkage model, trained without
 * labels.
 *
 * A candidate pair of records is described by a comparison vector: for
 * each of K fields, the level its two values reach (comparators.h), or -1
 * when either is missing.  For every field and level the model holds
 *
 *	m = P(level | the records are the same person)
 *	u = P(level | they are not)
 *
 * and the pair's match weight is the sum over its non-missing fields of
 * log2(m / u), a log2 Bayes factor.  With lambda, the prior probability
 * that a candidate pair matches, the weight gives the posterior match
 * probability.
 *
 * Training follows Splink: u is counted on random record pairs (nearly
 * all non-matches), then m and lambda are fitted by expectation-
 * maximisation on the candidate pairs with u held fixed.  Both work on
 * distinct comparison patterns with counts (fs_collapse), so millions of
 * pairs cost a few hundred patterns per iteration.
 *
 * A term-frequency adjustment rewards agreement on rare values: an exact
 * match on "zoltan" says more than one on "martin".  For such a field
 * the u of the adjusted level is replaced, pair by pair, by the value's
 * relative frequency among the records.
 *
 * No function prints or exits; errors are returned as -1.
 */
#ifndef CDP_FELLEGI_SUNTER_H
#define CDP_FELLEGI_SUNTER_H

#include <stddef.h>
#include <stdint.h>

#include "core/util.h"

#define FS_MAXLEVEL	16	/* levels per field, as CMP_MAXLEVEL */
#define FS_NAMELEN	64	/* field and level names, with the NUL */

/* Defaults set by fs_model_init. */
#define FS_FLOOR	1e-6	/* least m or u of any level */
#define FS_TF_FLOOR	1e-6	/* least term frequency used */
#define FS_LAMBDA	0.01	/* starting prior for EM */

struct fs_field {
	char	 name[FS_NAMELEN];
	int	 nlevels;			/* 1..FS_MAXLEVEL */
	char	 level_name[FS_MAXLEVEL][FS_NAMELEN];
	double	 m[FS_MAXLEVEL];		/* sums to 1 over the levels */
	double	 u[FS_MAXLEVEL];		/* sums to 1 over the levels */
	double	 weight[FS_MAXLEVEL];		/* log2(m / u); fs_model_update */
	int	 tf_level;			/* level adjusted by term
						   frequency, -1 for none */
};

struct fs_model {
	size_t		 nfields;
	struct fs_field	*field;		/* nfields of them */
	double		 lambda;	/* prior P(match) of a candidate pair */
	double		 floor;		/* least m or u a level may hold */
	double		 tf_floor;	/* least term frequency used */
};

/*
 * Allocate nfields fields, unnamed, with no levels; lambda, floor and
 * tf_floor take the defaults above.  Release with fs_model_release.
 */
void	fs_model_init(struct fs_model *, size_t nfields);
void	fs_model_release(struct fs_model *);

/*
 * Name field k and its nlevels levels (names copied; each shorter than
 * FS_NAMELEN).  m starts geometric, favouring the first (strongest)
 * level: m_l proportional to 4^-l, the usual EM starting point; u starts
 * uniform; no term-frequency level.  Returns 0, or -1 when k or nlevels
 * is out of range or a name too long.
 */
int	fs_field_set(struct fs_model *, size_t k, const char *name,
	    int nlevels, const char *const *level_names);

/* Recompute every weight from m and u after changing them by hand. */
void	fs_model_update(struct fs_model *);

/*
 * Match weight of a comparison vector (levels[k] in -1..nlevels-1 for
 * each field): the sum of the fields' log2 Bayes factors, missing fields
 * counting 0.  The prior is not included; see fs_prob.
 */
double	fs_weight(const struct fs_model *, const int8_t *levels);

/*
 * The term-frequency adjusted weight of level `level` of field k for a
 * value of relative frequency tf (occurrences / non-missing records):
 * log2(m / max(tf, tf_floor)).  Splink's exact-match tf adjustment.
 */
double	fs_tf_weight(const struct fs_model *, size_t k, int level, double tf);

/*
 * fs_weight with term frequencies: for field k, when levels[k] is the
 * field's tf_level and tf[k] > 0, fs_tf_weight replaces the level's
 * weight.  tf may be NULL (no adjustment).
 */
double	fs_weight_tf(const struct fs_model *, const int8_t *levels,
	    const double *tf);

/* log2(lambda / (1 - lambda)): the prior expressed as a weight. */
double	fs_prior_weight(double lambda);

/*
 * Posterior match probability of a pair of weight w under prior lambda:
 * 1 / (1 + (1 - lambda) / lambda * 2^-w).  Stable for any w.
 */
double	fs_prob(double w, double lambda);

/*
 * Collapse comparison vectors to distinct patterns.  vec holds n rows of
 * nfields levels; count[i] is row i's count (1 for a fresh pair).  On
 * return the first r rows (r returned) are the distinct patterns, sorted,
 * each with the sum of its counts.  Collapsing an already collapsed
 * buffer with new rows appended is how a caller keeps memory bounded
 * while streaming millions of pairs.
 */
size_t	fs_collapse(int8_t *vec, uint64_t *count, size_t n, size_t nfields);

/*
 * Estimate u from comparison vectors of random record pairs (n rows of
 * nfields levels; count NULL means 1 each): per field, each level's
 * share among the non-missing comparisons, floored at model->floor and
 * renormalised.  A field with no non-missing comparison keeps its u.
 * Updates the weights.  Returns 0, or -1 (EINVAL) when a level is out of
 * range.
 */
int	fs_estimate_u(struct fs_model *, const int8_t *vec,
	    const uint64_t *count, size_t n);

struct fs_em_opts {
	int	 max_iter;	/* iteration cap; 0 means 100 */
	double	 tol;		/* stop when no m, u or lambda moves more;
				   0 means 1e-6 */
	int	 fit_u;		/* also re-estimate u (classic EM); Splink
				   and the default keep u fixed */
};

struct fs_em_stats {
	int	 iterations;	/* iterations run */
	int	 converged;	/* 1 when the last change was below tol */
	double	 delta;		/* largest parameter change, last iteration */
	double	 loglik;	/* log-likelihood (nats) before the last
				   M step */
};

/*
 * Fit m and lambda by EM on candidate pairs' comparison vectors (n rows
 * of nfields levels, count NULL meaning 1 each), starting from the
 * model's current m, u and lambda.  Missing fields are skipped: they
 * weigh on neither side.  A level never observed among the matches
 * gets model->floor, not 0; a field never observed keeps its m.  opts
 * and stats may be NULL.  Updates the weights.  Returns 0, or -1
 * (EINVAL) on a level out of range or no pairs at all.
 */
int	fs_em(struct fs_model *, const int8_t *vec, const uint64_t *count,
	    size_t n, const struct fs_em_opts *opts, struct fs_em_stats *stats);

/*
 * Append the model to out as one JSON object, numbers with %.17g so
 * that they read back exactly:
 *
 *   {"lambda":L,"floor":F,"tf_floor":T,"fields":[{"name":"first_name",
 *    "tf_level":0,"levels":[{"name":"exact","m":M,"u":U,"weight":W},
 *    ...]},...]}
 */
void	fs_model_to_json(const struct fs_model *, struct sbuf *out);

/*
 * Initialise model from JSON text (NUL-terminated) written by
 * fs_model_to_json; "weight" is recomputed, not read, and "floor" and
 * "tf_floor" are optional.  Returns 0, or -1 with a message in
 * err[0..errlen) and the model left empty (fs_model_release is still
 * safe).
 */
int	fs_model_from_json(struct fs_model *, const char *json, char *err,
	    size_t errlen);

#endif
