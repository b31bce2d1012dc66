/*
 * kept_files.h - the files cdp-run keeps (spool, rejects, exports, logs,
 * report) and their rewriting when a person is erased.
 *
 * cdp-run(1) keeps what it ingested in SPOOL/SOURCE/done/, rejected
 * records in SPOOL/SOURCE/rejects/, exports in its exports folder, a
 * log per run and the pages of cdp-report(1) in its report folder, each
 * for its retention window.  An erasure must reach them too: every
 * record of those files that holds the person (a token of
 * privacy/person_tokens.h) is taken out, the file rewritten under a
 * temporary name (mode 0600) and renamed over the old one; a file left
 * with no record is deleted.  A record is a line of NDJSON (a file whose
 * first byte is '{' or '['), or of any other file a line and the lines
 * after it while a CSV quoted field is open.
 */
#ifndef CDP_KEPT_FILES_H
#define CDP_KEPT_FILES_H

#include "core/util.h"
#include "privacy/person_tokens.h"

/* The folders cdp-run keeps files in, from its configuration file. */
struct kept_dirs {
	char	*spool;		/* "spool", default ./spool */
	char	*log;		/* "log", default ./log */
	char	*exports;	/* "exports", default ./exports */
	char	*report;	/* "report", default ./report */
};

/*
 * Read cdp-run's configuration conf (cdp-run(1): "KEY VALUE" lines, #
 * comments; other keys ignored).  0, or -1 with why.
 */
int	kept_dirs_read(struct kept_dirs *, const char *conf, struct sbuf *why);
void	kept_dirs_release(struct kept_dirs *);

/* Called for each file changed: removed records, and whether deleted. */
typedef void kept_report(void *arg, const char *path, long removed,
    int deleted);

/*
 * Tokens that hold only in some files (a source's record ids, in its own
 * spool folder): those for path, or NULL.
 */
typedef struct ptok *kept_own(void *arg, const char *path);

/*
 * One regular file (never through a symbolic link, never a device or a
 * FIFO: an error) without its records that hold a token of t or own
 * (may be NULL): *removed records taken out (or that would be, with
 * dry), *deleted when none was left and the file removed.  0, or -1
 * with why.
 */
int	kept_scrub_file(struct ptok *t, struct ptok *own, const char *path,
	    int dry, long *removed, int *deleted, struct sbuf *why);

/* Whether a record (len bytes, not NUL-terminated) is to go. */
typedef int kept_holds(void *arg, const char *rec, size_t len);

/*
 * kept_scrub_file, with the records that holds() says are to go:
 * those that hold an identifier on the suppression list, say, in a
 * file cdp-run keeps after an ingest that refused them.
 */
int	kept_scrub_file_by(kept_holds *holds, void *arg, const char *path,
	    int dry, long *removed, int *deleted, struct sbuf *why);

/*
 * Take every record holding a token (of t, or of own's for the file)
 * out of the regular files under dir (a folder that does not exist
 * holds nothing).  dry: only report.  own may be NULL.  The number of
 * files changed (or that would be), or -1 with why.
 */
long	kept_scrub(struct ptok *t, kept_own *own, const char *dir, int dry,
	    kept_report *, void *arg, struct sbuf *why);

/* Whether a file is the person's whatever it holds (their own page). */
typedef int kept_mine(void *arg, const char *path);

/*
 * Delete (unless dry) every regular file under dir that holds a token
 * of t or that mine (may be NULL) says is the person's: the pages of
 * cdp-report(1), HTML that has no records to take out one by one.
 * rep is called with removed -1 and deleted 1.  The number of files
 * deleted (or that would be), or -1 with why.
 */
long	kept_remove(struct ptok *t, kept_mine *mine, const char *dir, int dry,
	    kept_report *rep, void *arg, struct sbuf *why);

#endif
