/*
 * csv_writer.c - RFC 4180 CSV writer; see csv_writer.h.
 *
 * csvw_field copies a field eight bytes at a time while it looks for
 * the bytes that need quoting, and starts again quoted if it finds one:
 * an export formats tens of millions of fields, most need no quotes.
 */
#include <math.h>
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
	w->crlf = 0;
	w->decimal = '.';
	sb_init(&w->row);
}

void
csvw_crlf(struct csvw *w, int on)
{
	w->crlf = on != 0;
}

void
csvw_decimal(struct csvw *w, int c)
{
	w->decimal = c;
}

int
csvw_locale_comma(void)
{
	/* The languages whose decimal mark is a comma (CLDR). */
	static const char comma[] = " fr de es it pt nl da sv nb nn no fi "
	    "is pl cs sk sl hr sr bs hu ro bg ru uk be el tr lt lv et ca eu "
	    "gl id vi az kk ";
	const char *vars[] = { "LC_ALL", "LC_NUMERIC", "LANG" }, *v = NULL;
	char lang[8];
	size_t i, n;

	for (i = 0; i < 3 && (v == NULL || *v == '\0'); i++)
		v = getenv(vars[i]);
	if (v == NULL)
		return 0;
	n = strcspn(v, "_.@");
	if (n < 2 || n > 3)
		return 0;
	lang[0] = ' ';
	for (i = 0; i < n; i++)
		lang[i + 1] = (char)(v[i] >= 'A' && v[i] <= 'Z' ?
		    v[i] - 'A' + 'a' : v[i]);
	lang[n + 1] = ' ';
	lang[n + 2] = '\0';
	return strstr(comma, lang) != NULL;
}

void
csvw_bom(struct csvw *w)
{
	sb_add(&w->row, "\xef\xbb\xbf", 3);
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

void
csvw_keeptext(struct csvw *w)
{
	w->keeptext = 1;
}

/* Whether text cell s[0..n) is digits that Excel would change. */
static int
excel_changes(const char *s, size_t n)
{
	size_t i = s[0] == '+';

	if (n - i == 0)
		return 0;
	for (; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return 0;
	return s[0] == '+' || (s[0] == '0' && n > 1) || n >= 12;
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

	if (guard && w->keeptext && n > 0 && n < 64 && excel_changes(s, n)) {
		char f[72];

		/* ="06000": only digits and +, nothing to escape but the
		 * quotes, so the cell is always quoted. */
		snprintf(f, sizeof(f), "=\"%.*s\"", (int)n, s);
		if (w->row.cap - w->row.len <= 2 * sizeof(f) + 4)
			sb_grow(&w->row, 2 * sizeof(f) + 4);
		p = w->row.buf + w->row.len;
		if (w->nf++ > 0)
			*p++ = (char)w->delim;
		*p++ = '"';
		for (i = 0; f[i] != '\0'; i++) {
			if (f[i] == '"')
				*p++ = '"';
			*p++ = f[i];
		}
		*p++ = '"';
		*p = '\0';
		w->row.len = (size_t)(p - w->row.buf);
		return;
	}

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

/*
 * "%.15g" gives the digits; an exponent form is written out in full:
 * the digits d1d2... and exponent x make 0.000d1d2... or d1d2...000.
 */
size_t
csvw_format_double(char *buf, double v, int dec)
{
	char g[40], digits[24], *e, *p;
	size_t nd = 0, n = 0;
	long x, i;

	snprintf(g, sizeof(g), "%.15g", v);
	if (strcmp(g, "-0") == 0)
		strcpy(g, "0");
	if ((e = strchr(g, 'e')) == NULL) {
		for (p = g; *p != '\0'; p++)
			buf[n++] = *p == '.' ? (char)dec : *p;
		buf[n] = '\0';
		return n;
	}
	x = strtol(e + 1, NULL, 10);
	p = g;
	if (*p == '-')
		buf[n++] = *p++;
	for (; p < e; p++)
		if (*p >= '0' && *p <= '9')
			digits[nd++] = *p;
	while (nd > 1 && digits[nd - 1] == '0')
		nd--;
	if (x < 0) {
		/* The 15 digits of DBL_MIN's exponent fit in CSVW_NUMLEN. */
		buf[n++] = '0';
		buf[n++] = (char)dec;
		for (i = 1; i < -x; i++)
			buf[n++] = '0';
		memcpy(buf + n, digits, nd);
		n += nd;
	} else {
		for (i = 0; i <= x || (size_t)i < nd; i++) {
			if (i == x + 1)
				buf[n++] = (char)dec;
			buf[n++] = (size_t)i < nd ? digits[i] : '0';
		}
	}
	buf[n] = '\0';
	return n;
}

void
csvw_double(struct csvw *w, double v)
{
	char buf[CSVW_NUMLEN];

	csvw_field(w, buf, csvw_format_double(buf, v, w->decimal));
}

void
csvw_fixed(struct csvw *w, double v, int decimals)
{
	char buf[CSVW_NUMLEN], *p;
	int n;

	n = snprintf(buf, sizeof(buf), "%.*f", decimals, v);
	if (n < 0 || (size_t)n >= sizeof(buf)) {
		csvw_double(w, v);
		return;
	}
	/* -0.00 is 0.00: a refund rounded away is no negative amount. */
	if (buf[0] == '-' && strspn(buf + 1, "0.") == (size_t)n - 1)
		memmove(buf, buf + 1, (size_t)n--);
	if (w->decimal != '.' && (p = strchr(buf, '.')) != NULL)
		*p = (char)w->decimal;
	field(w, buf, (size_t)n, 0);
}

void
csvw_round(struct csvw *w, double v, int decimals)
{
	double m = pow(10, decimals);

	/* Past 15 digits there is nothing to round: only noise to drop. */
	if (fabs(v) >= 1e15 || decimals > 15) {
		csvw_double(w, v);
		return;
	}
	csvw_double(w, round(v * m) / m);
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
	if (w->crlf)
		sb_addc(&w->row, '\r');
	sb_addc(&w->row, '\n');
	w->nf = 0;
	if (w->row.len < w->batch)
		return 0;
	return csvw_flush(w);
}
