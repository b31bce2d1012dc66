/*
 * output_check.h - a reader that goes away is a failure that is said.
 *
 * By default a write to a pipe or FIFO whose reader has exited
 * (cdp-export | head -1) kills the writer with SIGPIPE, silently
 * (status 141): a run logged as begun stays "running", and nobody is
 * told.  The tools that write streams (cdp-export, cdp-match, cdp-segment
 * members, cdp-catalog, cdp-stream) call oc_ignore_sigpipe first: the
 * write then fails with EPIPE, and the tool ends its run as failed, says
 * "PROG: stdout: reader closed the pipe" (or the file's name) and exits 1.
 * The text is core's write_strerror, which check_stdout uses too.
 */
#ifndef CDP_OUTPUT_CHECK_H
#define CDP_OUTPUT_CHECK_H

#include <stdio.h>

#include "core/util.h"

/* SIGPIPE ignored: a write to a pipe without a reader fails with EPIPE. */
void	oc_ignore_sigpipe(void);
/*
 * Flush f, written under name ("stdout", a file): 0, or -1 with why
 * set to "name: reason" when a write to it failed, now or before.
 */
int	oc_check(FILE *f, const char *name, struct sbuf *why);

#endif
