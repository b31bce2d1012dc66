/*
 * value_fit.c - whether a value can be what a canonical field holds; see
 * value_fit.h.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "catalog/value_fit.h"
#include "catalog/value_shape.h"
#include "normalise/normalise.h"

void
vf_trim(const char **s, size_t *n)
{
	while (*n > 0 && (**s == ' ' || **s == '\t')) {
		(*s)++;
		(*n)--;
	}
	while (*n > 0 && ((*s)[*n - 1] == ' ' || (*s)[*n - 1] == '\t'))
		(*n)--;
}

/* "81.2.69.160", "2001:db8::1": an address, never a phone. */
int
vf_ip(const char *s, size_t n)
{
	size_t i, dots = 0, colons = 0, run = 0;
	int v = 0;

	for (i = 0; i < n; i++)
		if (s[i] == ':')
			colons++;
	if (colons >= 2) {
		for (i = 0; i < n; i++)
			if (s[i] == '\0' ||
			    strchr("0123456789abcdefABCDEF:.", s[i]) == NULL)
				return 0;
		return 1;
	}
	for (i = 0; i < n; i++) {
		if (s[i] >= '0' && s[i] <= '9') {
			v = v * 10 + (s[i] - '0');
			if (++run > 3 || v > 255)
				return 0;
		} else if (s[i] == '.' && run > 0) {
			dots++;
			run = 0;
			v = 0;
		} else
			return 0;
	}
	return dots == 3 && run > 0;
}

/*
 * A person's name: letters (any non-ASCII byte counts as one), blanks,
 * hyphens, apostrophes, dots and commas, no digit, at most five words.
 * "#1001", "Blue T-Shirt XL 2", "2024-03-01" are not names.  *words:
 * how many words.
 */
int
vf_person(const char *s, size_t n, int *words)
{
	size_t i;
	int letters = 0, inword = 0;

	*words = 0;
	if (n == 0 || n > 60)
		return 0;
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if ((c | 0x20) >= 'a' && (c | 0x20) <= 'z') {
			letters++;
			if (!inword)
				(*words)++;
			inword = 1;
		} else if (c >= 0x80) {
			letters++;
			if (!inword)
				(*words)++;
			inword = 1;
		} else if (c == ' ') {
			inword = 0;
		} else if (c != '-' && c != '\'' && c != '.' && c != ',')
			return 0;
	}
	return letters >= 1 && *words <= 5;
}

int
vf_has_digit(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (s[i] >= '0' && s[i] <= '9')
			return 1;
	return 0;
}

/* A kind of thing: "purchase", "Order Completed", "add_to_cart". */
int
vf_category(const char *s, size_t n)
{
	size_t i;
	int words = 0, inword = 0;

	if (n == 0 || n > 32)
		return 0;
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (((c | 0x20) >= 'a' && (c | 0x20) <= 'z') || c >= 0x80 ||
		    c == '_' || c == '-') {
			words += !inword;
			inword = 1;
		} else if (c == ' ')
			inword = 0;
		else
			return 0;
	}
	return words <= 3;
}

static const char *const currencies[] = {
	"EUR", "USD", "GBP", "CHF", "CAD", "JPY", "AUD", "SEK", "NOK", "DKK",
	"PLN", "CZK", "CNY", "MAD", "XOF", "XPF", "HKD", "SGD", "NZD", "BRL",
	"MXN", "INR", "ZAR", "TND", "DZD",
};

int
vf_currency(const char *s, size_t n)
{
	size_t i;
	char up[4];

	if (n == 1 && (s[0] == '$'))
		return 1;
	if ((n == 3 && memcmp(s, "\xe2\x82\xac", 3) == 0) ||
	    (n == 2 && memcmp(s, "\xc2\xa3", 2) == 0))
		return 1;
	if (n != 3)
		return 0;
	for (i = 0; i < 3; i++)
		up[i] = (char)(s[i] >= 'a' && s[i] <= 'z' ? s[i] - 32 : s[i]);
	up[3] = '\0';
	for (i = 0; i < sizeof(currencies) / sizeof(currencies[0]); i++)
		if (strcmp(up, currencies[i]) == 0)
			return 1;
	return 0;
}

