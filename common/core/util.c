/*
 * util.c - allocation, string buffers and diagnostics; see util.h.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <utf8proc.h>

#include "core/util.h"

const char *progname = "cdp";
int verbose;
int quiet;
void (*usage_hook)(const char *);

static void
oom(void)
{
	fprintf(stderr, "%s: out of memory\n", progname);
	exit(EXIT_FAIL);
}

void *
xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);

	if (p == NULL)
		oom();
	return p;
}

void *
xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);

	if (p == NULL)
		oom();
	return p;
}

void *
xrealloc(void *p, size_t n)
{
	p = realloc(p, n ? n : 1);
	if (p == NULL)
		oom();
	return p;
}

char *
xstrdup(const char *s)
{
	return xstrndup(s, strlen(s));
}

char *
xstrndup(const char *s, size_t n)
{
	char *p = xmalloc(n + 1);

	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

void
sb_init(struct sbuf *sb)
{
	sb->cap = 64;
	sb->len = 0;
	sb->buf = xmalloc(sb->cap);
	sb->buf[0] = '\0';
}

/*
 * The buffer of an sbuf that holds nothing allocated (cap 0): after
 * sb_detach, buf reads as "" and the first add allocates.  Never written:
 * every write grows the buffer first.
 */
static char sb_empty[1];

void
sb_release(struct sbuf *sb)
{
	if (sb->cap > 0)
		free(sb->buf);
	sb->buf = NULL;
	sb->len = sb->cap = 0;
}

void
sb_reset(struct sbuf *sb)
{
	sb->len = 0;
	if (sb->cap > 0)
		sb->buf[0] = '\0';
}

void
sb_grow(struct sbuf *sb, size_t n)
{
	size_t need;

	if (n > SIZE_MAX - sb->len - 1)
		oom();
	need = sb->len + n + 1;
	if (need <= sb->cap)
		return;
	if (sb->cap == 0) {	/* detached: nothing of ours to keep */
		sb->buf = NULL;
		sb->cap = 64;
	}
	while (sb->cap < need)
		sb->cap = sb->cap < SIZE_MAX / 2 ? sb->cap * 2 : need;
	sb->buf = xrealloc(sb->buf, sb->cap);
	if (sb->len == 0)
		sb->buf[0] = '\0';
}

void
sb_add(struct sbuf *sb, const void *p, size_t n)
{
	sb_grow(sb, n);
	memcpy(sb->buf + sb->len, p, n);
	sb->len += n;
	sb->buf[sb->len] = '\0';
}

void
sb_adds(struct sbuf *sb, const char *s)
{
	sb_add(sb, s, strlen(s));
}

void
sb_addc(struct sbuf *sb, int c)
{
	sb_grow(sb, 1);
	sb->buf[sb->len++] = (char)c;
	sb->buf[sb->len] = '\0';
}

void
sb_addf(struct sbuf *sb, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(sb->buf + sb->len, sb->cap - sb->len, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n >= sb->cap - sb->len) {
		sb_grow(sb, (size_t)n);
		va_start(ap, fmt);
		vsnprintf(sb->buf + sb->len, sb->cap - sb->len, fmt, ap);
		va_end(ap);
	}
	sb->len += (size_t)n;
}

char *
sb_detach(struct sbuf *sb)
{
	char *p = sb->cap > 0 ? sb->buf : xstrdup("");

	sb->buf = sb_empty;
	sb->len = sb->cap = 0;
	return p;
}

/* Bidirectional controls: shown escaped so they cannot reorder a line. */
static int
is_bidi(utf8proc_int32_t cp)
{
	return (cp >= 0x202a && cp <= 0x202e) || (cp >= 0x2066 &&
	    cp <= 0x2069) || cp == 0x200e || cp == 0x200f || cp == 0x061c;
}

