/*
 * output_check.c - writes that fail, said the same way by every tool
 * that writes a stream; see output_check.h.
 */
#include <errno.h>
#include <signal.h>

#include "io/output_check.h"

void
oc_ignore_sigpipe(void)
{
	signal(SIGPIPE, SIG_IGN);
}

int
oc_check(FILE *f, const char *name, struct sbuf *why)
{
	if (fflush(f) != EOF && !ferror(f))
		return 0;
	sb_reset(why);
	/* An error kept from an earlier write: errno is still its own. */
	sb_addf(why, "%s: %s", name, write_strerror(errno != 0 ? errno :
	    EIO));
	return -1;
}
