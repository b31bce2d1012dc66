/*
 * xlog.h - the export log: what cdp-export wrote, where, when, which
 * profiles it carried (export_item, so an erasure can name the
 * destinations to notify) and the SHA-256 of the bytes written.
 *
 * xlog_open wraps the output FILE in a stream that hashes every byte on
 * its way, so the digest is that of exactly what the reader got,
 * computed while streaming.  The caller runs the whole export in one
 * write transaction (db_begin) around xlog_begin ... xlog_end, so the
 * log never names a profile that was not in the output and a failed
 * export, rolled back, leaves no log row.
 *
 *	xlog_open(&lg, db, f);	... write to lg.out ...
 *	xlog_begin(&lg, run, "segment vip", "mailer", "csv", &why);
 *	xlog_item(&lg, profile, &why);	(per row)
 *	fclose(lg.out);		(flushes into f)
 *	xlog_end(&lg, rows, &why);	(then db_commit)
 *	xlog_release(&lg);
 */
#ifndef CDP_XLOG_H
#define CDP_XLOG_H

#include <stdio.h>
#include <sqlite3.h>

#include "hash.h"
#include "util.h"

struct xlog {
	sqlite3	*db;
	FILE	*out;		/* write here: hashed, then into real */
	FILE	*real;		/* the caller's stream, not closed here */
	struct hash digest;	/* of every byte written to out */
	long long id;		/* export_log.id, 0 before xlog_begin */
	sqlite3_stmt *item;	/* INSERT into export_item */
};

/* Wrap f; 0, or -1 (errno set). */
int	xlog_open(struct xlog *, sqlite3 *, FILE *f);
void	xlog_release(struct xlog *);

/* Insert the export_log row (complete = 0); 0 or -1 with why. */
int	xlog_begin(struct xlog *, long long run, const char *what,
	    const char *dest, const char *format, struct sbuf *why);
/* The export carries profile p (recorded once); 0 or -1 with why. */
int	xlog_item(struct xlog *, long long p, struct sbuf *why);
/*
 * After out is closed: the row count, the digest, complete = 1; 0 or
 * -1 with why.
 */
int	xlog_end(struct xlog *, long long rows, struct sbuf *why);
/*
 * Set the cursor of segment (a name) for dest to run, naming this
 * export: the changes exported so far.  0 or -1 with why.
 */
int	xlog_cursor(struct xlog *, const char *segment, const char *dest,
	    long long run, struct sbuf *why);

#endif
