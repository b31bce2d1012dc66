/*
 * status_internal.h - what anomaly.c and run_scan.c share: the helpers
 * of the checks, and the scan of the run log.  Not for other folders.
 */
#ifndef CDP_STATUS_INTERNAL_H
#define CDP_STATUS_INTERNAL_H

#include <time.h>

#include <sqlite3.h>

#include "core/util.h"

struct status;

/* The median of v[0..n), sorted in place (n is small). */
double	 st_median(double *v, size_t n);
/* s seconds as minutes, hours or days. */
void	 st_duration(struct sbuf *, double s);
/* Append an anomaly to s->an (copies its strings). */
void	 st_anomaly(struct status *, const char *kind, const char *source,
	    long long run, const char *evidence);
int	 st_has_table(sqlite3 *, const char *name);
/* A run's outcome as it stands: "interrupted" when its process died. */
const char *st_outcome(const char *outcome, long long pid);
/* The run log from its start: s->runs, s->live, failures and checks. */
int	 st_scan_runs(struct status *, struct sbuf *why);

#endif
