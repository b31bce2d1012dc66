/*
 * value_shape.c - value types, date layouts and masking; see value_shape.h.
 */
#include <string.h>
#include <strings.h>

#include "catalog/value_shape.h"

static const char *const names[SH_NTYPES] = {
	"string", "integer", "number", "boolean", "date", "email", "phone",
	"object", "array", "null",
};

#define DIGIT(c)	((c) >= '0' && (c) <= '9')

const char *
shape_name(int t)
{
	return t >= 0 && t < SH_NTYPES ? names[t] : NULL;
}

int
shape_lookup(const char *s)
{
	int i;

	for (i = 0; i < SH_NTYPES; i++)
		if (strcmp(s, names[i]) == 0)
			return i;
	return -1;
}

static void
trim(const char **s, size_t *n)
{
	while (*n > 0 && (**s == ' ' || **s == '\t' || **s == '\r' ||
	    **s == '\n'))
		(*s)++, (*n)--;
	while (*n > 0 && ((*s)[*n - 1] == ' ' || (*s)[*n - 1] == '\t' ||
	    (*s)[*n - 1] == '\r' || (*s)[*n - 1] == '\n'))
		(*n)--;
}

/* Digits at s[*i..n): how many, at most max, and their value. */
static int
digits(const char *s, size_t n, size_t *i, int max, int *val)
{
	int k = 0;

	*val = 0;
	while (*i < n && DIGIT(s[*i]) && k < max + 1) {
		*val = *val * 10 + (s[*i] - '0');
		(*i)++;
		k++;
	}
	return k;
}

/* A time part at s[i..n): returns its strptime suffix, or NULL. */
static const char *
time_part(const char *s, size_t n, size_t i, int iso)
{
	int v, sec = 0;
	char t;

	if (i == n)
		return "";
	t = s[i++];
	if (t != ' ' && !(iso && t == 'T'))
		return NULL;
	if (digits(s, n, &i, 2, &v) != 2 || v > 23 || i >= n || s[i++] != ':'
	    || digits(s, n, &i, 2, &v) != 2 || v > 59)
		return NULL;
	if (i < n && s[i] == ':') {
		i++;
		if (digits(s, n, &i, 2, &v) != 2 || v > 60)
			return NULL;
		sec = 1;
	}
	if (iso)	/* fractions and offsets: norm_ts reads them */
		return "";
	if (i != n)
		return NULL;
	return sec ? " %H:%M:%S" : " %H:%M";
}

int
shape_date(const char *s, size_t n, struct shape_date *d)
{
	size_t i = 0;
	int a, b, y, ka, kb;
	char sep;

	trim(&s, &n);
	memset(d, 0, sizeof(*d));
	if (n < 8)
		return 0;
	if (digits(s, n, &i, 4, &y) == 4 && i < n &&
	    (s[i] == '-' || s[i] == '/')) {
		sep = s[i++];
		if (digits(s, n, &i, 2, &a) != 2 || i >= n || s[i++] != sep ||
		    digits(s, n, &i, 2, &b) != 2 || a < 1 || a > 12 || b < 1 ||
		    b > 31)
			return 0;
		if ((d->time = time_part(s, n, i, 1)) == NULL)
			return 0;
		d->iso = 1;
		d->sep = sep;
		return 1;
	}
	i = 0;
	ka = digits(s, n, &i, 2, &a);
	if (ka < 1 || ka > 2 || i >= n || strchr("/-.", s[i]) == NULL)
		return 0;
	sep = s[i++];
	kb = digits(s, n, &i, 2, &b);
	if (kb < 1 || kb > 2 || i >= n || s[i++] != sep ||
	    digits(s, n, &i, 4, &y) != 4)
		return 0;
	if (a < 1 || b < 1 || a > 31 || b > 31 || (a > 12 && b > 12))
		return 0;
	if ((d->time = time_part(s, n, i, 0)) == NULL)
		return 0;
	d->a = a;
	d->b = b;
	d->sep = sep;
	return 1;
}

int
shape_phone(const char *s, size_t n, int *intl)
{
	size_t i, nd = 0;
	int sep = 0, plus = 0, lead0 = 0, mid = 0;

	trim(&s, &n);
	*intl = 0;
	if (n == 0 || !(s[0] == '+' || DIGIT(s[0]) || s[0] == '('))
		return 0;
	for (i = 0; i < n; i++) {
		if (DIGIT(s[i])) {
			if (nd == 0 && s[i] == '0')
				lead0 = 1;
			if (nd == 1 && lead0 && s[i] == '0')
				*intl = 1;
			nd++;
			if (sep)
				mid = 1;
		} else if (s[i] == '+' && i == 0)
			plus = 1;
		else if (strchr(" .-()/", s[i]) != NULL) {
			if (nd > 0)
				sep = 1;
		} else
			return 0;
	}
	if (nd < 8 || nd > 15)
		return 0;
	if (plus)
		*intl = 1;
	return plus || *intl || mid || (lead0 && nd >= 10);
}

