/*
 * stream.h - the state of cdp-stream in the store: its cursor, its
 * outbox of changes, and one evaluation of every segment that fills the
 * outbox (stream.c).
 *
 * An evaluation writes, in one transaction, the segments' new members
 * (as cdp-segment eval does), one outbox row per change with the next
 * sequence number, and the cursor of the records it has evaluated: a
 * crash before the commit loses nothing, after it loses nothing either.
 * The outbox is then written out in sequence order and the cursor of the
 * last change written out advanced (stream_ack): a change is lost by no
 * crash, and repeated only by one between its writing and that ack.
 *
 * The cursor is rows of the state table ("cdp-stream.record",
 * "cdp-stream.sent", and "cdp-stream.batch" for the evaluations of
 * cdp-segment, whose changes are copied too; "cdp-stream.mlog", the
 * last merge_log row evaluated, and "cdp-stream.whole", what the last
 * evaluation of every profile was of, for the evaluations of the
 * touched profiles only); the outbox, stream_change, is created here when
 * missing, so that the store's schema version does not move.
 *
 * Functions return 0 (or a count), or -1 with the message in why.
 */
#ifndef CDP_STREAM_H
#define CDP_STREAM_H

#include <stddef.h>
#include <sqlite3.h>

#include "core/util.h"

struct stream {
	sqlite3	*db;
	long long record;	/* the last record id evaluated */
	long long sent;		/* the last change written out (seq) */
	long long mlog;		/* the last merge_log row evaluated */
	char	*whole;		/* the as-of date and the segments (ids,
				   definitions) of the last evaluation of
				   every profile; NULL before the first */
	sqlite3_stmt *last;	/* the last record id now */
	sqlite3_stmt *next;	/* changes after sent, in seq order */
	sqlite3_stmt *ack;	/* writes the cursor */
};

/* Create the outbox if missing, read the cursor, prepare. */
int	stream_open(struct stream *, sqlite3 *, struct sbuf *why);
void	stream_close(struct stream *);

/* The highest record id in the store now, into *id (0 when empty). */
int	stream_last_record(struct stream *, long long *id, struct sbuf *why);

/*
 * Copy to the outbox the changes of the cdp-segment evaluations ended
 * since the last call (once each; none from before the first
 * stream_open), evaluate every segment at asof ("YYYY-MM-DD") as run,
 * then record its changes in the outbox, each with the new record of its profile that
 * caused it when there is one (a record after the cursor, or one of the
 * profile it was merged into), and set the record cursor to upto.  The
 * number of changes, or -1 (nothing written).
 *
 * The evaluation is of the touched profiles only (those of the records
 * after the cursor up to upto, and both ends of the merge_log rows
 * since the last evaluation: a merge, a split), unless whole is set or
 * the segments or the as-of date differ from the last evaluation of
 * every profile, or cdp-score or cdp-privacy ran since the last pass:
 * then of every profile.  *nprof (when not NULL) is the number of
 * touched profiles evaluated, or -1 for every profile.  A record
 * changed in place waits for the next evaluation of every profile.
 */
long long stream_eval(struct stream *, long long run, const char *asof,
	    long long upto, int whole, long long *nprof, struct sbuf *why);

/*
 * Each change after the sent cursor, in sequence order, as one NDJSON
 * object without its newline, passed to fn with its sequence number; a
 * non-zero return from fn stops the walk and is returned.  The cursor
 * does not move: stream_ack does.
 */
int	stream_each(struct stream *, int (*fn)(void *arg, long long seq,
	    const char *line, size_t len), void *arg, struct sbuf *why);

/* Record that the changes up to seq are written out. */
int	stream_ack(struct stream *, long long seq, struct sbuf *why);

#endif
