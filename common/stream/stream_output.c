/*
 * stream_output.c - cdp-stream's output: standard output, or a file
 * appended to and synced, whose last whole line is the true cursor; see
 * stream_output.h.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "io/ndjson_reader.h"
#include "stream/stream_output.h"

/* The longest line looked back for: far more than a change's. */
#define TAIL	65536

static int
visit_seq(void *arg, const char *path, size_t pathlen, enum nd_type type,
    const char *val, size_t len)
{
	long long *seq = arg;
	const char *errstr;
	char num[32];

	if (pathlen != 3 || memcmp(path, "seq", 3) != 0 ||
	    type != ND_NUMBER || len >= sizeof(num))
		return 0;
	memcpy(num, val, len);
	num[len] = '\0';
	if (parse_ll(num, 1, 0x7fffffffffffffffLL, seq, &errstr) == -1)
		*seq = 0;
	return 0;
}

/* The seq of the file's last whole line; a torn last line is cut off. */
static int
last_seq(int fd, const char *path, long long *seq, struct sbuf *why)
{
	struct stat sb;
	struct nd *nd;
	char *buf;
	off_t from;
	size_t n, end, start;
	ssize_t r;
	int rc = 0;

	*seq = 0;
	if (fstat(fd, &sb) == -1 || sb.st_size == 0)
		return 0;
	from = sb.st_size > TAIL ? sb.st_size - TAIL : 0;
	n = (size_t)(sb.st_size - from);
	buf = xmalloc(n);
	if ((r = pread(fd, buf, n, from)) != (ssize_t)n) {
		sb_addf(why, "%s: %s", path, r == -1 ? strerror(errno) :
		    "short read");
		free(buf);
		return -1;
	}
	for (end = n; end > 0 && buf[end - 1] != '\n'; end--)
		;
	if (end < n && ftruncate(fd, from + (off_t)end) == -1) {
		sb_addf(why, "%s: %s", path, strerror(errno));
		free(buf);
		return -1;
	}
	if (end == 0) {
		if (from > 0) {
			sb_addf(why, "%s: not an output of cdp-stream", path);
			rc = -1;
		}
		free(buf);
		return rc;
	}
	for (start = end - 1; start > 0 && buf[start - 1] != '\n'; start--)
		;
	nd = nd_new(4);
	if (nd_parse(nd, buf + start, end - 1 - start, visit_seq, seq,
	    NULL) != 0 || *seq == 0) {
		sb_addf(why, "%s: its last line is not one of cdp-stream's",
		    path);
		rc = -1;
	}
	nd_free(nd);
	free(buf);
	return rc;
}

int
stream_out_open(struct stream_out *o, const char *path, long long *seq,
    struct sbuf *why)
{
	memset(o, 0, sizeof(*o));
	sb_init(&o->buf);
	*seq = 0;
	sb_reset(why);
	o->fd = 1;
	if (path == NULL)
		return 0;
	if ((o->fd = open(path, O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC,
	    0600)) == -1) {
		sb_addf(why, "%s: %s", path, strerror(errno));
		return -1;
	}
	o->file = 1;
	if (last_seq(o->fd, path, seq, why) == -1) {
		close(o->fd);
		o->fd = -1;
		return -1;
	}
	return 0;
}

void
stream_out_close(struct stream_out *o)
{
	if (o->file && o->fd != -1)
		close(o->fd);
	sb_release(&o->buf);
}

void
stream_out_add(struct stream_out *o, long long seq, const char *line,
    size_t len)
{
	sb_add(&o->buf, line, len);
	sb_addc(&o->buf, '\n');
	o->last = seq;
}

int
stream_out_flush(struct stream_out *o, struct sbuf *why)
{
	size_t off = 0;
	ssize_t r;

	while (off < o->buf.len) {
		if ((r = write(o->fd, o->buf.buf + off, o->buf.len - off)) ==
		    -1) {
			if (errno == EINTR)
				continue;
			sb_reset(why);
			sb_addf(why, "%s", write_strerror(errno));
			return -1;
		}
		off += (size_t)r;
	}
	sb_reset(&o->buf);
	if (o->file && fsync(o->fd) == -1) {
		sb_reset(why);
		sb_addf(why, "%s", strerror(errno));
		return -1;
	}
	return 0;
}
