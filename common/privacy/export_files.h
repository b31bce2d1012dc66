/*
 * export_files.h - the files users wrote with cdp-export -o, as
 * export_log.path records them, and their rewriting when a person is
 * erased.
 *
 * A file outside cdp-run's folders is the user's: cdp-privacy rewrites
 * it only when it is still the file cdp-export wrote, its SHA-256 that
 * of the last export to the path (export_log.sha256).  A file changed
 * since (edited, appended to, another program's file under that name)
 * is listed and left alone, as are a path that is no longer a regular
 * file (a device, a FIFO, a directory: never opened) and one that
 * cannot be written.  A symbolic link is followed to a regular file,
 * which the digest vouches for.  A path gone is listed when an export
 * to it carried the person: it was moved or deleted, and who holds it
 * now is for the user to find out.  A rewritten file's digest replaces
 * the logged one, so a later erasure, and cdp-export changes, still know
 * it for the export.
 */
#ifndef CDP_EXPORT_FILES_H
#define CDP_EXPORT_FILES_H

#include <sqlite3.h>

#include "core/util.h"
#include "privacy/person_tokens.h"

/* What became of one recorded file. */
enum xfile_state {
	XF_REWRITTEN,		/* the person's records removed */
	XF_DELETED,		/* it held nothing else: removed */
	XF_HOLDS,		/* dry run: would be rewritten */
	XF_MISSING,		/* gone: moved or deleted */
	XF_NOT_REGULAR,		/* a device, FIFO, directory: not read */
	XF_CHANGED,		/* changed since its export: not rewritten */
	XF_NOT_WRITABLE,	/* not rewritten: no permission */
	XF_UNREADABLE		/* could not be read */
};

/*
 * Called for each file listed: its state, the records that hold the
 * person (removed or not), and the last export to it.
 */
typedef void xfile_report(void *arg, const char *path, enum xfile_state,
    long records, long long export);

/*
 * Go through every path of export_log (complete exports) except those
 * under skipdir (cdp-run's exports folder, rewritten with its kept
 * files; may be NULL).  included is an SQL query of the export ids
 * that carried the person (a constant of the caller: "SELECT export
 * FROM ..."): only their missing or unreadable paths are listed, since
 * any other file is searched for the person anyway.  dry: only report.
 * *left counts the files that still hold the person (changed, not
 * writable, unreadable).  The number of files rewritten or deleted (or
 * that would be), or -1 with why.
 */
long	priv_export_files(sqlite3 *, struct ptok *t, const char *included,
	    const char *skipdir, int dry, xfile_report *, void *arg,
	    long *left, struct sbuf *why);

/*
 * A file erasure rewrote elsewhere (cdp-run's exports folder, through
 * privacy/kept_files.h): the last complete export to it (by path as
 * given or as resolved) takes its new SHA-256, so that a later erasure
 * and cdp-export changes still know it for the export.  0 (also when no
 * export names it), or -1 with why.
 */
int	priv_export_redigest(sqlite3 *, const char *path, struct sbuf *why);

/*
 * Note that erasure rewrote or deleted the file at path: the temporary
 * table s_touched (path TEXT PRIMARY KEY, created when missing) gets
 * the path as given and as resolved (its folder's real path and its
 * name, for a file deleted), the forms export_log.path may have.  0 or
 * -1 with why.
 */
int	priv_export_touched(sqlite3 *, const char *path, struct sbuf *why);

#endif
