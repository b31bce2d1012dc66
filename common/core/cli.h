/*
 * cli.h - what every tool's command line shares beyond getopt: -h and
 * --help print the full usage on stdout and exit 0, while a usage error
 * prints it on stderr and exits 2; --version is -V; and a progress line
 * on stderr for long steps, shown only when stderr is a terminal.
 */
#ifndef CDP_CLI_H
#define CDP_CLI_H

#include <stdint.h>
#include <stdio.h>

/* The long options every tool takes, for its struct option array. */
#define CLI_LONGOPTS \
	{ "help", no_argument, NULL, 'h' }, \
	{ "version", no_argument, NULL, 'V' }

/* Set by -h and --help before calling usage(): the usage was asked for. */
extern int cli_help;

/* Where usage() prints: stdout when asked for, else stderr. */
FILE	*cli_usage_out(void);
/* How usage() ends: exit 0 when asked for (stdout checked), else 2. */
void	 cli_usage_exit(void) __attribute__((noreturn));

/*
 * A progress line "PROG: WHAT N" on stderr, redrawn in place at most
 * every half second, and only when stderr is a terminal and -q was not
 * given; progress_done erases it so that the tool's own output follows
 * on a clean line.
 */
struct progress {
	const char *what;	/* "records read", "pairs" */
	double	 last;		/* when the line was last drawn */
	int	 on;		/* stderr is a terminal, not quiet */
	int	 shown;		/* the line is on the screen */
};

void	 progress_init(struct progress *, const char *what);
void	 progress_step(struct progress *, uint64_t count);
void	 progress_done(struct progress *);

#endif