int
shape_of_number(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (s[i] == '.' || s[i] == 'e' || s[i] == 'E')
			return SH_NUMBER;
	return SH_INTEGER;
}

/* Integer or decimal text: SH_INTEGER, SH_NUMBER, or -1. */
static int
numeric(const char *s, size_t n)
{
	size_t i = 0, d0;
	int dec = 0;

	if (i < n && (s[i] == '-' || s[i] == '+'))
		i++;
	d0 = i;
	while (i < n && DIGIT(s[i]))
		i++;
	if (i == d0)
		return -1;
	if (s[d0] == '0' && i - d0 > 1)
		return -1;	/* "01000": a code, not a quantity */
	if (i < n && (s[i] == '.' || s[i] == ',')) {
		i++;
		if (i == n || !DIGIT(s[i]))
			return -1;
		while (i < n && DIGIT(s[i]))
			i++;
		dec = 1;
	}
	if (i < n && (s[i] == 'e' || s[i] == 'E') && dec) {
		i++;
		if (i < n && (s[i] == '-' || s[i] == '+'))
			i++;
		if (i == n || !DIGIT(s[i]))
			return -1;
		while (i < n && DIGIT(s[i]))
			i++;
	}
	if (i != n)
		return -1;
	return dec ? SH_NUMBER : SH_INTEGER;
}

static int
email(const char *s, size_t n)
{
	const char *at = memchr(s, '@', n), *dot;
	size_t i;

	if (at == NULL || at == s || memchr(at + 1, '@',
	    n - (size_t)(at - s) - 1) != NULL)
		return 0;
	for (i = 0; i < n; i++)
		if (s[i] == ' ' || s[i] == '\t')
			return 0;
	dot = memchr(at + 1, '.', n - (size_t)(at - s) - 1);
	return dot != NULL && dot > at + 1 && s[n - 1] != '.';
}

int
shape_of(const char *s, size_t n)
{
	struct shape_date d;
	int t, intl;

	trim(&s, &n);
	if (n == 0)
		return SH_NULL;
	if ((n == 4 && strncasecmp(s, "true", 4) == 0) ||
	    (n == 5 && strncasecmp(s, "false", 5) == 0))
		return SH_BOOLEAN;
	if (DIGIT(s[0]) && shape_date(s, n, &d))
		return SH_DATE;
	/* "+33612345678" is a phone, "0612345678" too (numeric() fails). */
	if (s[0] == '+' && shape_phone(s, n, &intl))
		return SH_PHONE;
	if ((t = numeric(s, n)) != -1)
		return t;
	if (shape_phone(s, n, &intl))
		return SH_PHONE;
	if (email(s, n))
		return SH_EMAIL;
	return SH_STRING;
}

/* Masking. */

static void
first_char(const char *s, size_t n, struct sbuf *out)
{
	size_t k = 1;

	if (n == 0)
		return;
	while (k < n && ((unsigned char)s[k] & 0xc0) == 0x80)
		k++;
	sb_add(out, s, k);
}

void
shape_mask(const char *s, size_t n, int type, struct sbuf *out)
{
	const char *at, *dot;
	size_t i, nd = 0, seen = 0;
	struct shape_date d;

	sb_reset(out);
	trim(&s, &n);
	if (n == 0)
		return;
	if (type == SH_EMAIL && (at = memchr(s, '@', n)) != NULL) {
		first_char(s, (size_t)(at - s), out);
		sb_adds(out, "***@");
		first_char(at + 1, n - (size_t)(at - s) - 1, out);
		sb_adds(out, "***");
		dot = NULL;
		for (i = n; i > (size_t)(at - s) + 1; i--)
			if (s[i - 1] == '.') {
				dot = s + i - 1;
				break;
			}
		if (dot != NULL)
			sb_add(out, dot, n - (size_t)(dot - s));
		return;
	}
	if (type == SH_PHONE) {
		for (i = 0; i < n; i++)
			nd += DIGIT(s[i]);
		for (i = 0; i < n; i++) {
			if (!DIGIT(s[i])) {
				sb_addc(out, s[i]);
				continue;
			}
			seen++;
			sb_addc(out, seen <= 3 || seen + 2 > nd ? s[i] : '*');
		}
		return;
	}
	if (type == SH_DATE && shape_date(s, n, &d)) {
		/* The year is kept, the day and month hidden. */
		size_t y0 = 0, k = 0;

		for (i = 0; !d.iso && i < n && k < 2; i++)
			if (s[i] == d.sep && ++k == 2)
				y0 = i + 1;
		for (i = 0; i < n; i++)
			sb_addc(out, DIGIT(s[i]) && (i < y0 || i >= y0 + 4) ?
			    '*' : s[i]);
		return;
	}
	first_char(s, n, out);
	sb_adds(out, "***");
}
