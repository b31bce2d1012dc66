/*
 * ndjson_reader.c - NDJSON line parser on yajl's event API; see
 * ndjson_reader.h.
 *
 * yajl 2.1 has no yajl_reset, so each line gets a fresh handle; the
 * allocation functions handed to yajl keep the freed blocks of the
 * previous line and give them back, so a line costs no malloc(3) in the
 * steady state.  The path of the current value lives in one sbuf that
 * is cut back to the parent's length whenever a key or an array index
 * replaces the last component.  Everything that grows with depth (our
 * frame stack, yajl's state stack) stops growing at maxdepth because
 * the callback that would exceed it cancels the parse.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <yajl/yajl_parse.h>

#include "core/util.h"
#include "io/ndjson_reader.h"

/*
 * Blocks yajl frees while a line is parsed are kept for the next line.
 * A handle allocates about six blocks (handle, lexer, two buffers and
 * their data, the state stack), so a handful of slots is enough.  A
 * block grown for one huge string is not worth keeping.
 */
#define ND_POOL		8
#define ND_POOL_MAX	(64 * 1024)	/* largest block kept */

struct blk {
	size_t	 size;		/* usable bytes after this header */
	max_align_t align[];	/* keeps the user part aligned */
};

/* One open map or array. */
struct frame {
	size_t	 base;		/* path length of the container itself */
	unsigned long long idx;	/* next element index; arrays only */
	int	 array;
};

struct nd {
	int	 maxdepth;	/* most open maps/arrays allowed */
	int	 depth;		/* maps/arrays open now */
	struct frame *stk;	/* stk[0..depth) */
	int	 stkcap;
	struct sbuf path;	/* path of the value being reported */
	int	 done;		/* the top-level object has closed */
	int	 rc;		/* the visitor's non-zero return */
	int	 rejected;	/* a callback wrote why and cancelled */
	nd_visit_fn visit;
	void	*arg;
	struct sbuf *why;	/* the caller's, or scratch */
	struct sbuf scratch;	/* why, when the caller passes none */
	yajl_alloc_funcs af;
	struct blk *pool[ND_POOL];	/* freed blocks kept for reuse */
	int	 npool;
};

static void *
nd_malloc(void *ctx, size_t n)
{
	struct nd *nd = ctx;
	struct blk *b;
	int i;

	for (i = 0; i < nd->npool; i++) {
		if (nd->pool[i]->size >= n) {
			b = nd->pool[i];
			nd->pool[i] = nd->pool[--nd->npool];
			return b->align;
		}
	}
	if (n > SIZE_MAX - sizeof(*b))
		return NULL;
	b = xmalloc(sizeof(*b) + n);
	b->size = n;
	return b->align;
}

static struct blk *
blk_of(void *p)
{
	return (struct blk *)((char *)p - offsetof(struct blk, align));
}

static void *
nd_realloc(void *ctx, void *p, size_t n)
{
	struct blk *b;

	if (p == NULL)
		return nd_malloc(ctx, n);
	b = blk_of(p);
	if (b->size >= n)
		return p;
	if (n > SIZE_MAX - sizeof(*b))
		return NULL;
	b = xrealloc(b, sizeof(*b) + n);
	b->size = n;
	return b->align;
}

static void
nd_freeblk(void *ctx, void *p)
{
	struct nd *nd = ctx;
	struct blk *b;
	int i, small;

	if (p == NULL)
		return;
	b = blk_of(p);
	if (b->size > ND_POOL_MAX) {
		free(b);
		return;
	}
	if (nd->npool < ND_POOL) {
		nd->pool[nd->npool++] = b;
		return;
	}
	/* Full: keep the larger block, so buffers are not regrown. */
	for (small = 0, i = 1; i < ND_POOL; i++)
		if (nd->pool[i]->size < nd->pool[small]->size)
			small = i;
	if (nd->pool[small]->size < b->size) {
		free(nd->pool[small]);
		nd->pool[small] = b;
	} else
		free(b);
}

