/*
 * export_log.h - the export log: what cdp-export wrote, where, when, which
 * profiles it carried (export_item, so an erasure can name the
 * destinations to notify) and the SHA-256 of the bytes written.
 *
 * xlog_open wraps the output FILE in a stream that hashes every byte on
 * its way, so the digest is that of exactly what the reader got,
 * computed while streaming.  The log is written on the write
 * connection db, in one write transaction (db_begin, by the caller)
 * around xlog_begin ... xlog_end, so the log never names a profile that
 * was not in the output and a failed export, rolled back, leaves no log
 * row.  The caller reads the rows it exports on a second connection,
 * in a read transaction begun after db_begin: no other writer can
 * commit while the write lock is held, so its snapshot is the one the
 * log is written against.
 *
 * A helper thread owns db from xlog_begin to xlog_end and does the
 * export's bookkeeping while the caller formats rows on another core:
 * it inserts the export_item rows (xlog_item only appends the profile
 * to a block of ids and hands full blocks over) and hashes and writes
 * the output (out hands it over in chunks).  A few blocks and chunks
 * are in flight at most: memory stays flat.  The caller must not use db
 * nor real in between.
 *
 *	xlog_open(&lg, db, f);
 *	db_begin(db, &why);
 *	xlog_begin(&lg, run, "segment vip", "mailer", "csv", &why);
 *	... write the rows to lg.out, xlog_item(&lg, profile, &why) ...
 *	fclose(lg.out);		(waits until f has it all, flushed)
 *	xlog_end(&lg, rows, &why);	(waits for the inserts)
 *	db_commit(db, &why);	(or, on any failure, xlog_release first)
 *	xlog_release(&lg);
 */
#ifndef CDP_EXPORT_LOG_H
#define CDP_EXPORT_LOG_H

#include <pthread.h>
#include <stdio.h>
#include <sqlite3.h>

#include "core/hash.h"
#include "core/util.h"

#define XLOG_BLOCK	8192	/* profile ids a hand-over carries */
#define XLOG_CHUNK	(1 << 18)	/* output bytes a hand-over carries */
#define XLOG_NBLOCK	3	/* per ring: one filling, two queued */

/* Blocks handed to the helper thread, oldest first (under xlog.mu). */
struct xring {
	void	*blk[XLOG_NBLOCK];
	size_t	 len[XLOG_NBLOCK];	/* items in each */
	size_t	 cap[XLOG_NBLOCK];	/* room in each */
	int	 fill;		/* the block the caller fills */
	int	 rd;		/* the next block the thread takes */
	int	 nq;		/* blocks queued, the one being done too */
};

struct xlog {
	sqlite3	*db;		/* the write connection */
	FILE	*out;		/* write here: hashed, then into real */
	FILE	*real;		/* the caller's stream, not closed here */
	struct hash digest;	/* of every byte written to out */
	long long id;		/* export_log.id, 0 before xlog_begin */
	const char *what, *dest;	/* of xlog_begin: the caller's */
	sqlite3_stmt *item;	/* INSERT of one export_item row */
	sqlite3_stmt *items;	/* INSERT of XLOG_BATCH rows */
	/* The helper thread and what it is handed, under mu. */
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	int	 running;	/* the thread was started, not joined */
	struct xring ids;	/* profile ids for export_item */
	struct xring bytes;	/* output for real */
	int	 closing;	/* no more ids: exit once all is done */
	int	 stop;		/* exit now (a failed export) */
	int	 failed;	/* an insert failed: werr says why */
	int	 oerrno;	/* a write to real failed with this errno */
	struct sbuf werr;
};

/* Wrap f; 0, or -1 (errno set). */
int	xlog_open(struct xlog *, sqlite3 *, FILE *f);
/* Stop the writer thread if still running, free everything. */
void	xlog_release(struct xlog *);

/*
 * Insert the export_log row (complete = 0) and start the writer
 * thread; 0 or -1 with why.
 */
int	xlog_begin(struct xlog *, long long run, const char *what,
	    const char *dest, const char *format, struct sbuf *why);
/*
 * The export carries profile p (recorded once); 0, or -1 with why when
 * the writer thread failed.
 */
int	xlog_item(struct xlog *, long long p, struct sbuf *why);
/*
 * After out is closed: wait for every export_item insert, then the row
 * count, the digest, complete = 1; 0 or -1 with why.  The ledger keeps
 * one export_item per profile, what and destination, the latest: the
 * rows of earlier exports of the same what to the same destination are
 * removed for the profiles this one carried, so a nightly export of
 * the same profiles does not add a row per profile per night, and
 * erasure and access still find every destination a profile went to
 * (export_log keeps a row per export).
 */
int	xlog_end(struct xlog *, long long rows, struct sbuf *why);
/*
 * After xlog_end: set the cursor of segment (a name) for dest to run,
 * naming this export: the changes exported so far.  0 or -1 with why.
 */
int	xlog_cursor(struct xlog *, const char *segment, const char *dest,
	    long long run, struct sbuf *why);

/*
 * Whether the file at path holds exactly what export (an export_log id)
 * delivered: its SHA-256 is the one logged.  1, or 0 (not, unreadable,
 * no such export).  db is any connection that can read the log.
 */
int	xlog_delivered(sqlite3 *db, long long export, const char *path);

/*
 * After xlog_end: the file the export was written to (absolute), for
 * the recipients list.  0 or -1 with why.
 */
int	xlog_path(struct xlog *, const char *path, struct sbuf *why);

#endif
