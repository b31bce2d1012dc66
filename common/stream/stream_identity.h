/*
 * stream_identity.h - cdp-stream's identity resolution, in its own
 * process: cdp-match's incremental run and cdp-merge's apply, made by
 * the same library code, with no child process and no pipe.
 *
 * The configuration (cdp-match's default one, the stored merge
 * configuration) is read once at the start; each pass then loads the
 * unresolved records and only the records they can meet, through the
 * keys cdp-match stores (match/stored_keys.h: the blocking and
 * identifier index kept in the store), scores the candidate pairs with
 * the stored model (match/training.h), and applies the pairs through the
 * merge library (merge/clustering.h mg_apply: the same guards, merges,
 * merge_log rows and golden records as cdp-merge).  The pairs reach the
 * merge as they would through the pipe, trailer included, written to an
 * anonymous memory file: cdp-merge's reader checks them as it checks
 * cdp-match's output.  Each pass is logged as one cdp-match run and one
 * cdp-merge run, as the batch logs them.
 *
 * A pass loads every record, as cdp-match does, when the stored keys do
 * not fit the configuration, or there is no stored model (it trains one
 * when the records allow, and stores it); after a full pass that found
 * too little data to train, the next ones are incremental with
 * identifier links only, until the first pass of another day, which
 * tries again.  After a pass, the records to compare are looked for
 * above its watermark only (mkey_load_since, and mg_opts.since for the
 * merge), not by a scan of the record table; a whole pass (the timer's)
 * scans.
 *
 * Functions return 0, or -1 with the reason in why.
 */
#ifndef CDP_STREAM_IDENTITY_H
#define CDP_STREAM_IDENTITY_H

#include <sqlite3.h>

#include "core/util.h"
#include "match/match_config.h"

struct sid {
	sqlite3	*db;
	struct mcfg cfg;	/* cdp-match's default configuration */
	char	*mergeconf;	/* the stored merge configuration, or NULL */
	int	 untrainable;	/* the last full pass could not train */
	char	 tried[11];	/* on that day (YYYY-MM-DD) */
	long long wm_rowid;	/* the last pass's watermark: nothing */
	long long wm_run;	/* unresolved at or below (0: not known) */
	int	 argc;		/* the command line, for the run log */
	char	**argv;
};

struct sid_stats {
	long long records;	/* records loaded */
	long long compared;	/* of which unresolved */
	long long pairs;	/* pairs written */
	long long created;	/* profiles created */
	long long merged;	/* profiles merged into another */
	long long added;	/* records that joined a profile */
	int	 full;		/* every record was loaded */
	double	 t_match, t_merge;	/* seconds */
};

int	sid_open(struct sid *, sqlite3 *, int argc, char **argv,
	    struct sbuf *why);
void	sid_close(struct sid *);

/*
 * Resolve the unresolved records: pairs found as cdp-match's
 * incremental run finds them, applied as cdp-merge applies them.
 * whole: look for them over the whole record table, not above the last
 * pass's watermark; day: the pass's as-of date (YYYY-MM-DD).
 */
int	sid_resolve(struct sid *, int whole, const char *day,
	    struct sid_stats *, struct sbuf *why);

#endif
