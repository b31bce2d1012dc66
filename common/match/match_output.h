/*
 * match_output.h - what cdp-match writes on standard output: the pairs found,
 * gathered during the run and written at its end as pair lines
 * (pair_writer.h), and -P's table of the model.
 *
 * Pairs are gathered first because both kinds of links (identifiers,
 * deterministic.h; the model, pair_score.h) can propose the same pair, and the
 * output must not depend on the order they were found in: the lines
 * are sorted by the two records' rowids, one per pair, the identifier
 * rules' ahead of the model's.
 */
#ifndef CDP_MATCH_OUTPUT_H
#define CDP_MATCH_OUTPUT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "match/fellegi_sunter.h"
#include "match/match_config.h"
#include "match/pair_score.h"
#include "match/pair_writer.h"
#include "match/record_set.h"

/* A pair to write; its weight and evidence are computed when written. */
struct mout_pair {
	uint32_t a, b;		/* record indices, a < b */
	int32_t	 rule;		/* identifier index, or -1 for the model */
	double	 prob;
};

struct mout {
	struct mout_pair *pair;
	size_t	 n, cap;
	size_t	 written;	/* pair lines written */
	size_t	 written_ident;	/* of which by identifiers */
};

/* Zeroed memory is an empty struct mout. */
void	mout_release(struct mout *);

/* Gather the pair of records a < b, found by rule at probability prob. */
void	mout_add(struct mout *, uint32_t a, uint32_t b, int32_t rule,
	    double prob);

/*
 * Score the candidate pairs cand[0..n) (a << 32 | b, a < b) with sc's
 * model, on msc_threads(sc) threads, and gather those of probability
 * at least threshold.  prog (core/cli.h; may be NULL) shows the count.
 */
struct progress;
void	mout_score(struct mout *, struct msc *sc, const uint64_t *cand,
	    size_t n, double threshold, struct progress *prog);

/*
 * Write the pairs gathered, sorted, one line each, and count the lines
 * written.  sc is the trained model, which gives every pair its weight
 * and evidence, or NULL when there is none (identifier links only).
 * dbmode writes the records' rowids.  Lines are made on msc_threads(sc)
 * threads, written in order: the same bytes whatever their number.
 * Stops at the first write error, left for the caller's check of stdout.
 */
void	mout_write(struct mout *, const struct mcfg *, const struct mset *,
	    struct msc *sc, int dbmode);
/* The same into fp (cdp-stream's pairs, applied in process). */
void	mout_fwrite(struct mout *, const struct mcfg *, const struct mset *,
	    struct msc *sc, int dbmode, FILE *fp);

/* Write the stream's last line, its trailer (pair_writer.h), on stdout. */
void	mout_trailer(const struct mpair_trailer *);
void	mout_ftrailer(const struct mpair_trailer *, FILE *fp);

/*
 * The model as a table on stdout: fmt RIN_CSV or RIN_NDJSON
 * (io/record_reader.h), anything else aligned text; a last row gives lambda.
 */
void	mout_model(const struct fs_model *, int fmt);

#endif