const char *
quote_value(const char *s, size_t n)
{
	static char buf[60 * 6 + 16];
	const utf8proc_uint8_t *p = (const utf8proc_uint8_t *)s;
	utf8proc_int32_t cp;
	utf8proc_ssize_t k;
	size_t i = 0, o = 0;

	buf[o++] = '"';
	while (i < n && i < 60) {
		unsigned char c = p[i];

		if (c == '"' || c == '\\') {
			o += (size_t)snprintf(buf + o, sizeof(buf) - o, "\\%c", c);
			i++;
		} else if (c < 0x20 || c == 0x7f) {
			o += (size_t)snprintf(buf + o, sizeof(buf) - o,
			    "\\x%02x", c);
			i++;
		} else if (c < 0x80) {
			buf[o++] = (char)c;
			i++;
		} else if ((k = utf8proc_iterate(p + i,
		    (utf8proc_ssize_t)(n - i), &cp)) <= 0) {
			/* Invalid UTF-8 is shown byte by byte. */
			o += (size_t)snprintf(buf + o, sizeof(buf) - o,
			    "\\x%02x", c);
			i++;
		} else if (is_bidi(cp)) {
			o += (size_t)snprintf(buf + o, sizeof(buf) - o,
			    "\\u%04x", (unsigned)cp);
			i += (size_t)k;
		} else {
			/* A whole character, never cut in the middle. */
			memcpy(buf + o, p + i, (size_t)k);
			o += (size_t)k;
			i += (size_t)k;
		}
	}
	if (i < n) {
		memcpy(buf + o, "...", 3);
		o += 3;
	}
	buf[o++] = '"';
	buf[o] = '\0';
	return buf;
}

void
set_progname(const char *argv0)
{
	const char *p = strrchr(argv0, '/');
	int fd;

	progname = p ? p + 1 : argv0;
	/*
	 * Descriptors 0-2 open before any file is: started with 2>&-, the
	 * first file opened (a rejects file, the database) would get
	 * descriptor 2 and every diagnostic would be written into it.  A
	 * closed one gets /dev/null opened the other way round, so that
	 * using it still fails with EBADF, as when it was closed.
	 */
	for (fd = 0; fd <= 2; fd++)
		if (fcntl(fd, F_GETFD) == -1 && errno == EBADF &&
		    open("/dev/null", fd == 0 ? O_WRONLY : O_RDONLY) == -1)
			_exit(EXIT_FAIL);
}

void
warnx_(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", progname);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

void
die(int status, const char *fmt, ...)
{
	void (*hook)(const char *) = usage_hook;
	char msg[512];
	va_list ap;

	fprintf(stderr, "%s: ", progname);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	if (status == EXIT_USAGE && hook != NULL) {
		usage_hook = NULL;
		va_start(ap, fmt);
		vsnprintf(msg, sizeof(msg), fmt, ap);
		va_end(ap);
		hook(msg);
	}
	exit(status);
}

int
parse_ll(const char *s, long long min, long long max, long long *out,
    const char **errstr)
{
	char *end;
	long long v;

	*errstr = NULL;
	errno = 0;
	if (*s == '\0') {
		*errstr = "invalid";
		return -1;
	}
	v = strtoll(s, &end, 10);
	if (*end != '\0') {
		*errstr = "invalid";
		return -1;
	}
	if ((v == LLONG_MIN && errno == ERANGE) || v < min) {
		*errstr = "too small";
		return -1;
	}
	if ((v == LLONG_MAX && errno == ERANGE) || v > max) {
		*errstr = "too large";
		return -1;
	}
	*out = v;
	return 0;
}

void
now_iso(char *buf, size_t len)
{
	time_t t = time(NULL);
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

time_t
parse_iso(const char *s)
{
	struct tm tm;
	const char *end;

	memset(&tm, 0, sizeof(tm));
	if (s == NULL || strlen(s) != 20 || s[4] != '-' || s[10] != 'T' ||
	    (end = strptime(s, "%Y-%m-%dT%H:%M:%SZ", &tm)) == NULL ||
	    *end != '\0')
		return (time_t)-1;
	return timegm(&tm);
}

double
mono_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

const char *
write_strerror(int err)
{
	return err == EPIPE ? "reader closed the pipe" : strerror(err);
}

void
check_stdout(void)
{
	if (fflush(stdout) == EOF || ferror(stdout))
		die(EXIT_FAIL, "stdout: %s", write_strerror(errno != 0 ?
		    errno : EIO));
}

long
utf8_check(const char *s, size_t n)
{
	const utf8proc_uint8_t *p = (const utf8proc_uint8_t *)s;
	size_t i = 0;
	utf8proc_int32_t cp;
	utf8proc_ssize_t k;

	while (i < n) {
		if (p[i] < 0x80) {
			i++;
			continue;
		}
		k = utf8proc_iterate(p + i, (utf8proc_ssize_t)(n - i), &cp);
		if (k <= 0)
			return (long)i;
		i += (size_t)k;
	}
	return -1;
}
