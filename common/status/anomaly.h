/*
 * anomaly.h - whether anything looks wrong in a store: what cdp-status
 * prints and cdp-report's overview shows, from one place.
 *
 * Everything comes from the run log every writing tool keeps
 * (store/run_log.h), the catalog (drift) and the segment tables.  An
 * anomaly always carries its evidence (the figures it was judged on),
 * so the reader can decide whether to act.  Each check compares a source
 * with its own history, not with fixed numbers:
 *
 * - failed: the last failure of a job (job.h) with no later success of
 *   the same job, nor a later cdp-status clear of it; a usage error or a
 *   run whose process is gone counts as a failure;
 * - reject_rate, volume_low, volume_high: an ingest's rejects, and its
 *   records against the trailing median of its source;
 * - identity: records waiting after a failed cdp-match | cdp-merge;
 * - bulk_load: a first load killed in bulk, its records stored without
 *   their identifiers until the next writing tool completes it;
 * - stale: a source past its next expected delivery, from its declared
 *   cadence (source.cadence, cdp-status expect) or the median interval
 *   of its history, by stale_factor times it, or for a regular source by
 *   late_margin times the largest deviation of its intervals; a source
 *   fed by a live ingest is never stale;
 * - drift: new, missing or retyped fields (integer and number are one
 *   type: a widening within numbers is no drift);
 * - segment_jump: a segment whose size jumped at its last evaluation.
 */
#ifndef CDP_STATUS_ANOMALY_H
#define CDP_STATUS_ANOMALY_H

#include <time.h>

#include <sqlite3.h>

#include "core/util.h"

/* Thresholds, settable by name (status_threshold). */
enum { ST_REJECT, ST_LOW, ST_HIGH, ST_WINDOW, ST_HISTORY, ST_STALE,
    ST_SEGJUMP, ST_SEGMIN, ST_LIVE, ST_LATE, ST_GAP, ST_N };

struct st_anomaly {
	char	*kind;		/* "failed", "stale", ... */
	char	*source;	/* the source's name, or NULL */
	long long run;		/* the run it is about, or 0 */
	char	*evidence;	/* the figures, in a sentence */
};

/* A run to list: the last of each job, or every one since a date. */
struct st_run {
	long long id;
	char	*job;		/* job.h */
	char	*outcome;	/* the logged one, or interrupted or live */
};

/* A running ingest, with its rate. */
struct st_live {
	long long run;
	char	*source;
	long long rows;		/* records stored, at the last sample */
	double	 per_minute;	/* over the last minutes */
	double	 minutes;	/* the minutes the rate is over */
};

struct status {
	sqlite3	*db;
	time_t	 now;		/* the clock, or --as-of */
	const char *since;	/* ISO 8601: list and check every run since */
	double	 th[ST_N];
	struct st_anomaly *an;	/* in the order found */
	size_t	 nan;
	struct st_run *runs;	/* sorted by tool, job and id */
	size_t	 nruns;
	struct st_live *live;
	size_t	 nlive;
	struct sbuf b;		/* scratch */
};

/* Defaults for every threshold; the clock read once. */
void	status_init(struct status *, sqlite3 *, time_t now);
void	status_release(struct status *);

/* "NAME=VALUE" (blanks around '=' allowed): 0, or -1 with why. */
int	status_threshold(struct status *, const char *spec,
	    struct sbuf *why);

/* Every check: fills runs, live and an.  0, or -1 with why. */
int	status_check(struct status *, struct sbuf *why);

/* Whether the run named failed (failed, usage or interrupted). */
int	status_failed(sqlite3 *, long long run, struct sbuf *job);

/*
 * "1d", "12h", "30m", "2w": seconds in *out.  0, or -1 when it is not
 * such a period.
 */
int	status_period(const char *, long long *out);

#endif
