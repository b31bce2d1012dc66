/*
 * line_reader.h - a line reader over a file descriptor, the first stage of
 * every record reader (CSV and NDJSON alike).
 *
 * Lines are returned with their terminating '\n' (absent only on a last
 * line without one) and may contain NUL bytes; the caller decides what a
 * NUL means.  Memory is bounded: a line longer than maxline is skipped to
 * its end and reported as LR_LONG with its true length, never buffered
 * whole.  Before a read that would block (a pipe fed by `tail -F`), the
 * idle hook runs, so a writer can commit what it holds.
 *
 * Input in another encoding (lr_set_encoding) is converted to UTF-8 by
 * iconv(3) as it is read, before lines are split: every reader above
 * sees UTF-8 only.  A byte the encoding does not define is passed on as
 * it is, so the record holding it is rejected as invalid UTF-8 with its
 * line, and the rest goes through.
 */
#ifndef CDP_LINE_READER_H
#define CDP_LINE_READER_H

#include <stddef.h>

enum {
	LR_ERR = -1,	/* read error; errno set */
	LR_EOF = 0,	/* no more lines */
	LR_LINE = 1,	/* *line, *len hold the line */
	LR_LONG = 2	/* line over maxline: skipped; *len is its length */
};

struct lr {
	int	 fd;		/* input, stdin for "-" */
	int	 own;		/* close fd on lr_close */
	const char *name;	/* for diagnostics: path or "stdin" */
	char	*buf;		/* data buf[start..end) not yet returned */
	size_t	 cap;		/* allocated size of buf */
	size_t	 start;
	size_t	 end;
	size_t	 scan;		/* bytes after start known to hold no '\n' */
	size_t	 maxline;	/* longest line returned whole */
	long	 lineno;	/* number of the line last returned, 1-based */
	long long offset;	/* byte offset of the line last returned */
	long long consumed;	/* bytes returned so far */
	int	 eof;		/* read returned 0 */
	void	(*idle)(void *);/* called before a read that would block */
	void	*idle_arg;
	void	*cd;		/* iconv_t to UTF-8, or NULL: input is UTF-8 */
	char	*raw;		/* bytes read, not yet converted */
	size_t	 rawlen;
	int	 raweof;	/* read returned 0; raw may still hold bytes */
};

/* Open path ("-" or NULL for stdin).  0, or -1 with errno set. */
int	lr_open(struct lr *, const char *path, size_t maxline);
/* Read from an already open descriptor, named name in diagnostics. */
void	lr_fdopen(struct lr *, int fd, const char *name, size_t maxline);
void	lr_close(struct lr *);
void	lr_set_idle(struct lr *, void (*)(void *), void *);
/*
 * Convert the input from encoding (an iconv(1) name: WINDOWS-1252,
 * ISO-8859-1, ...) to UTF-8; before the first read.  0, or -1 with
 * errno EINVAL when iconv does not know the encoding.
 */
int	lr_set_encoding(struct lr *, const char *encoding);
/* Whether iconv knows encoding (a name for lr_set_encoding). */
int	lr_encoding_known(const char *encoding);
/*
 * Buffer input, without consuming it, up to the first byte that is not
 * whitespace or a BOM (or EOF), for guessing the format: *p and *n
 * describe what is buffered (n == 0 at EOF).
 * 0, or -1 on a read error.
 */
int	lr_peek(struct lr *, const char **p, size_t *n);
/* Next line: LR_LINE, LR_LONG, LR_EOF or LR_ERR. */
int	lr_next(struct lr *, const char **line, size_t *len);

#endif
