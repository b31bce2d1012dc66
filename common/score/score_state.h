/*
 * score_state.h - the indicators of every profile kept between runs of
 * cdp-score (table score_state), so that a run at the same as-of date
 * reads the events of the profiles touched since the last run, not the
 * events of the whole store (score_state.c).
 *
 * Only what a profile's own events give is kept (struct score_prof up
 * to zbar); RFM quintiles and the CLV fit depend on every profile and
 * are computed again from the kept and recomputed indicators, in
 * memory, exactly as score_compute does, so the values are those of a
 * whole run.
 *
 * A profile is touched since run R when cdp-merge changed it
 * (profile.updated_run > R) or one of its records was stored again
 * (record.run > R); a profile that is gone is dropped.  The state is
 * not used (the run reads everything) when it was kept at another
 * as-of date, or when a tool that removes records without a trace on
 * the profiles (cdp-privacy, cdp-catalog) or any tool but the nightly
 * ones ran since R.
 *
 * Functions return 0, or -1 with the message in why.
 */
#ifndef CDP_SCORE_STATE_H
#define CDP_SCORE_STATE_H

#include <stddef.h>
#include <sqlite3.h>

#include "core/util.h"
#include "score/score.h"

/*
 * The run after which the stored state may be used at the as-of day of
 * opts: *since is that run's id, or 0 when the state cannot be used
 * (none, another as-of date, a tool that leaves no trace ran since).
 */
int	score_state_since(sqlite3 *, const struct score_opts *,
	    long long *since, struct sbuf *why);

/*
 * The profiles touched after run since, ascending and distinct, into
 * *ids (the caller frees it) and *n.
 */
int	score_touched(sqlite3 *, long long since, long long **ids, size_t *n,
	    struct sbuf *why);

/*
 * score_compute, reading the events of the profiles touched[0..n)
 * (ascending) only and the indicators of the others from score_state:
 * the same values as score_compute when the state may be used
 * (score_state_since) and touched holds at least the profiles touched
 * since.  A profile with no stored state counts as touched.
 */
int	score_compute_touched(sqlite3 *, const struct score_opts *,
	    const long long *touched, size_t n, struct score_data *,
	    struct sbuf *why);

/*
 * Keep the indicators of sd as the state of run at sd's as-of date,
 * inside the caller's transaction: every profile after score_compute,
 * the profiles recomputed (sd->fresh) after score_compute_touched, and
 * the profiles that are gone (sd->gone) removed.
 */
int	score_state_save(sqlite3 *, const struct score_data *, long long run,
	    struct sbuf *why);

/*
 * After score_compute_touched: the profiles whose own values may have
 * changed, those recomputed (sd->fresh) and those gone (sd->gone),
 * ascending, into *ids (the caller frees it); their number.
 */
size_t	score_state_changed(const struct score_data *, long long **ids);

/*
 * Whether the run that kept the state (or a later one) stored the score
 * name for every profile: only then are the stored values of a profile
 * that was not recomputed its values.  *yes 1 or 0.
 */
int	score_state_stored(sqlite3 *, const char *name, int *yes,
	    struct sbuf *why);

/*
 * For score_compute_touched: the stored state of the profiles of sd
 * (sd->id, sd->p allocated) into sd->p, sd->fresh[i] set for a profile
 * without one, the state's profiles that are gone into sd->gone.
 */
int	score_state_read(sqlite3 *, struct score_data *, struct sbuf *why);

#endif
