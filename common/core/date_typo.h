/*
 * date_typo.h - whether two birth dates can be one date mistyped.
 *
 * Shared by cdp-match's veto and identity guard and by cdp-merge's
 * birth-date guard, so that both refuse the same pairs.  A date is
 * taken as written (YYYY-MM-DD, or the digits YYYYMMDD), valid or not:
 * "1000-18-29" is a typo of a real date as much as any other.
 *
 * Two dates fit when they are equal, have day and month swapped (a
 * format slip), or differ in at most two of their three parts, each by
 * a slip: one digit changed, two adjacent digits exchanged, or one up
 * or down (1899 and 1900, the 30th and the 31st).  A year off by 1, 10,
 * 100 or 1000 is one changed digit.  Anything else (two parts far
 * apart, a year 2 and a day 5 apart) no typo explains.
 */
#ifndef CDP_DATE_TYPO_H
#define CDP_DATE_TYPO_H

#include <stddef.h>
#include <stdint.h>

/* "YYYY-MM-DD..." or "YYYYMMDD" as YYYYMMDD, or 0 when s is neither. */
int32_t	date_typo_parse(const char *s, size_t n);

/* Whether dates a and b (YYYYMMDD, nonzero) can be one date: 1 or 0. */
int	date_typo_fits(int32_t a, int32_t b);

#endif
