/*
 * comparators.h - field comparators and comparison levels for record linkage.
 *
 * Fellegi-Sunter does not look at two values directly: it looks at which
 * "level" of agreement they reach (exact, a close Jaro-Winkler score, a
 * birth date with day and month swapped, the same last 8 phone digits,
 * ...).  This module provides the string and value comparators, and a
 * small declarative description of a field's ordered levels, so that
 * cdp-match can turn two records into a vector of small integers that
 * the model (fellegi_sunter.h) weighs.
 *
 * String comparators work on Unicode code points, not bytes: "josé" and
 * "jose" differ by one character.  Values are (pointer, length) pairs and
 * need not be NUL-terminated.  An invalid UTF-8 byte counts as one
 * character of its own, equal only to the same byte.  Strings of up to
 * CMP_STACK code points are compared without allocating; longer ones are
 * handled correctly with a temporary heap buffer.
 *
 * Nothing here prints or keeps state between calls.  Numbers are read
 * with strtod(3), so LC_NUMERIC must stay "C" (the tools never set it).
 */
#ifndef CDP_COMPARATORS_H
#define CDP_COMPARATORS_H

#include <stddef.h>

/* Code points compared without touching the heap. */
#define CMP_STACK	64

/*
 * Jaro similarity in [0, 1], as in Winkler (1990) and the jellyfish and
 * recordlinkage packages: matching window max(|a|,|b|)/2 - 1, half the
 * out-of-order matches counted as transpositions (integer division).
 * Identical strings score 1, two empty ones included (jellyfish says 0
 * there; cmp_level never asks, empty being missing); an empty string
 * against a non-empty one scores 0.
 */
double	cmp_jaro(const char *a, size_t alen, const char *b, size_t blen);

/*
 * Jaro-Winkler: the Jaro score j, and when j > 0.7, boosted by
 * l * 0.1 * (1 - j) for a common prefix of l <= 4 code points.
 * MARTHA/MARHTA = 0.9611, DWAYNE/DUANE = 0.84.
 */
double	cmp_jaro_winkler(const char *a, size_t alen, const char *b,
	    size_t blen);

/*
 * Both scores at once, Jaro into *jaro and Jaro-Winkler into *jw, for
 * the price of one: cmp_level's cache keeps both.
 */
void	cmp_jaro_both(const char *a, size_t alen, const char *b, size_t blen,
	    double *jaro, double *jw);

/*
 * Levenshtein distance (insertions, deletions, substitutions) in code
 * points.  Bounded: when max >= 0 and the distance exceeds max, the
 * function may stop early and returns max + 1; max < 0 means no bound.
 */
int	cmp_levenshtein(const char *a, size_t alen, const char *b, size_t blen,
	    int max);

/*
 * Optimal string alignment distance (restricted Damerau-Levenshtein):
 * Levenshtein plus the transposition of two adjacent code points, no
 * substring edited twice ("ca" to "abc" is 3, not 2).  Bounded as
 * cmp_levenshtein.
 */
int	cmp_damerau_osa(const char *a, size_t alen, const char *b, size_t blen,
	    int max);

/*
 * Whether the first (cmp_prefix_eq) or the last (cmp_suffix_eq) n code
 * points of a and b are equal: 1, or 0 when they differ or either value
 * is shorter than n.
 */
int	cmp_prefix_eq(const char *a, size_t alen, const char *b, size_t blen,
	    size_t n);
int	cmp_suffix_eq(const char *a, size_t alen, const char *b, size_t blen,
	    size_t n);

/*
 * Parse an ISO date "YYYY-MM-DD" (exactly 10 bytes; the date must exist)
 * into a day number (days since 1970-01-01, negative before).  Returns 0,
 * or -1 when s is not such a date.
 */
int	cmp_date_parse(const char *s, size_t len, long *day);

/*
 * Signed difference b - a in days between two ISO dates into *days.
 * Returns 0, or -1 when either is not a valid "YYYY-MM-DD".
 */
int	cmp_date_diff_days(const char *a, size_t alen, const char *b,
	    size_t blen, long *days);

/*
 * Whether two valid ISO dates are the same date with day and month
 * swapped (1985-03-12 and 1985-12-03): same year, a's month is b's day
 * and a's day is b's month, and the two dates differ.  1 or 0.
 */
/*
 * Whether every word of the value with fewer words (at least min of
 * them) is a word of the other, each used once, a one-letter word
 * standing for any word it begins: names in another order, with a title
 * or middle name more, or initials ("martin pierre", "pierre martin";
 * "j smith", "sir john smith").  Words are runs of letters, digits and
 * non-ASCII bytes; at most 32 are read of each value.
 */
int	cmp_tokens_in(const char *a, size_t alen, const char *b, size_t blen,
	    int min);

/*
 * The same, two whole words also meeting when eq(arg, word, len, word,
 * len) says they are one (a first name and its diminutive).
 */
int	cmp_tokens_in_eq(const char *a, size_t alen, const char *b,
	    size_t blen, int min, int (*eq)(const void *, const char *, size_t,
	    const char *, size_t), const void *arg);

int	cmp_date_transposed(const char *a, size_t alen, const char *b,
	    size_t blen);

