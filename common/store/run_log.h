/*
 * run_log.h - the run log: every run of a tool that writes is recorded in
 * the run table (tool, arguments, start, end, counts, outcome) so that
 * cdp-status and a person can see what happened last night.
 *
 * run_begin inserts the row at once, outcome "running", in its own
 * transaction: a run killed half-way stays visible as "running" with a
 * pid that no longer exists.  run_end fills in the end time, duration,
 * counts and the outcome ("ok", "rejects", "failed").
 */
#ifndef CDP_RUN_LOG_H
#define CDP_RUN_LOG_H

#include <sqlite3.h>

#include "core/util.h"

struct run {
	sqlite3	*db;
	long long id;		/* run.id, 0 before run_begin */
	double	 t0;		/* monotonic start time */
	long long source_id;	/* 0 when the run is not about one source */
	long long rows_in;	/* records read */
	long long rows_ok;	/* records stored (inserted+updated+unchanged) */
	long long rejected;	/* records rejected */
	long long inserted;
	long long updated;
	long long unchanged;
	long long warnings;	/* field values that failed validation */
	long long suppressed;	/* records refused: an erased identifier */
	double	 sampled;	/* monotonic time of the last run_progress row */
};

/*
 * Record the start of a run of tool with its arguments (stored as a
 * JSON array).  0, or -1 with the message in why.
 */
int	run_begin(struct run *, sqlite3 *, const char *tool, int argc,
	    char **argv, long long source_id, struct sbuf *why);

/* Record the end; outcome is "ok", "rejects" or "failed". */
int	run_end(struct run *, const char *outcome, const char *message,
	    struct sbuf *why);

/*
 * Inside the writer's transaction: rows records stored so far.  About
 * once a minute (and at the first call) this becomes a run_progress row
 * and the run's counts, so that cdp-status shows a running stream with
 * its rate instead of "running 0 0"; rows older than a quarter of an hour
 * are dropped, and run_end drops the rest.  0, or -1 with why.
 */
int	run_progress(struct run *, long long rows, struct sbuf *why);

/*
 * Record a usage error of this run, if it happens: argv as main got it
 * (kept, not copied).  The hook (core/util.h: usage_hook) writes a run
 * of outcome "usage" with the message into the store named by -d or
 * $CDP_DB, when it exists (a usage error never creates one).  Words
 * that may name a person (with an '@', a subject of cdp-privacy or of
 * cdp-export profile) are logged as "(subject)".
 */
void	run_log_usage(int argc, char **argv);

#endif