int
vf_postal(const char *s, size_t n)
{
	size_t i, digits = 0;

	if (n < 3 || n > 10)
		return 0;
	for (i = 0; i < n; i++) {
		if (s[i] >= '0' && s[i] <= '9')
			digits++;
		else if (!((s[i] | 0x20) >= 'a' && (s[i] | 0x20) <= 'z') &&
		    s[i] != ' ' && s[i] != '-')
			return 0;
	}
	return digits > 0;
}

/*
 * Layouts of dates with month names, as US and UK exports write them;
 * %y before %Y, which would read "81" as the year 81.
 */
const char *const vf_word_dates[VF_NWORD_DATES] = {
	"%b %d %Y", "%b %d, %Y", "%B %d, %Y", "%B %d %Y", "%d %b %Y",
	"%d %B %Y", "%d-%b-%y", "%d-%b-%Y",
};

int
vf_short_date(const char *v, size_t n, int *a, int *b, int *yy, char *sep)
{
	size_t i = 0, k;
	int part[3], p;

	*sep = 0;
	for (p = 0; p < 3; p++) {
		for (k = 0, part[p] = 0; i < n && v[i] >= '0' && v[i] <= '9' &&
		    k < 2; i++, k++)
			part[p] = part[p] * 10 + (v[i] - '0');
		if (k == 0 || (p == 2 && k != 2))
			return 0;
		if (p < 2) {
			if (i == n || strchr("/-.", v[i]) == NULL || v[i] == '\0' ||
			    (*sep != 0 && v[i] != *sep))
				return 0;
			*sep = v[i++];
		}
	}
	if (i != n || part[0] == 0 || part[1] == 0 || part[0] > 31 ||
	    part[1] > 31 || (part[0] > 12 && part[1] > 12))
		return 0;
	*a = part[0];
	*b = part[1];
	*yy = part[2];
	return 1;
}

int
vf_date(struct sbuf *tmp, const char *v, size_t n, int ymd[3], int *timed,
    int *word)
{
	struct shape_date d;
	struct tm tm;
	const char *end;
	size_t i, k;
	time_t now;
	int a, b, yy;
	char sep;

	ymd[0] = ymd[1] = ymd[2] = 0;
	*timed = 0;
	*word = -1;
	if (norm_ts(v, n, NULL, tmp) == NORM_OK && tmp->len >= 19) {
		ymd[0] = atoi(tmp->buf);
		ymd[1] = atoi(tmp->buf + 5);
		ymd[2] = atoi(tmp->buf + 8);
		*timed = n > 10 && strspn(v, "0123456789") < n;
		return 1;
	}
	if (shape_date(v, n, &d)) {
		/* d/m/Y or m/d/Y: the year is the last four digits. */
		for (k = 0, i = 0; i < n; i++)
			if (v[i] >= '0' && v[i] <= '9') {
				if (++k == 4 && (i + 1 == n || v[i + 1] < '0' ||
				    v[i + 1] > '9') && i >= 3)
					ymd[0] = (v[i - 3] - '0') * 1000 +
					    (v[i - 2] - '0') * 100 +
					    (v[i - 1] - '0') * 10 + (v[i] - '0');
			} else
				k = 0;
		*timed = d.time != NULL && *d.time != '\0';
		return 1;
	}
	if (vf_short_date(v, n, &a, &b, &yy, &sep)) {
		/* The century of a birth date: never in the future. */
		now = time(NULL);
		ymd[0] = 1900 + yy;
		if (gmtime_r(&now, &tm) != NULL && 2000 + yy <= tm.tm_year + 1900)
			ymd[0] = 2000 + yy;
		*word = VF_SHORT_DATE;
		return 1;
	}
	sb_reset(tmp);
	sb_add(tmp, v, n);
	for (i = 0; i < VF_NWORD_DATES; i++) {
		memset(&tm, 0, sizeof(tm));
		if ((end = strptime(tmp->buf, vf_word_dates[i], &tm)) != NULL &&
		    *end == '\0') {
			ymd[0] = tm.tm_year + 1900;
			ymd[1] = tm.tm_mon + 1;
			ymd[2] = tm.tm_mday;
			*word = (int)i;
			return 1;
		}
	}
	return 0;
}