static int
reject(struct nd *nd, const char *reason)
{
	sb_adds(nd->why, reason);
	nd->rejected = 1;
	return 0;
}

/* Report the current path; 0 (cancel) when the visitor stops us. */
static int
report(struct nd *nd, enum nd_type type, const char *val, size_t len)
{
	int rc;

	if (nd->visit == NULL)
		return 1;
	rc = nd->visit(nd->arg, nd->path.buf, nd->path.len, type, val, len);
	if (rc != 0) {
		nd->rc = rc;
		return 0;
	}
	return 1;
}

/* sb_add without a call into core/util.c: this runs for every value. */
static void
path_add(struct nd *nd, const void *s, size_t n)
{
	struct sbuf *sb = &nd->path;

	if (n >= sb->cap - sb->len)
		sb_grow(sb, n);
	memcpy(sb->buf + sb->len, s, n);
	sb->len += n;
	sb->buf[sb->len] = '\0';
}

/* Cut the path back to the container's and start a new component. */
static void
path_child(struct nd *nd, const struct frame *f)
{
	nd->path.len = f->base;
	if (nd->depth > 1)
		path_add(nd, ".", 1);
}

/*
 * A value starts: inside an array its path is the next index; inside a
 * map the key callback has set it.  0 when the value is the top-level
 * one, which only a map may be.
 */
static int
value_begins(struct nd *nd)
{
	struct frame *f;
	char digits[24], *p;
	unsigned long long i;

	if (nd->depth == 0)
		return reject(nd, "top-level value is not an object");
	f = &nd->stk[nd->depth - 1];
	if (!f->array)
		return 1;
	path_child(nd, f);
	p = digits + sizeof(digits);
	i = f->idx++;
	do
		*--p = (char)('0' + i % 10);
	while ((i /= 10) != 0);
	path_add(nd, p, (size_t)(digits + sizeof(digits) - p));
	return 1;
}

static int
open_container(struct nd *nd, int array)
{
	struct frame *f;
	char msg[64];

	if (nd->depth == 0 && array)
		return reject(nd, "top-level value is not an object");
	if (nd->depth >= nd->maxdepth) {
		snprintf(msg, sizeof(msg), "nesting deeper than %d levels",
		    nd->maxdepth);
		return reject(nd, msg);
	}
	if (nd->depth > 0 && (!value_begins(nd) ||
	    !report(nd, array ? ND_ARRAY : ND_MAP, NULL, 0)))
		return 0;
	if (nd->depth == nd->stkcap) {
		nd->stkcap = nd->stkcap > nd->maxdepth / 2 ?
		    nd->maxdepth : nd->stkcap * 2;
		nd->stk = xrealloc(nd->stk, (size_t)nd->stkcap * sizeof(*f));
	}
	f = &nd->stk[nd->depth++];
	f->base = nd->path.len;
	f->idx = 0;
	f->array = array;
	return 1;
}

static int
close_container(void *ctx)
{
	struct nd *nd = ctx;

	if (--nd->depth == 0)
		nd->done = 1;
	return 1;
}

static int
cb_start_map(void *ctx)
{
	return open_container(ctx, 0);
}

static int
cb_start_array(void *ctx)
{
	return open_container(ctx, 1);
}

static int
cb_map_key(void *ctx, const unsigned char *key, size_t len)
{
	struct nd *nd = ctx;

	path_child(nd, &nd->stk[nd->depth - 1]);
	path_add(nd, key, len);
	return 1;
}

static int
scalar(struct nd *nd, enum nd_type type, const char *val, size_t len)
{
	return value_begins(nd) && report(nd, type, val, len);
}

static int
cb_null(void *ctx)
{
	return scalar(ctx, ND_NULL, "null", 4);
}

static int
cb_boolean(void *ctx, int b)
{
	return b ? scalar(ctx, ND_BOOL, "true", 4) :
	    scalar(ctx, ND_BOOL, "false", 5);
}

