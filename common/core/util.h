/*
 * util.h - memory, strings and diagnostics shared by every cdp tool.
 *
 * Allocation never fails from the caller's point of view: xmalloc and
 * friends print "PROG: out of memory" and exit 1.  A growable string
 * buffer (struct sbuf, after git's strbuf) backs every place that builds
 * text of unknown length.  Diagnostics follow err(3): lowercase, no full
 * stop, the subject quoted, prefixed with the program name.
 */
#ifndef CDP_UTIL_H
#define CDP_UTIL_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

/* Exit statuses shared by every tool; documented in cdp(7). */
#define EXIT_OK		0	/* success */
#define EXIT_FAIL	1	/* failure: nothing of the failing batch kept */
#define EXIT_USAGE	2	/* bad options or arguments */
#define EXIT_REJECTS	3	/* finished, but some input was rejected */
#define EXIT_ANOMALY	4	/* cdp-status: anomalies found */

#define CDP_VERSION	"0.1.0"

void	*xmalloc(size_t);
void	*xcalloc(size_t, size_t);
void	*xrealloc(void *, size_t);
char	*xstrdup(const char *);
char	*xstrndup(const char *, size_t);

/*
 * A growable NUL-terminated byte string.  buf is never NULL after
 * sb_init or sb_detach; len excludes the terminating NUL.  The contents
 * may hold NUL bytes.
 */
struct sbuf {
	char	*buf;	/* always NUL-terminated */
	size_t	 len;	/* bytes used, excluding the NUL */
	size_t	 cap;	/* bytes allocated */
};

void	 sb_init(struct sbuf *);
void	 sb_release(struct sbuf *);
void	 sb_reset(struct sbuf *);		/* len = 0, keeps memory */
void	 sb_grow(struct sbuf *, size_t);	/* room for n more bytes */
void	 sb_add(struct sbuf *, const void *, size_t);
void	 sb_adds(struct sbuf *, const char *);
void	 sb_addc(struct sbuf *, int);
void	 sb_addf(struct sbuf *, const char *, ...)
	    __attribute__((format(printf, 2, 3)));
/*
 * The contents, for the caller to free; sb is left empty ("") and holds
 * no allocation: it may be added to again, released, or dropped.
 */
char	*sb_detach(struct sbuf *);

/*
 * Quote a value for a diagnostic: about 60 bytes, never a character cut
 * in two; control bytes and invalid UTF-8 shown as \xHH, bidirectional
 * controls (U+202E...) as \uHHHH so they cannot reorder the line; the
 * result wrapped in double quotes.
 * Returns a static buffer overwritten on the next call.
 */
const char *quote_value(const char *, size_t);

/*
 * The program name used in diagnostics; set once by main, first thing:
 * it also opens /dev/null on whichever of descriptors 0-2 is closed.
 */
extern const char *progname;
void	 set_progname(const char *argv0);

/* Quiet (-q) suppresses summaries; verbose (-v) adds detail. */
extern int verbose;
extern int quiet;

/* Diagnostics on stderr, "PROG: message".  die exits with status. */
void	 warnx_(const char *, ...) __attribute__((format(printf, 1, 2)));
void	 die(int status, const char *, ...)
	    __attribute__((format(printf, 2, 3), noreturn));

/*
 * Called with the message just before a usage error exits (die with
 * EXIT_USAGE, or usage() when the usage was not asked for), so that the
 * run log can record it (store/run_log.h: run_log_usage).  NULL by
 * default; reset to NULL before it is called.
 */
extern void (*usage_hook)(const char *message);

/*
 * Checked integer parsing in the manner of strtonum(3): 0 on success,
 * -1 with *errstr set ("invalid", "too small", "too large").
 */
int	 parse_ll(const char *, long long min, long long max, long long *,
	    const char **errstr);

/* Current UTC time as "YYYY-MM-DDTHH:MM:SSZ" into buf (at least 21 bytes). */
void	 now_iso(char *buf, size_t len);
/*
 * The time of s, an ISO 8601 UTC time to the second as now_iso writes
 * it and the store holds it ("2026-12-07T20:48:55Z"): exactly that
 * shape and a real date, else (time_t)-1.
 */
time_t	 parse_iso(const char *s);
/* Monotonic clock in seconds, for durations and batch ages. */
double	 mono_now(void);

/*
 * Whether s[0..n) is valid UTF-8 (no overlong forms, no surrogates, no
 * code point above U+10FFFF).  Returns -1 when valid, else the byte
 * offset of the first bad sequence.
 */
long	 utf8_check(const char *s, size_t n);

/*
 * Why a write failed, for "NAME: reason": strerror(err), but "reader
 * closed the pipe" for EPIPE (the reader of a pipe or FIFO exited
 * before the end: | head -1).
 */
const char *write_strerror(int err);
/* Exit 1 with "stdout: reason" when stdout could not be written or closed. */
void	 check_stdout(void);

#endif
