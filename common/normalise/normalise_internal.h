/*
 * normalise_internal.h - what the normaliser files (normalise.c, dates.c,
 * phones.c) share and nobody else needs: locale-free character
 * classes and the trimming, matching and folding helpers, all defined
 * in normalise.c.  See normalise.h for the public interface.
 */
#ifndef CDP_NORMALISE_INTERNAL_H
#define CDP_NORMALISE_INTERNAL_H

#include "normalise/normalise.h"

/* Locale-free ASCII classes: bytes above 0x7f are never letters here. */
#define ISDIGIT(c)	((c) >= '0' && (c) <= '9')
#define ISALPHA(c)	(((c) | 0x20) >= 'a' && ((c) | 0x20) <= 'z')
#define TOLOWER(c)	((c) >= 'A' && (c) <= 'Z' ? (c) | 0x20 : (c))

/*
 * Byte length of the whitespace character at s[0..n), 0 if none: ASCII
 * space and controls \t..\r, NBSP, the Unicode spaces and a BOM.
 */
size_t	norm_space_len(const unsigned char *s, size_t n);

/* Narrow *sp, *np past leading and trailing whitespace (as above). */
void	norm_trim(const char **sp, size_t *np);

/* Whether s[0..n) is the lower-case word w, ignoring ASCII case. */
int	norm_ieq(const char *s, size_t n, const char *w);

/* Whether s[0..n) is one of the '|'-separated words of list. */
int	norm_in_list(const char *s, size_t n, const char *list);

/*
 * The matching key of s[0..n) into out, as norm_name makes it (NFKC,
 * case-folded, accents stripped, punctuation and whitespace collapsed
 * to single spaces); 0, or -1 on invalid UTF-8.
 */
int	norm_fold(const char *s, size_t n, struct sbuf *out);

#endif
