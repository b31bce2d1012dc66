/*
 * stream_output.h - where cdp-stream writes its changes: standard
 * output, or a file it appends to and syncs before the cursor moves
 * (stream_output.c).
 *
 * A file makes the output exact across crashes: what it holds is what
 * was written, so on opening, a line cut short by a crash is cut off and
 * the sequence number of its last whole line is the true cursor, ahead
 * of the store's when the crash came between the write and the ack.
 */
#ifndef CDP_STREAM_OUTPUT_H
#define CDP_STREAM_OUTPUT_H

#include <stddef.h>

#include "core/util.h"

struct stream_out {
	int	 fd;		/* 1, or the file opened for appending */
	int	 file;		/* fd is our file: fsync before an ack */
	struct sbuf buf;	/* lines not yet written */
	long long last;		/* the seq of the last line in buf */
};

/*
 * Open path for appending (created 0600), or standard output when path
 * is NULL; *seq is the sequence number of the file's last whole line (0
 * for standard output or an empty file).  A file whose last line is not
 * one of cdp-stream's is refused.
 */
int	stream_out_open(struct stream_out *, const char *path, long long *seq,
	    struct sbuf *why);
void	stream_out_close(struct stream_out *);

/* Add one line (without its newline) numbered seq. */
void	stream_out_add(struct stream_out *, long long seq, const char *line,
	    size_t len);

/* Write what was added (and sync a file): 0, or -1 with errno in why. */
int	stream_out_flush(struct stream_out *, struct sbuf *why);

#endif
