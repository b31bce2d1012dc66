/*
 * deterministic.h - deterministic identity links: records sharing a normalised
 * strong identifier (email, phone, customer_id, ...), with the guard
 * that keeps junk and shared values from linking people on their own.
 *
 * Junk values (a blocklist pattern or a built-in rule: mcfg_is_junk)
 * are cleared from the records before anything else, so that they are
 * missing for blocking and for the probabilistic comparison too: a
 * placeholder says nothing about a person.
 *
 * A value held by several records links them as a star, each holder to
 * the value's first holder (smallest rowid or input position), not as
 * a clique: a cookie with 10,000 events gives 9,999 pairs.  Unless the
 * value is shared.  Its holders are grouped, greedily, into people: a
 * holder joins the first group it is compatible with.  Two records are
 * compatible when their first names are equal, aliases, one an initial,
 * the initials, the first word(s) or a beginning of three letters or
 * more of the other, or Jaro-Winkler >= guard-jw, straight or with
 * first and last names crossed; and their birth dates are equal, have
 * day and month swapped, or are one edit apart; a missing value fits
 * anything.  A holder stands for its component so far (the records the
 * identifiers before this one linked to it): the first names and birth
 * dates of the component must all fit.  When the holders make more than
 * max-people groups, or carry more than max-names distinct first-name
 * keys, the value is shared (a family email, a landline, a shop's phone)
 * and links nothing on its own; it still takes part in the
 * probabilistic comparison.  Identifiers are taken in configuration
 * order, the most specific first, so that an email already tells whose
 * a nameless store ticket is when its landline is judged.
 *
 * The links also form components (union-find), so that cdp-match does
 * not spend probabilistic comparisons on two records already joined.
 */
#ifndef CDP_DETERMINISTIC_H
#define CDP_DETERMINISTIC_H

#include <stddef.h>
#include <stdint.h>

#include "match/match_config.h"
#include "match/record_set.h"

struct mdet_pair {
	uint32_t a, b;		/* record indices, a < b */
	uint32_t ident;		/* index into cfg->ident */
};

struct mdet_stats {
	size_t	 junk_values;	/* distinct junk values cleared */
	size_t	 junk_records;	/* identifier slots cleared */
	size_t	 shared_values;	/* values held by several people */
	size_t	 linking_values;/* values that linked records */
};

struct mdet {
	struct mdet_pair *pair;	/* links, in no particular order */
	size_t	 npair;
	size_t	 cap;
	uint32_t *parent;	/* union-find over the records */
	struct mdet_prof *prof;	/* per component root, from mdet_links */
	uint8_t	*haveprof;
	struct mdet_stats st;
};

/*
 * Clear junk identifier values from the records of ms, and the values
 * of other fields a junk rule names (junk first_name sir ...).  Counted in
 * d->st; call before mdet_links and before blocking.
 */
void	mdet_clear_junk(struct mdet *, const struct mcfg *, struct mset *);

/*
 * Find the star links.  With only_new, a link is kept only when one of
 * its records is MSET_NEW (the components still cover every link).
 */
void	mdet_links(struct mdet *, const struct mcfg *, const struct mset *,
	    int only_new);

/* The component of record r. */
uint32_t mdet_find(struct mdet *, uint32_t r);

/*
 * Whether two holders of a value can be one person (the guard's test,
 * exposed for the tests).
 */
int	mdet_compatible(const struct mcfg *, const struct mset *, uint32_t a,
	    uint32_t b);

/* A memo of the guard's name and date tests, keyed by value ids. */
#define MDET_MEMO_BITS	14
struct mdet_memo {
	uint64_t key[1 << MDET_MEMO_BITS];	/* pair + kind, 0 empty */
	uint8_t	 val[1 << MDET_MEMO_BITS];
};

/*
 * The veto of the probabilistic model: whether the two records conflict
 * on the fields the configuration vetoes on (first names, birth dates),
 * as the guard judges them.  memo (zeroed before first use) may be
 * NULL.
 */
int	mdet_conflict(struct mdet_memo *, const struct mcfg *,
	    const struct mset *, uint32_t a, uint32_t b);

/*
 * The nameless bridge: whether a or b has no name at all while the
 * records the identifiers joined to each (their components, after
 * mdet_links) carry names that cannot be one person's.  A store ticket
 * whose email is Isabelle's then never links Sophie, however well its
 * street and postal code agree with hers.  Only with the first-name veto.
 */
int	mdet_bridge(struct mdet *, const struct mcfg *, const struct mset *,
	    uint32_t a, uint32_t b);

/* Declare the configuration's first-name aliases in ms (mset_alias_add). */
void	mdet_aliases(const struct mcfg *, struct mset *);

void	mdet_init(struct mdet *, size_t nrec);
void	mdet_release(struct mdet *);

#endif
