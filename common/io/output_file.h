/*
 * output_file.h - where -o writes, as other Unix tools do.
 *
 * A regular file, or a name that does not exist yet, is written under a
 * temporary name beside it (mode 0600: it holds personal data), flushed
 * to disk with fsync and renamed into place once complete, the
 * directory synced after the rename: a reader sees the old file or the
 * whole new one, and once of_commit returns the new one survives a
 * crash.  The temporary ("path.cdp-tmpPID") is removed on failure, at
 * exit too (die); those of writers killed before their rename, in the
 * same directory whatever file they were for (that process gone, the
 * file ours), are removed first.  A symbolic
 * link is written through: its target is replaced the same way, the
 * link itself is kept (a link to nothing is refused).
 * A device, a FIFO or a socket is opened and written in place, never
 * replaced: -o /dev/null stays the null device.  A directory is refused.
 *
 *	struct ofile of;
 *
 *	if (of_open(&of, "x.csv", &why) == -1) die(...);
 *	... write to of.f ...
 *	if (of_commit(&of, &why) == -1) ...	(or of_abort(&of))
 */
#ifndef CDP_OUTPUT_FILE_H
#define CDP_OUTPUT_FILE_H

#include <stdio.h>

#include "core/util.h"

struct ofile {
	FILE	*f;		/* write here */
	char	*path;		/* the file replaced: a link's target */
	char	*tmp;		/* the temporary name; NULL when in place */
	int	 existed;	/* path was an existing regular file */
};

/* Open for writing as above; 0, or -1 with why ("path: reason"). */
int	of_open(struct ofile *, const char *path, struct sbuf *why);
/*
 * Flush, fsync, close and (for a temporary) rename into place and sync
 * the directory; 0, or -1 with why (the temporary is then removed).
 * of is released either way.
 */
int	of_commit(struct ofile *, struct sbuf *why);
/* Close without delivering: the temporary is removed; of released. */
void	of_abort(struct ofile *);

#endif
