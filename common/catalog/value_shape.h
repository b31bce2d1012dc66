/*
 * value_shape.h - what a value looks like: the observed types of the data
 * catalog, the date layouts cdp-catalog suggest turns into an
 * @date-format, and the masking of personal values for display.
 *
 * The type of a value is judged from its text, since CSV has only
 * strings: "42" is an integer wherever it comes from, "06 12 34 56 78"
 * a phone, "12,50" a number.  The checks are cheap (no allocation, one
 * pass or two) because the catalog runs them on every value ingested.
 */
#ifndef CDP_VALUE_SHAPE_H
#define CDP_VALUE_SHAPE_H

#include <stddef.h>

#include "core/util.h"

enum shape {
	SH_STRING, SH_INTEGER, SH_NUMBER, SH_BOOLEAN, SH_DATE, SH_EMAIL,
	SH_PHONE, SH_OBJECT, SH_ARRAY, SH_NULL,
	SH_NTYPES
};

/* "string", "integer", ... or NULL; and back (-1 when unknown). */
const char *shape_name(int);
int	shape_lookup(const char *);

/*
 * The type of the text s[0..n), trimmed of blanks: SH_NULL when blank,
 * else (checked in this order) SH_BOOLEAN for true/false in any case,
 * SH_DATE (see shape_date), SH_INTEGER (optional sign and digits, no
 * leading zero unless alone), SH_NUMBER (one '.' or ',' decimal
 * separator, optional exponent), SH_PHONE (see shape_phone), SH_EMAIL
 * (one '@' between a local part and a dotted domain, no blanks),
 * SH_STRING otherwise.
 */
int	shape_of(const char *s, size_t n);
/* A JSON number's text: SH_INTEGER or SH_NUMBER. */
int	shape_of_number(const char *s, size_t n);

/*
 * A date or timestamp and its layout.  Recognised: ISO 8601
 * (YYYY-MM-DD, YYYY/MM/DD, optionally followed by 'T' or ' ' and a
 * time), and A?B?YYYY with '/', '-' or '.' separators (day and month in
 * an order to be found), optionally followed by " HH:MM" or
 * " HH:MM:SS".  Returns 1 and fills d, or 0.
 */
struct shape_date {
	int	 iso;		/* year first: accepted without @date-format */
	int	 a, b;		/* the first two parts when not iso */
	char	 sep;		/* separator of the date parts */
	const char *time;	/* strptime time suffix: "", " %H:%M", ... */
};
int	shape_date(const char *s, size_t n, struct shape_date *d);

/*
 * A phone number: '+' or digits first, only digits and the separators
 * " .-()/" after, 8 to 15 digits, and either a leading '+' or "00", a
 * separator between digit groups, or a leading 0 and 10 or more digits
 * ("0612345678"; "75001" stays an integer).  *intl is set when the
 * number is written with its country code ('+' or "00").
 */
int	shape_phone(const char *s, size_t n, int *intl);

/*
 * Mask a personal value for display, into out: an email keeps the first
 * character of its local part and of its domain and the last domain
 * label ("j***@g***.com"); a phone keeps a leading '+', its first three
 * and last two digits and its separators ("+33 6** ** ** 78"); a date
 * keeps its year ("1985-**-**"); anything else keeps its first
 * character ("D***").
 */
void	shape_mask(const char *s, size_t n, int type, struct sbuf *out);

#endif
