/*
 * job.h - the job a run of a tool did, so that a failure stays an
 * anomaly until a later success of the same job, and is not hidden by a
 * success of another: the tool, its verb, the names it was given
 * (segments, scores), its --dest and its source, as a command line
 * would say them: "cdp-ingest -s crm", "cdp-export changes vip --dest
 * mailer", "cdp-segment eval".  Files, thresholds and other options are
 * left out: a nightly run reading a new file is the same job.
 */
#ifndef CDP_STATUS_JOB_H
#define CDP_STATUS_JOB_H

#include "core/util.h"

/*
 * The job of a run of tool with the arguments args[0..nargs) (argv
 * without argv[0], as the run log keeps them) about source (NULL when
 * the run names none), into job.
 */
void	job_of(const char *tool, char *const *args, size_t nargs,
	    const char *source, struct sbuf *job);

#endif
