/*
 * union_find.h - union-find over record indices, with the guards of identity
 * resolution checked before two clusters are joined.
 *
 * Records are numbered 0..n-1 by the caller (rowids in the database,
 * input order in file mode); memory is a few arrays of n entries plus
 * one small aggregate per cluster of more than one record, never
 * anything per pair.  Each cluster root carries what the guards need:
 *
 *  - the distinct contact signatures of its records (a hash of email,
 *    phone and names; 0 for a record that is no contact, such as a
 *    cookie's page view), kept sorted and capped at max_contacts + 1:
 *    a join that would hold more than max_contacts is refused;
 *  - the distinct birth dates, sorted: a join that would hold two
 *    conflicting ones is refused;
 *  - the never-link pairs with an end in it: a join that would put both
 *    ends of one in the cluster is refused;
 *  - the distinct names of its records (first, last and full name
 *    keys, hashed), capped at UF_MAXNAMES: a link one of whose records
 *    has no name may not join two clusters that share no compatible
 *    name (uf_check_link), so that a nameless record, which the model
 *    linked on a shared address, email or phone, never bridges two
 *    people.  A link between two named records is not checked: the
 *    model weighed their names.
 *
 * The guards are monotone (a superset of a refused join is refused
 * too), so a caller feeding links strongest first gets a maximum
 * spanning forest under the constraints: of the links on a path that
 * would break a guard, the weakest is the one refused.
 */
#ifndef CDP_UNION_FIND_H
#define CDP_UNION_FIND_H

#include <stddef.h>
#include <stdint.h>

/* Birth date comparison modes. */
enum {
	UF_BD_OFF,	/* birth dates are not checked */
	UF_BD_TYPO,	/* dates conflict unless a typo explains them (core/date_typo.h) */
	UF_BD_STRICT	/* any two different dates conflict */
};

/* Why uf_check refused a join. */
enum { UF_OK, UF_NEVER, UF_SIZE, UF_BIRTH, UF_NAME,
    UF_COMMON };	/* UF_COMMON: the names-only guard (clustering.h) */

/* Names kept per cluster; past it, a cluster's names are not checked. */
#define UF_MAXNAMES	16

/*
 * A record's name: hashes of its first, last and full name keys (0:
 * none), and the first byte of the first name with its length, so that
 * an initial fits the name it abbreviates.
 */
struct uf_name {
	uint32_t first, last, full;
	uint32_t last4;		/* hash of the last name's first 4 bytes */
	uint8_t	 initial;	/* first byte of the first name */
	uint8_t	 first1;	/* the first name is that one letter */
};

struct uf_why {
	int	 reason;	/* UF_OK or the guard that refused */
	uint32_t contacts;	/* UF_SIZE: contacts of the join (capped) */
	int32_t	 d1, d2;	/* UF_BIRTH: two conflicting dates */
	uint32_t u, v;		/* UF_NEVER: the never-link pair */
};

struct uf_set;

struct uf {
	uint32_t *parent;	/* parent[x] == x for a root */
	uint32_t *size;		/* records in the cluster; roots only */
	uint64_t *sig;		/* contact signature of each record, 0: none */
	int32_t	 *bdate;	/* birth date as YYYYMMDD, 0: none */
	struct uf_name *name;	/* name of each record; NULL: name guard off */
	struct uf_set **set;	/* aggregate of a root; NULL: its own values */
	uint32_t (*never)[2];	/* never-link pairs */
	size_t	 nnever, capnever;
	uint32_t n;
	uint32_t max_contacts;	/* 0: no limit */
	int	 bd_mode;	/* UF_BD_* */
};

/* n singletons.  Limits default to none: set the fields after init. */
void	uf_init(struct uf *, uint32_t n);
void	uf_release(struct uf *);

uint32_t uf_find(struct uf *, uint32_t x);

/* Guard data of a record; set before x is joined to anything. */
void	uf_set_sig(struct uf *, uint32_t x, uint64_t sig);
void	uf_set_bdate(struct uf *, uint32_t x, int32_t yyyymmdd);

/*
 * Turn the name guard on (before any join); uf_set_name then gives a
 * record's name.  uf_name_of makes one from the name keys (NULL or
 * empty: none).
 */
void	uf_name_guard(struct uf *);
void	uf_set_name(struct uf *, uint32_t x, const struct uf_name *);
void	uf_name_of(struct uf_name *, const char *first, size_t nfirst,
	    const char *last, size_t nlast, const char *full, size_t nfull);

/*
 * Whether two names may be one person's: each part both give agrees,
 * the first names equal or one the other's initial, the last names
 * equal or with the same first 4 bytes (a typo further on: a
 * household's last names are equal anyway, its first names differ).
 */
int	uf_name_fits(const struct uf_name *, const struct uf_name *);

/* Declare that u and v must never be in one cluster. */
void	uf_add_never(struct uf *, uint32_t u, uint32_t v);

/*
 * Whether the clusters of roots rx != ry may be joined: UF_OK, or the
 * refusing guard with its detail in *why (which may be NULL).
 */
int	uf_check(struct uf *, uint32_t rx, uint32_t ry, struct uf_why *why);

/*
 * uf_check for a link between records a and b (roots rx and ry), with
 * the name guard: UF_NAME when a or b has no name and the two clusters
 * hold names none of which fits one of the other.
 */
int	uf_check_link(struct uf *, uint32_t rx, uint32_t ry, uint32_t a,
	    uint32_t b, struct uf_why *why);

/*
 * Join the clusters of roots rx and ry, unchecked; returns the new
 * root (the larger cluster's, the smaller index on a tie).
 */
uint32_t uf_join(struct uf *, uint32_t rx, uint32_t ry);

/* Number of distinct contacts of the cluster of root r (capped). */
uint32_t uf_contacts(struct uf *, uint32_t r);

/* "YYYY-MM-DD..." as YYYYMMDD, or 0 when s does not start with a date. */
int32_t	uf_date(const char *s, size_t n);

/* Whether two dates (YYYYMMDD) conflict under mode. */
int	uf_date_conflict(int mode, int32_t a, int32_t b);

#endif
