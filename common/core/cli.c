/*
 * cli.c - usage on request or on error, and the progress line of long
 * steps (see cli.h).
 */
#include <stdlib.h>
#include <unistd.h>

#include "core/cli.h"
#include "core/util.h"

int cli_help;

FILE *
cli_usage_out(void)
{
	return cli_help ? stdout : stderr;
}

void
cli_usage_exit(void)
{
	if (cli_help) {
		check_stdout();
		exit(EXIT_OK);
	}
	if (usage_hook != NULL) {
		void (*hook)(const char *) = usage_hook;

		usage_hook = NULL;
		hook("usage error");
	}
	exit(EXIT_USAGE);
}

void
progress_init(struct progress *p, const char *what)
{
	p->what = what;
	p->last = 0;
	p->shown = 0;
	p->on = !quiet && isatty(STDERR_FILENO);
}

void
progress_step(struct progress *p, uint64_t count)
{
	double t;

	if (!p->on)
		return;
	t = mono_now();
	if (p->shown && t - p->last < 0.5)
		return;
	p->last = t;
	p->shown = 1;
	fprintf(stderr, "\r%s: %s %llu\033[K", progname, p->what,
	    (unsigned long long)count);
}

void
progress_done(struct progress *p)
{
	if (p->shown)
		fprintf(stderr, "\r\033[K");
	p->shown = 0;
}
