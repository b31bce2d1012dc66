/*
 * source_delete.h - deleting a source's records with the care of an
 * erasure (cdp-catalog delete): everything the source brought goes, the
 * profiles it alone made go with their segment exits recorded as
 * changes, and the profiles it shared with other sources are
 * re-resolved from the links left (prof_recluster), so that a record
 * that only this source's record tied to the others becomes a profile
 * of its own again.  The source's row and its runs stay: the run log
 * keeps what happened, never whom it was about.
 *
 * It lives in merge/ because re-resolving profiles is merge's; it is
 * erase's sibling (cdp-privacy), for a source rather than a person.
 */
#ifndef CDP_SOURCE_DELETE_H
#define CDP_SOURCE_DELETE_H

#include <sqlite3.h>

#include "core/util.h"
#include "merge/golden_record.h"

/* What a deletion removes or changes (the plan, then what was done). */
struct sd_counts {
	long long records;	/* records of the source, events included */
	long long idents;	/* their identifiers */
	long long consents;	/* their consent statements */
	long long history;	/* their earlier versions (record_history) */
	long long links;	/* links and never-links to them */
	long long rejects;	/* rejected lines of the source */
	long long removed;	/* profiles left without records: removed */
	long long resolved;	/* profiles kept and re-resolved */
	long long exits;	/* segment memberships ended (exit changes) */
};

/*
 * Plan the deletion of source source_id: temporary tables of its
 * records and the profiles they touch, and the counts.  Read-only; 0, or
 * -1 with the reason in why.
 */
int	sd_plan(sqlite3 *, long long source_id, struct sd_counts *,
	    struct sbuf *why);

/*
 * The rows that hang off the records of temp table s_rec, and the
 * records, deleted in the caller's transaction: identifiers, earlier
 * versions, links and never-links, memberships, cdp-match's keys (its
 * term counts are rebuilt by the next cdp-match); the segment
 * memberships of temp table s_exit (segment, profile), the segments'
 * sizes counted down.  The part cdp-catalog delete (sd_apply) and
 * cdp-privacy erase share.  0, or -1 with why.
 */
int	sd_forget_records(sqlite3 *, struct sbuf *why);

/*
 * Carry out the plan, in the caller's transaction, as run: the rows
 * deleted with secure_delete on, an exit change for each segment a
 * removed profile was in, the other profiles re-clustered and their
 * golden records rebuilt with rules g.  0, or -1 with the reason in why.
 */
int	sd_apply(sqlite3 *, long long source_id, long long run,
	    struct golden *g, struct sd_counts *, struct sbuf *why);

#endif
