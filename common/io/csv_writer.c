/*
 * csv_writer.c - RFC 4180 CSV writer; see csv_writer.h.
 *
 * csvw_field copies a field eight bytes at a time while it looks for
 * the bytes that need quoting, and starts again quoted if it finds one:
 * an export formats tens of millions of fields, most need no quotes.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "io/csv_writer.h"

void
csvw_init(struct csvw *w, FILE *f, int delim)
{
	w->f = f;
	w->delim = delim;
	w->nf = 0;
	w->batch = 0;
	w->raw = 0;
	memset(w->special, 0, sizeof(w->special));
	w->special[(unsigned char)delim] = 1;
	w->special['"'] = w->special['\n'] = w->special['\r'] = 1;
	w->pat[0] = 0x0101010101010101ULL * (unsigned char)delim;
	w->pat[1] = 0x0101010101010101ULL * '"';
	w->pat[2] = 0x0101010101010101ULL * '\n';
	w->pat[3] = 0x0101010101010101ULL * '\r';
	sb_init(&w->row);
}

void
csvw_release(struct csvw *w)
{
	sb_release(&w->row);
}

void
csvw_raw(struct csvw *w)
{
	w->raw = 1;
}

int
csvw_is_number(const char *s, size_t n)
{
	size_t i = 0, d = 0;

	if (i < n && (s[i] == '+' || s[i] == '-'))
		i++;
	for (; i < n && s[i] >= '0' && s[i] <= '9'; i++)
		d++;
	if (i < n && s[i] == '.')
		for (i++; i < n && s[i] >= '0' && s[i] <= '9'; i++)
			d++;
	if (d == 0)
		return 0;
	if (i < n && (s[i] == 'e' || s[i] == 'E')) {
		i++;
		if (i < n && (s[i] == '+' || s[i] == '-'))
			i++;
		for (d = 0; i < n && s[i] >= '0' && s[i] <= '9'; i++)
			d++;
		if (d == 0)
			return 0;
	}
	return i == n;
}

/* Whether text cell s[0..n) would be read as a formula (see above). */
static int
formula(const char *s, size_t n)
{
	if (n == 0)
		return 0;
	switch (s[0]) {
	case '=': case '@': case '\t': case '\r':
		return 1;
	case '+': case '-':
		return !csvw_is_number(s, n);
	}
	return 0;
}

void
csvw_batch(struct csvw *w, size_t n)
{
	w->batch = n;
}

void
csvw_quote(struct sbuf *sb, const char *s, size_t n, int delim)
{
	size_t i;
	int need = 0;

	for (i = 0; i < n; i++)
		if (s[i] == delim || s[i] == '"' || s[i] == '\n' ||
		    s[i] == '\r') {
			need = 1;
			break;
		}
	if (!need) {
		sb_add(sb, s, n);
		return;
	}
	sb_addc(sb, '"');
	for (i = 0; i < n; i++) {
		if (s[i] == '"')
			sb_addc(sb, '"');
		sb_addc(sb, s[i]);
	}
	sb_addc(sb, '"');
}

/* Nonzero when some byte of x is zero (exact, no false positives). */
#define HASZERO(x)	(((x) - 0x0101010101010101ULL) & ~(x) & \
			    0x8080808080808080ULL)

/*
 * Copy s[0..n) to p unless it holds a byte that makes the field quoted:
 * 0, or -1 (p then holds some of it).  Eight bytes a step: each
 * pattern XORed away leaves a zero byte where it was.
 */
static int
copy_plain(const struct csvw *w, char *p, const char *s, size_t n)
{
	uint64_t x;
	size_t i = 0;

	for (; i + 8 <= n; i += 8) {
		memcpy(&x, s + i, 8);
		if (HASZERO(x ^ w->pat[0]) | HASZERO(x ^ w->pat[1]) |
		    HASZERO(x ^ w->pat[2]) | HASZERO(x ^ w->pat[3]))
			return -1;
		memcpy(p + i, &x, 8);
	}
	for (; i < n; i++) {
		if (w->special[(unsigned char)s[i]])
			return -1;
		p[i] = s[i];
	}
	return 0;
}

/* Append a field; guard: a text cell, checked for a formula. */
static void
field(struct csvw *w, const char *s, size_t n, int guard)
{
	char *p;
	size_t i;
	int tick = guard && !w->raw && formula(s, n);

	/* The worst case: a delimiter, the guard's quote, every byte a
	 * doubled quote, two quotes (s is in memory: 2 * n cannot wrap). */
	if (w->row.cap - w->row.len <= 2 * n + 4)
		sb_grow(&w->row, 2 * n + 4);
	p = w->row.buf + w->row.len;
	if (w->nf++ > 0)
		*p++ = (char)w->delim;
	if (tick)
		*p++ = '\'';
	if (copy_plain(w, p, s, n) == 0)
		p += n;
	else {
		if (tick)
			p[-1] = '"';
		*p++ = tick ? '\'' : '"';
		for (i = 0; i < n; i++) {
			if (s[i] == '"')
				*p++ = '"';
			*p++ = s[i];
		}
		*p++ = '"';
	}
	*p = '\0';
	w->row.len = (size_t)(p - w->row.buf);
}

void
csvw_field(struct csvw *w, const char *s, size_t n)
{
	field(w, s, n, 1);
}

void
csvw_str(struct csvw *w, const char *s)
{
	csvw_field(w, s, s != NULL ? strlen(s) : 0);
}

void
csvw_int(struct csvw *w, long long v)
{
	char buf[24], *p = buf + sizeof(buf);
	unsigned long long u = v < 0 ? 0ULL - (unsigned long long)v :
	    (unsigned long long)v;

	/* Not snprintf: this is most of an id column's cost. */
	do
		*--p = (char)('0' + u % 10);
	while ((u /= 10) != 0);
	if (v < 0)
		*--p = '-';
	field(w, p, (size_t)(buf + sizeof(buf) - p), 0);
}

void
csvw_double(struct csvw *w, double v)
{
	char buf[40];
	int n = 0, p;

	for (p = 15; p <= 17; p++) {
		n = snprintf(buf, sizeof(buf), "%.*g", p, v);
		if (strtod(buf, NULL) == v)
			break;
	}
	field(w, buf, (size_t)n, 0);
}

int
csvw_flush(struct csvw *w)
{
	size_t n = w->row.len;
	int rc = 0;

	if (n > 0 && fwrite(w->row.buf, 1, n, w->f) != n)
		rc = -1;
	sb_reset(&w->row);
	return rc;
}

int
csvw_end(struct csvw *w)
{
	sb_addc(&w->row, '\n');
	w->nf = 0;
	if (w->row.len < w->batch)
		return 0;
	return csvw_flush(w);
}