static int
cb_number(void *ctx, const char *s, size_t len)
{
	return scalar(ctx, ND_NUMBER, s, len);
}

static int
cb_string(void *ctx, const unsigned char *s, size_t len)
{
	return scalar(ctx, ND_STRING, (const char *)s, len);
}

/*
 * Setting yajl_number leaves yajl_integer and yajl_double unused, so
 * numbers arrive as written ("1e999", "-0", 20-digit integers).
 */
static const yajl_callbacks nd_callbacks = {
	.yajl_null = cb_null,
	.yajl_boolean = cb_boolean,
	.yajl_number = cb_number,
	.yajl_string = cb_string,
	.yajl_start_map = cb_start_map,
	.yajl_map_key = cb_map_key,
	.yajl_end_map = close_container,
	.yajl_start_array = cb_start_array,
	.yajl_end_array = close_container,
};

static int
hex4(const char *s, unsigned *cp)
{
	int i, c;

	*cp = 0;
	for (i = 0; i < 4; i++) {
		c = (unsigned char)s[i];
		if (c >= '0' && c <= '9')
			c -= '0';
		else if ((c | 0x20) >= 'a' && (c | 0x20) <= 'f')
			c = (c | 0x20) - 'a' + 10;
		else
			return -1;
		*cp = *cp << 4 | (unsigned)c;
	}
	return 0;
}

/*
 * yajl 2.1 decodes a lone "\ud800" as '?', a lone "\udc00" as invalid
 * UTF-8 and "\ud800\u0041" as a made-up code point, silently.  Find
 * such escapes first: offset of the first one, or -1.  A backslash
 * outside a string is a syntax error yajl reports anyway, so stepping
 * from escape to escape is exact on any line yajl would accept.
 */
static long
bad_surrogate(const char *s, size_t n)
{
	const char *p = s, *end = s + n;
	unsigned hi, lo;

	while ((p = memchr(p, '\\', (size_t)(end - p))) != NULL) {
		if (end - p < 6 || p[1] != 'u' || hex4(p + 2, &hi) == -1) {
			p += 2;
			if (p >= end)
				break;
			continue;
		}
		if (hi < 0xd800 || hi > 0xdfff) {
			p += 6;
			continue;
		}
		if (hi > 0xdbff || end - p < 12 || p[6] != '\\' ||
		    p[7] != 'u' || hex4(p + 8, &lo) == -1 ||
		    lo < 0xdc00 || lo > 0xdfff)
			return (long)(p - s);
		p += 12;
	}
	return -1;
}

/*
 * Offset of the first byte that is not valid UTF-8 in s[0..n), or -1.
 * An ASCII byte is never part of a longer sequence, so each run of
 * bytes >= 0x80 can be checked on its own, and the ASCII between runs,
 * most of any line, is skipped a word at a time.
 */
static long
bad_utf8(const char *s, size_t n)
{
	const uint64_t high = 0x8080808080808080ULL;
	size_t i = 0, j;
	uint64_t w;
	long bad;

	while (i < n) {
		for (; i + 8 <= n; i += 8) {
			memcpy(&w, s + i, 8);
			if (w & high)
				break;
		}
		for (; i < n && (unsigned char)s[i] < 0x80; i++)
			;
		for (j = i; j < n && (unsigned char)s[j] >= 0x80; j++)
			;
		if ((bad = utf8_check(s + i, j - i)) >= 0)
			return (long)i + bad;
		i = j;
	}
	return -1;
}

static int
is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

struct nd *
nd_new(int maxdepth)
{
	struct nd *nd = xcalloc(1, sizeof(*nd));

	nd->maxdepth = maxdepth < 1 ? 1 : maxdepth;
	nd->stkcap = nd->maxdepth < 16 ? nd->maxdepth : 16;
	nd->stk = xmalloc((size_t)nd->stkcap * sizeof(*nd->stk));
	sb_init(&nd->path);
	sb_init(&nd->scratch);
	nd->af.malloc = nd_malloc;
	nd->af.realloc = nd_realloc;
	nd->af.free = nd_freeblk;
	nd->af.ctx = nd;
	return nd;
}

