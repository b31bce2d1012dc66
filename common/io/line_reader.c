/*
 * line_reader.c - bounded line reader with an idle hook; see line_reader.h.
 */
#include <errno.h>
#include <fcntl.h>
#include <iconv.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/util.h"
#include "io/line_reader.h"

#define LR_CHUNK	(256 * 1024)
#define LR_RAW		(64 * 1024)	/* bytes read at a time to convert */

int
lr_open(struct lr *lr, const char *path, size_t maxline)
{
	struct stat st;
	const char *e;
	int fd;

	if (path == NULL || strcmp(path, "-") == 0) {
		lr_fdopen(lr, 0, "stdin", maxline);
		return 0;
	}
	if ((e = getenv("CDP_NOFOLLOW")) != NULL && *e != '\0') {
		/*
		 * cdp-run's spool: only a regular file of its own, checked
		 * on what was opened (no link followed, no FIFO waited on),
		 * so nothing can be swapped in after cdp-run looked.
		 */
		fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW |
		    O_NONBLOCK | O_NOCTTY);
		if (fd == -1)
			return -1;
		if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode) ||
		    st.st_nlink != 1 || fcntl(fd, F_SETFL, 0) == -1) {
			close(fd);
			errno = EPERM;
			return -1;
		}
	} else if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return -1;
	lr_fdopen(lr, fd, path, maxline);
	lr->own = 1;
	return 0;
}

void
lr_fdopen(struct lr *lr, int fd, const char *name, size_t maxline)
{
	memset(lr, 0, sizeof(*lr));
	lr->fd = fd;
	lr->name = name;
	lr->maxline = maxline;
	lr->cap = LR_CHUNK;
	lr->buf = xmalloc(lr->cap);
}

void
lr_close(struct lr *lr)
{
	if (lr->own && lr->fd >= 0)
		close(lr->fd);
	if (lr->cd != NULL)
		iconv_close((iconv_t)lr->cd);
	lr->cd = NULL;
	free(lr->raw);
	lr->raw = NULL;
	free(lr->buf);
	lr->buf = NULL;
	lr->fd = -1;
}

void
lr_set_idle(struct lr *lr, void (*fn)(void *), void *arg)
{
	lr->idle = fn;
	lr->idle_arg = arg;
}

int
lr_set_encoding(struct lr *lr, const char *encoding)
{
	iconv_t cd;

	if ((cd = iconv_open("UTF-8", encoding)) == (iconv_t)-1) {
		errno = EINVAL;
		return -1;
	}
	lr->cd = (void *)cd;
	lr->raw = xmalloc(LR_RAW);
	lr->rawlen = 0;
	lr->raweof = 0;
	return 0;
}

int
lr_encoding_known(const char *encoding)
{
	iconv_t cd;

	if ((cd = iconv_open("UTF-8", encoding)) == (iconv_t)-1)
		return 0;
	iconv_close(cd);
	return 1;
}

/*
 * Read and convert more input after buf[end], as fill does.  A byte
 * the encoding does not define, or a sequence cut by the end of the
 * input, is copied as it is.
 */
static int
convert(struct lr *lr)
{
	char *in, *out;
	size_t inleft, outleft, before = lr->end;
	ssize_t n;

	for (;;) {
		while (lr->cap - lr->end < 16) {
			lr->cap *= 2;
			lr->buf = xrealloc(lr->buf, lr->cap);
		}
		if (lr->rawlen < LR_RAW && !lr->raweof) {
			n = read(lr->fd, lr->raw + lr->rawlen,
			    LR_RAW - lr->rawlen);
			if (n < 0) {
				if (errno == EINTR)
					continue;
				return -1;
			}
			if (n == 0)
				lr->raweof = 1;
			lr->rawlen += (size_t)n;
		}
		in = lr->raw;
		inleft = lr->rawlen;
		out = lr->buf + lr->end;
		outleft = lr->cap - lr->end;
		while (inleft > 0 && outleft > 0) {
			if (iconv((iconv_t)lr->cd, &in, &inleft, &out,
			    &outleft) != (size_t)-1 || errno == E2BIG ||
			    (errno == EINVAL && !lr->raweof))
				break;
			*out++ = *in++;
			inleft--;
			outleft--;
		}
		lr->end = (size_t)(out - lr->buf);
		memmove(lr->raw, in, inleft);
		lr->rawlen = inleft;
		if (lr->end > before)
			return 1;
		if (lr->raweof && lr->rawlen == 0) {
			lr->eof = 1;
			return 0;
		}
	}
}