/*
 * Relative difference |x - y| / max(|x|, |y|), in [0, 2]; 0 when both
 * are 0.
 */
double	cmp_num_rel_diff(double x, double y);

/*
 * Comparison levels (comparison_levels.c).
 *
 * A field comparison (struct cmp_field) is an ordered list of levels,
 * from the strongest agreement to the weakest; the level of a pair of
 * values is the first one whose condition holds.  A level holds when
 * any of its conditions (at most CMP_MAXCOND, OR-ed) holds, so "day and
 * month swapped, or a one-character typo" is one level.  The last level
 * is the catch-all (CMP_ELSE): it is taken when nothing before matched.
 *
 * A condition applies a comparator kind to a part of both values, with
 * one numeric argument whose meaning depends on the kind.  The structs
 * hold no pointers, so a config reader can fill them in place and the
 * built-in defaults are plain static data.
 */
#define CMP_MAXLEVEL	16	/* levels per field; fits an int8_t */
#define CMP_MAXCOND	4	/* conditions per level */
#define CMP_NAMELEN	32	/* names, including the NUL */

enum cmp_kind {
	CMP_ELSE,		/* always true; only in the last level */
	CMP_EXACT,		/* byte-equal */
	CMP_JW,			/* Jaro-Winkler >= arg */
	CMP_JARO,		/* Jaro >= arg */
	CMP_LEV,		/* Levenshtein <= arg */
	CMP_OSA,		/* optimal string alignment distance <= arg */
	CMP_PREFIX,		/* the first arg code points are equal */
	CMP_SUFFIX,		/* the last arg code points are equal */
	CMP_DIGITS_SUFFIX,	/* the last arg digits are equal (phones) */
	CMP_DATE_TRANSPOSED,	/* ISO dates with day and month swapped */
	CMP_DATE_DAYS,		/* ISO dates at most arg days apart */
	CMP_NUM_REL,		/* numbers with relative difference <= arg */
	CMP_NUM_ABS,		/* numbers at most arg apart */
	CMP_TOKENS,		/* the words of the value with fewer (at least
				   arg) are all words of the other */
	CMP_NKIND
};

enum cmp_part {
	CMP_PART_ALL,		/* the whole value */
	CMP_PART_EMAIL_LOCAL,	/* before the last '@' (all if none) */
	CMP_PART_EMAIL_DOMAIN,	/* after the last '@' (empty if none) */
	CMP_NPART
};

struct cmp_cond {
	enum cmp_kind	 kind;
	enum cmp_part	 part;
	double		 arg;	/* threshold, distance or count; see kind */
};

struct cmp_level {
	char		 name[CMP_NAMELEN];	/* "exact", "jw92", ... */
	int		 ncond;			/* 1..CMP_MAXCOND */
	struct cmp_cond	 cond[CMP_MAXCOND];	/* OR-ed */
};

struct cmp_field {
	char		 name[CMP_NAMELEN];	/* "first_name", ... */
	int		 nlevels;		/* 2..CMP_MAXLEVEL */
	struct cmp_level level[CMP_MAXLEVEL];
};

/*
 * The level index of the pair (a, b) for field f, in 0..nlevels-1, or
 * -1 when either value is missing (NULL or empty): a missing value is
 * evidence of nothing and weighs 0.  Conditions on a part that is empty
 * in either value are false; a date or number condition on a value that
 * does not parse is false.  f is assumed valid (cmp_field_check).
 * Scores shared by several levels (Jaro-Winkler bands) are computed once.
 */
int	cmp_level(const struct cmp_field *f, const char *a, size_t alen,
	    const char *b, size_t blen);

/*
 * Check a field description: 2..CMP_MAXLEVEL levels with non-empty
 * names, 1..CMP_MAXCOND known conditions per level, arguments in range
 * (similarities in [0, 1], distances and counts non-negative integers),
 * and CMP_ELSE as the sole condition of the last level and nowhere else.
 * Returns 0, or -1 with *errstr set to a static message.
 */
int	cmp_field_check(const struct cmp_field *f, const char **errstr);

/*
 * Built-in field comparisons, by name, or NULL when unknown:
 *
 *	name	 exact, jw >= 0.92, jw >= 0.88, jw >= 0.70, else
 *	date	 exact, day/month swapped or one-character typo,
 *		 within 365 days, else
 *	postcode exact, first 3 characters, first 2 characters, else
 *	email	 exact, same local part, local part jw >= 0.88, else
 *	phone	 exact, last 8 digits equal, else
 *	text	 exact, jw >= 0.92, jw >= 0.80, else (street, city)
 *	number	 exact, relative difference <= 0.05, <= 0.20, else
 *	exact	 exact, else
 *
 * The returned field is static; copy it to rename or adjust it.
 */
const struct cmp_field *cmp_default_field(const char *name);

/*
 * Names of kinds and parts as a config file spells them ("jw",
 * "date_transposed", "email_local", ...).  The _name functions return
 * NULL for an out-of-range value; the _from_name ones return -1 for an
 * unknown name.
 */
const char	*cmp_kind_name(enum cmp_kind);
int		 cmp_kind_from_name(const char *);
const char	*cmp_part_name(enum cmp_part);
int		 cmp_part_from_name(const char *);

#endif
