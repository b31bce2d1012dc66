/*
 * normalise.h - normalisers for the canonical fields.
 *
 * Identity resolution is only as good as its keys: the same email,
 * phone, name or date written ten ways by ten systems must come out as
 * one value.  Each normaliser takes a raw value s[0..n) (not necessarily
 * NUL-terminated, UTF-8 expected), resets out and writes the canonical
 * form into it, and returns:
 *
 *	NORM_OK		out holds the normalised value
 *	NORM_EMPTY	the value is empty or blank: the field is absent
 *	NORM_INVALID	the value cannot be normalised; out is empty
 *
 * None of them allocates beyond out, none keeps state between calls, and
 * none prints anything: the caller reports an invalid value with the
 * field and line it came from.
 */
#ifndef CDP_NORMALISE_H
#define CDP_NORMALISE_H

#include <stddef.h>

#include "core/util.h"

#define NORM_OK		0
#define NORM_EMPTY	1
#define NORM_INVALID	(-1)

/*
 * Email: trimmed, lower-cased (both parts), checked for one '@', a
 * non-empty local part of printable ASCII or UTF-8 without spaces, and a
 * domain of dot-separated labels with a final label of two or more
 * letters.  "  Jean.Dupont@Example.FR " -> "jean.dupont@example.fr".
 */
int	norm_email(const char *s, size_t n, struct sbuf *out);

/*
 * Phone to E.164 ("+33612345678").  Separators (space, dot, dash, slash,
 * parentheses) are dropped; "+CC..." and "00CC..." are international; a
 * number with a national trunk prefix ("06 12 34 56 78") takes the
 * calling code of country (ISO 3166 alpha-2, e.g. "FR"; NULL or unknown
 * means no default, and national numbers are then invalid).  A result
 * must have 8 to 15 digits.  An extension ("x123", "ext. 12") is dropped.
 */
int	norm_phone(const char *s, size_t n, const char *country,
	    struct sbuf *out);

/*
 * Names.  disp receives the display form: NFKC, trimmed, internal
 * whitespace collapsed to one space, case kept ("Jean-François").  key
 * (may be NULL) receives the matching key: NFKC, case-folded, accents
 * stripped, punctuation (hyphen, apostrophe, dot, comma) turned to
 * spaces and whitespace collapsed ("jean francois").  Invalid UTF-8 is
 * NORM_INVALID.
 */
int	norm_name(const char *s, size_t n, struct sbuf *disp, struct sbuf *key);

/*
 * Free text (street, city): NFKC, trimmed, whitespace collapsed, case
 * kept.  Invalid UTF-8 is NORM_INVALID.
 */
int	norm_text(const char *s, size_t n, struct sbuf *out);

/*
 * Dates to "YYYY-MM-DD".  Always accepted: ISO 8601 "YYYY-MM-DD" (a
 * time part after it is ignored), "YYYY/MM/DD", basic "YYYYMMDD", and
 * epoch seconds (9 to 11 digits, optional sign) or milliseconds (12 or
 * 13 digits).  fmt, when not NULL, is a strptime(3) format tried first
 * for other shapes ("%d/%m/%Y").  The date must exist (no 31/02) and
 * its year lie in 1000..9999.
 */
int	norm_date(const char *s, size_t n, const char *fmt, struct sbuf *out);

/*
 * A date never in the future (a birth date): as norm_date, but when fmt
 * has a two-digit year (%y) that puts the date after today, the date is
 * a century earlier (8/15/67 is 1967-08-15, never 2067).
 */
int	norm_date_past(const char *s, size_t n, const char *fmt,
	    struct sbuf *out);

/*
 * Timestamps to "YYYY-MM-DDTHH:MM:SSZ" in UTC.  Accepted: ISO 8601 with
 * 'T' or a space, optional seconds and fraction (dropped), optional
 * "Z" or "+hh:mm"/"+hhmm"/"+hh" offset (applied; none means UTC); a
 * bare date (midnight UTC); epoch seconds or milliseconds as for
 * norm_date; fmt as for norm_date (may contain %H:%M:%S).
 */
int	norm_ts(const char *s, size_t n, const char *fmt, struct sbuf *out);

/*
 * As norm_ts, but a time written with no offset or zone is a wall-clock
 * time in zone (a tz database name, "Europe/Paris"; NULL is UTC),
 * daylight saving time included.  Sets the process's TZ to zone: the
 * only normaliser with state, for tools that read one source at a time.
 */
int	norm_ts_zone(const char *s, size_t n, const char *fmt,
	    const char *zone, struct sbuf *out);
/* Whether zone is "UTC" or a readable file of /usr/share/zoneinfo. */
int	norm_zone_known(const char *zone);

/*
 * Amounts: "12,50", "12.50", "1 234,56", "1,234.56", "1.234,56",
 * "€12.50", "12.50 EUR", "-3" -> plain decimal "12.50", "1234.56",
 * "-3".  When both ',' and '.' appear the last one is the decimal
 * separator; a lone ',' is decimal.  Spaces, NBSP and narrow NBSP are
 * group separators.  A currency symbol or 3-letter code before or after
 * is dropped.
 */
int	norm_amount(const char *s, size_t n, struct sbuf *out);

/*
 * Yes/no: yes y oui o true t 1 on opt-in optin granted -> 1;
 * no n non false f 0 off opt-out optout denied -> 0 (case-insensitive,
 * trimmed); NORM_EMPTY for blank; NORM_INVALID otherwise.
 */
int	norm_bool(const char *s, size_t n);

/*
 * Gender to "F", "M" or "X": f female femme woman w mme madame mrs ms
 * mlle -> F; m male homme man h mr m. monsieur -> M; x other autre
 * non-binary -> X (case-insensitive).
 */
int	norm_gender(const char *s, size_t n, struct sbuf *out);

/*
 * Country to ISO 3166 alpha-2 upper case: alpha-2 and alpha-3 codes and
 * the English and French names of common countries ("France", "FRA",
 * "fr", "Allemagne", "United Kingdom", "UK" -> "GB").
 */
int	norm_country(const char *s, size_t n, struct sbuf *out);

/* Postal code: trimmed, upper-cased, inner whitespace collapsed. */
int	norm_postal(const char *s, size_t n, struct sbuf *out);

/*
 * Organisation name (org_name, org_names.c): disp as norm_text writes
 * it ("ACME S.A.R.L."); key (may be NULL), for comparison only, folded
 * as a name key with the dots of initials dropped and the legal forms
 * (SARL, SAS, SA, GmbH, AG, BV, SpA, SL, AB, Ltd, PLC, LLC, Inc., Corp,
 * ...) left out, unless the name is nothing else ("acme").  Invalid
 * UTF-8 is NORM_INVALID.
 */
int	norm_org(const char *s, size_t n, struct sbuf *disp, struct sbuf *key);

/* Identifier (customer_id, loyalty_id, anonymous_id): trimmed. */
int	norm_id(const char *s, size_t n, struct sbuf *out);

#endif