/* Read more input after buf[end]; 1 if bytes came, 0 at EOF, -1 on error. */
static int
fill(struct lr *lr)
{
	ssize_t n;

	if (lr->eof)
		return 0;
	if (lr->start > 0 && (lr->end == lr->cap || lr->start > lr->cap / 2)) {
		memmove(lr->buf, lr->buf + lr->start, lr->end - lr->start);
		lr->end -= lr->start;
		lr->start = 0;
	}
	if (lr->end == lr->cap) {
		lr->cap *= 2;
		lr->buf = xrealloc(lr->buf, lr->cap);
	}
	if (lr->idle != NULL) {
		struct pollfd pfd = { .fd = lr->fd, .events = POLLIN };

		if (poll(&pfd, 1, 0) == 0)
			lr->idle(lr->idle_arg);
	}
	if (lr->cd != NULL)
		return convert(lr);
	for (;;) {
		n = read(lr->fd, lr->buf + lr->end, lr->cap - lr->end);
		if (n >= 0)
			break;
		if (errno != EINTR)
			return -1;
	}
	if (n == 0) {
		lr->eof = 1;
		return 0;
	}
	lr->end += (size_t)n;
	return 1;
}

int
lr_next(struct lr *lr, const char **line, size_t *len)
{
	char *nl;
	size_t avail, skipped;
	int r;

	for (;;) {
		avail = lr->end - lr->start;
		nl = memchr(lr->buf + lr->start + lr->scan, '\n',
		    avail - lr->scan);
		if (nl != NULL) {
			*line = lr->buf + lr->start;
			*len = (size_t)(nl - *line) + 1;
			break;
		}
		lr->scan = avail;
		if (avail > lr->maxline)
			goto toolong;
		if ((r = fill(lr)) < 0)
			return LR_ERR;
		if (r == 0) {
			if (avail == 0)
				return LR_EOF;
			*line = lr->buf + lr->start;
			*len = avail;
			break;
		}
	}
	lr->scan = 0;
	lr->start += *len;
	lr->lineno++;
	lr->offset = lr->consumed;
	lr->consumed += (long long)*len;
	if (*len > lr->maxline + 1) {
		*line = NULL;
		return LR_LONG;
	}
	return LR_LINE;

toolong:
	/* Discard to the end of the line without buffering it. */
	skipped = avail;
	lr->start = lr->end = lr->scan = 0;
	for (;;) {
		if ((r = fill(lr)) < 0)
			return LR_ERR;
		if (r == 0)
			break;
		nl = memchr(lr->buf, '\n', lr->end);
		if (nl != NULL) {
			lr->start = (size_t)(nl - lr->buf) + 1;
			skipped += lr->start;
			break;
		}
		skipped += lr->end;
		lr->end = 0;
	}
	lr->lineno++;
	lr->offset = lr->consumed;
	lr->consumed += (long long)skipped;
	*line = NULL;
	*len = skipped;
	return LR_LONG;
}

int
lr_peek(struct lr *lr, const char **p, size_t *n)
{
	size_t i;

	for (;;) {
		for (i = lr->start; i < lr->end; i++)
			if (strchr(" \t\r\n\xef\xbb\xbf", lr->buf[i]) == NULL ||
			    lr->buf[i] == '\0')
				break;
		if (i < lr->end || lr->eof)
			break;
		if (fill(lr) < 0)
			return -1;
	}
	*p = lr->buf + lr->start;
	*n = lr->end - lr->start;
	return 0;
}
