/*
 * json_writer.c - compact JSON writer on yajl_gen; see json_writer.h.
 *
 * yajl_gen alone is not enough to guarantee valid output: it writes a
 * string in key position as a key and in value position as a value
 * without telling which the caller meant, closes a map with a key
 * pending ({"a"}), lets a map be closed by ']', and a close at depth 0
 * or an open past YAJL_MAX_DEPTH leaves it indexing outside its state
 * array.  So jw keeps its own stack of open levels and checks each
 * call before yajl sees it; yajl still owns the escaping and the
 * separators.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <yajl/yajl_gen.h>

#include "core/util.h"
#include "io/json_writer.h"

static void *
jw_malloc(void *ctx, size_t n)
{
	(void)ctx;
	return xmalloc(n);
}

static void *
jw_realloc(void *ctx, void *p, size_t n)
{
	(void)ctx;
	return xrealloc(p, n);
}

static void
jw_free(void *ctx, void *p)
{
	(void)ctx;
	free(p);
}

/* yajl prints in small pieces ("\"", ":", a key); keep them cheap. */
static void
jw_print(void *ctx, const char *s, size_t n)
{
	struct sbuf *sb = ctx;

	if (n >= sb->cap - sb->len)
		sb_grow(sb, n);
	memcpy(sb->buf + sb->len, s, n);
	sb->len += n;
	sb->buf[sb->len] = '\0';
}

void
jw_init(struct jw *w, struct sbuf *out)
{
	yajl_alloc_funcs af = { jw_malloc, jw_realloc, jw_free, NULL };

	memset(w, 0, sizeof(*w));
	w->out = out;
	if ((w->gen = yajl_gen_alloc(&af)) == NULL)
		die(EXIT_FAIL, "out of memory");
	yajl_gen_config(w->gen, yajl_gen_print_callback, jw_print, out);
	/*
	 * yajl's check lets overlong forms, surrogates and bytes above
	 * 0xf4 through; utf8_check in jw_key and jw_str catches those.
	 */
	yajl_gen_config(w->gen, yajl_gen_validate_utf8, 1);
	yajl_gen_config(w->gen, yajl_gen_beautify, 0);
	yajl_gen_config(w->gen, yajl_gen_escape_solidus, 0);
}

void
jw_release(struct jw *w)
{
	if (w->gen != NULL)
		yajl_gen_free(w->gen);
	w->gen = NULL;
	w->out = NULL;
}

void
jw_reset(struct jw *w)
{
	yajl_gen_reset(w->gen, NULL);
	sb_reset(w->out);
	w->depth = 0;
	w->keyed = 0;
}

/* Whether a value may start here: in a map only after its key. */
static int
value_ok(const struct jw *w)
{
	return w->depth == 0 || w->kind[w->depth - 1] == 'a' || w->keyed;
}

/* Book-keeping once a scalar value went out. */
static int
wrote(struct jw *w, yajl_gen_status st)
{
	if (st != yajl_gen_status_ok)
		return -1;
	w->keyed = 0;
	return 0;
}

static int
open_level(struct jw *w, char kind)
{
	yajl_gen_status st;

	if (!value_ok(w) || w->depth >= JW_MAXDEPTH)
		return -1;
	st = kind == 'm' ? yajl_gen_map_open(w->gen) :
	    yajl_gen_array_open(w->gen);
	if (st != yajl_gen_status_ok)
		return -1;
	w->kind[w->depth++] = kind;
	w->keyed = 0;
	return 0;
}

static int
close_level(struct jw *w, char kind)
{
	yajl_gen_status st;

	if (w->depth == 0 || w->kind[w->depth - 1] != kind || w->keyed)
		return -1;
	st = kind == 'm' ? yajl_gen_map_close(w->gen) :
	    yajl_gen_array_close(w->gen);
	if (st != yajl_gen_status_ok)
		return -1;
	w->depth--;
	return 0;
}

int
jw_map_open(struct jw *w)
{
	return open_level(w, 'm');
}

int
jw_map_close(struct jw *w)
{
	return close_level(w, 'm');
}

int
jw_array_open(struct jw *w)
{
	return open_level(w, 'a');
}

int
jw_array_close(struct jw *w)
{
	return close_level(w, 'a');
}

int
jw_key(struct jw *w, const char *s, size_t n)
{
	if (w->depth == 0 || w->kind[w->depth - 1] != 'm' || w->keyed ||
	    utf8_check(s, n) >= 0)
		return -1;
	if (yajl_gen_string(w->gen, (const unsigned char *)s, n) !=
	    yajl_gen_status_ok)
		return -1;
	w->keyed = 1;
	return 0;
}

int
jw_str(struct jw *w, const char *s, size_t n)
{
	if (!value_ok(w) || utf8_check(s, n) >= 0)
		return -1;
	return wrote(w, yajl_gen_string(w->gen, (const unsigned char *)s, n));
}

int
jw_strz(struct jw *w, const char *s)
{
	if (s == NULL)
		return jw_null(w);
	return jw_str(w, s, strlen(s));
}

int
jw_int(struct jw *w, long long v)
{
	if (!value_ok(w))
		return -1;
	return wrote(w, yajl_gen_integer(w->gen, v));
}

static int
digits(const char *s, size_t n, size_t *i)
{
	size_t start = *i;

	while (*i < n && s[*i] >= '0' && s[*i] <= '9')
		(*i)++;
	return *i > start;
}

/* RFC 8259: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)? */
static int
is_number(const char *s, size_t n)
{
	size_t i = 0;

	if (i < n && s[i] == '-')
		i++;
	if (i < n && s[i] == '0')
		i++;
	else if (i >= n || s[i] < '1' || s[i] > '9' || !digits(s, n, &i))
		return 0;
	if (i < n && s[i] == '.') {
		i++;
		if (!digits(s, n, &i))
			return 0;
	}
	if (i < n && (s[i] == 'e' || s[i] == 'E')) {
		i++;
		if (i < n && (s[i] == '+' || s[i] == '-'))
			i++;
		if (!digits(s, n, &i))
			return 0;
	}
	return i == n;
}

int
jw_num(struct jw *w, const char *text, size_t n)
{
	if (!value_ok(w) || !is_number(text, n))
		return -1;
	return wrote(w, yajl_gen_number(w->gen, text, n));
}

int
jw_double(struct jw *w, double v)
{
	char buf[32];
	int prec, n = 0;

	if (!value_ok(w) || !isfinite(v))
		return -1;
	/* yajl_gen_double's %.20g would write 0.1 as 0.10000000000000000555. */
	for (prec = 15; prec <= 17; prec++) {
		n = snprintf(buf, sizeof(buf), "%.*g", prec, v);
		if (strtod(buf, NULL) == v)
			break;
	}
	/* A locale with a decimal comma would give "0,5": refuse it. */
	if (n <= 0 || (size_t)n >= sizeof(buf) || !is_number(buf, (size_t)n))
		return -1;
	return wrote(w, yajl_gen_number(w->gen, buf, (size_t)n));
}

int
jw_bool(struct jw *w, int b)
{
	if (!value_ok(w))
		return -1;
	return wrote(w, yajl_gen_bool(w->gen, b));
}

int
jw_null(struct jw *w)
{
	if (!value_ok(w))
		return -1;
	return wrote(w, yajl_gen_null(w->gen));
}