void
nd_free(struct nd *nd)
{
	int i;

	if (nd == NULL)
		return;
	for (i = 0; i < nd->npool; i++)
		free(nd->pool[i]);
	free(nd->stk);
	sb_release(&nd->path);
	sb_release(&nd->scratch);
	free(nd);
}

/* Append yajl's message for the error, without "parse error: " etc. */
static void
yajl_reason(struct nd *nd, yajl_handle h, size_t col)
{
	unsigned char *e;
	const char *m, *p;
	size_t n;

	if (nd->done) {
		sb_addf(nd->why, "trailing content after the object at "
		    "column %zu", col);
		return;
	}
	sb_addf(nd->why, "invalid JSON at column %zu", col);
	if ((e = yajl_get_error(h, 0, NULL, 0)) == NULL)
		return;
	m = (const char *)e;
	if ((p = strstr(m, " error: ")) != NULL)
		m = p + 8;
	n = strlen(m);
	while (n > 0 && (m[n - 1] == '\n' || m[n - 1] == '.'))
		n--;
	if (n > 0) {
		sb_adds(nd->why, ": ");
		sb_add(nd->why, m, n);
	}
	yajl_free_error(h, e);
}

int
nd_parse(struct nd *nd, const char *line, size_t len, nd_visit_fn visit,
    void *arg, struct sbuf *why)
{
	const char *nul;
	yajl_handle h;
	yajl_status st;
	size_t lead, n, col;
	long bad;
	int rc;

	if (why == NULL)
		why = &nd->scratch;
	sb_reset(why);
	/* Report whichever of a NUL and bad UTF-8 comes first. */
	nul = memchr(line, '\0', len);
	bad = bad_utf8(line, nul != NULL ? (size_t)(nul - line) : len);
	if (bad >= 0) {
		sb_addf(why, "invalid UTF-8 at column %ld", bad + 1);
		return -1;
	}
	if (nul != NULL) {
		sb_addf(why, "NUL byte at column %zu",
		    (size_t)(nul - line) + 1);
		return -1;
	}
	for (lead = 0; lead < len && is_space(line[lead]); lead++)
		;
	for (n = len - lead; n > 0 && is_space(line[lead + n - 1]); n--)
		;
	if (n == 0) {
		sb_adds(why, "empty line");
		return -1;
	}
	if ((bad = bad_surrogate(line + lead, n)) >= 0) {
		sb_addf(why, "invalid JSON at column %zu: unpaired UTF-16 "
		    "surrogate escape", lead + (size_t)bad + 1);
		return -1;
	}

	nd->depth = 0;
	nd->done = 0;
	nd->rc = 0;
	nd->rejected = 0;
	nd->visit = visit;
	nd->arg = arg;
	nd->why = why;
	sb_reset(&nd->path);
	/* Unreachable in practice: nd_malloc dies rather than fail. */
	if ((h = yajl_alloc(&nd_callbacks, &nd->af, nd)) == NULL) {
		sb_adds(why, "out of memory");
		return -1;
	}
	/* utf8_check above is stricter than yajl's own string check. */
	yajl_config(h, yajl_dont_validate_strings, 1);
	st = yajl_parse(h, (const unsigned char *)line + lead, n);
	col = yajl_get_bytes_consumed(h);
	if (st == yajl_status_ok) {
		st = yajl_complete_parse(h);
		/* An error now is at the end of the text. */
		col = n + 1;
	}
	rc = 0;
	if (st == yajl_status_client_canceled)
		rc = nd->rejected ? -1 : nd->rc;
	else if (st != yajl_status_ok) {
		yajl_reason(nd, h, lead + (col < 1 ? 1 : col));
		rc = -1;
	}
	yajl_free(h);
	return rc;
}
