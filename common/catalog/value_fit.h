/*
 * value_fit.h - whether a value can be what a canonical field holds, for
 * cdp-catalog suggest (map_suggest.c): an IP address (never a phone), a
 * person's name (never "#1001" nor a date), a kind of event, a currency,
 * a postal code, a date of any common layout.
 *
 * value_shape.h says what type a value has for the data map; these
 * checks say what it can be, and are run on a sample only.  Each takes
 * the value s[0..n), not NUL-terminated, already trimmed (vf_trim).
 */
#ifndef CDP_VALUE_FIT_H
#define CDP_VALUE_FIT_H

#include <stddef.h>

#include "core/util.h"

/* Narrow *s, *n past blanks and tabs at both ends. */
void	vf_trim(const char **s, size_t *n);

/* "81.2.69.160", "2001:db8::1": an IPv4 or IPv6 address. */
int	vf_ip(const char *s, size_t n);

/*
 * A person's name: letters (any non-ASCII byte counts as one), blanks,
 * hyphens, apostrophes, dots and commas, no digit, at most five words
 * (their number in *words).
 */
int	vf_person(const char *s, size_t n, int *words);

/* Whether s holds a digit. */
int	vf_has_digit(const char *s, size_t n);

/* A kind of thing: one to three words of letters, '_' and '-'. */
int	vf_category(const char *s, size_t n);

/* An ISO 4217 code among common ones (any case), or $, EUR or GBP sign. */
int	vf_currency(const char *s, size_t n);

/* 3 to 10 letters, digits, blanks and hyphens, with a digit. */
int	vf_postal(const char *s, size_t n);

/*
 * The layouts of dates with a month name that vf_date reads ("%b %d
 * %Y", "%d-%b-%y", ...), %y before %Y, which would read "81" as 81.
 */
#define VF_NWORD_DATES	8
extern const char *const vf_word_dates[VF_NWORD_DATES];

/*
 * "8/15/67", "24.12.99": two parts of one or two digits (day and month
 * in an order to be found, not both above 12) and a two-digit year, one
 * separator among "/-.".  1 and the parts, or 0.
 */
int	vf_short_date(const char *v, size_t n, int *a, int *b, int *yy,
	    char *sep);
#define VF_SHORT_DATE	VF_NWORD_DATES	/* *word of vf_date for those */

/*
 * A date or timestamp of any common layout (ISO 8601, epoch, d/m/Y or
 * m/d/Y, d/m/y or m/d/y, vf_word_dates): 1 and ymd set to its year,
 * month and day when known (0 when not; a two-digit year never in the
 * future), *timed when it has a time of day, *word to the index of its
 * layout in vf_word_dates, VF_SHORT_DATE for a two-digit year, or -1;
 * else 0.  tmp is scratch.
 */
int	vf_date(struct sbuf *tmp, const char *v, size_t n, int ymd[3],
	    int *timed, int *word);

#endif
