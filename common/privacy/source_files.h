/*
 * source_files.h - the files cdp-run keeps for one source, for
 * cdp-catalog delete: SPOOL/SOURCE/done/ (the files ingested) and
 * SPOOL/SOURCE/rejects/ (their rejected records) go with the source's
 * records; SPOOL/SOURCE/incoming/ and failed/ are files not ingested,
 * which are counted for a warning and left alone (cdp-run would ingest
 * them again: the user decides).
 */
#ifndef CDP_SOURCE_FILES_H
#define CDP_SOURCE_FILES_H

#include "core/util.h"

/*
 * The regular files of SPOOL/SOURCE/done and SPOOL/SOURCE/rejects (links
 * are not followed, nor counted); with del, each is deleted.  fn (may be
 * NULL) is called with each path.  The number of files, or -1 with why
 * (a source name that is no folder name, an unreadable folder; a folder
 * that does not exist holds nothing).
 */
long	sf_kept(const char *spool, const char *source, int del,
	    void (*fn)(void *, const char *), void *arg, struct sbuf *why);

/* The regular files waiting in SPOOL/SOURCE/incoming and failed, or -1. */
long	sf_waiting(const char *spool, const char *source, struct sbuf *why);

#endif
