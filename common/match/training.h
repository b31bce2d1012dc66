/*
 * training.h - training the Fellegi-Sunter model of cdp-match without
 * labels, as Splink does.
 *
 *  1. u: comparison vectors of random record pairs (a fixed-seed
 *     splitmix64 stream, so a run is reproducible), nearly all
 *     non-matches: fs_estimate_u.
 *  2. m: for each blocking rule, EM (fs_em, u fixed) on a sample of the
 *     rule's candidate pairs with the fields the rule blocks on masked
 *     (every pair agrees on them, so they would say nothing about m and
 *     bias lambda); each field's m is the mean over the rules that did
 *     not block on it.
 *  3. lambda, the prior that two random records match, which makes the
 *     weights of all fields (blocked ones included) coherent posterior
 *     probabilities: each rule's EM says which share of its pairs match;
 *     divided by the rule's recall (the share of matches its key finds,
 *     measured on the other rules' pairs weighted by their posterior)
 *     this estimates the number of matching pairs in the data; the
 *     median over the rules, over the number of record pairs, is lambda.
 */
#ifndef CDP_TRAINING_H
#define CDP_TRAINING_H

#include <stddef.h>
#include <stdint.h>

#include <sqlite3.h>

#include "match/blocking.h"
#include "match/pair_score.h"

struct mtr_rule {
	size_t	 pairs;		/* candidate pairs of the rule */
	size_t	 sampled;	/* pairs EM saw */
	int	 iterations;	/* EM iterations */
	double	 lambda;	/* share of the rule's pairs that match */
	double	 recall;	/* share of all matches the rule finds */
};

struct mtr_stats {
	size_t	 records;	/* records the model applies to */
	size_t	 random_pairs;	/* pairs drawn for u */
	struct mtr_rule *rule;	/* per blocking rule */
	size_t	 nrule;
	double	 matches;	/* estimated matching pairs */
	double	 lambda;
};

/*
 * Train s->fm on the MSET_FS records of s->ms with the rules of bk.
 * Returns 0, or -1 when there is nothing to train on (fewer than two
 * records, or no candidate pair), the model then left untrained.
 * st->rule is allocated; release with mtr_stats_release.
 */
int	mtr_train(struct msc *, struct blk *, struct mtr_stats *);
void	mtr_stats_release(struct mtr_stats *);

/*
 * The model stored in the database (table model, name 'fs'): 0, or -1
 * with the reason in why (none stored, or it does not parse).
 */
int	mtr_model_load(sqlite3 *, struct fs_model *, struct sbuf *why);

/* Store fm as trained by run, in a transaction of its own; 0 or -1. */
int	mtr_model_store(sqlite3 *, const struct fs_model *, long long run,
	    struct sbuf *why);

/* splitmix64: the one PRNG of cdp-match. */
uint64_t mtr_rand(uint64_t *state);

#endif
