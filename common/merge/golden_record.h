/*
 * golden_record.h - survivorship: the golden record of a profile, built field
 * by field from the values of its member records.
 *
 * Each golden field has a chain of rules; the first rule ranks the
 * records holding a value, the next breaks its ties, and so on, and the
 * record with the smallest rowid breaks the last tie, so the result
 * never depends on the order the records were fed in:
 *
 *   most-recent      the record seen last (its ts, else the time of the
 *                    ingest run that last changed it)
 *   most-frequent    the value held by the most records (names compared
 *                    by their match key, so "Jean-François" and
 *                    "JEAN FRANCOIS" count together)
 *   source-priority  the record whose source comes first in the priority
 *                    list (sources not listed come after, all equal)
 *   first            the record seen first: the oldest non-empty value
 *
 * The address (street, postal_code, city, country) is one field: its
 * four parts come from the same record, so a golden address is never a
 * street of one home with the city of another.
 */
#ifndef CDP_GOLDEN_RECORD_H
#define CDP_GOLDEN_RECORD_H

#include <stddef.h>

#include "core/util.h"

/* Golden fields (the address covers four columns). */
enum {
	G_EMAIL, G_PHONE, G_CUSTOMER_ID, G_LOYALTY_ID, G_ANONYMOUS_ID,
	G_FIRST_NAME, G_LAST_NAME, G_FULL_NAME, G_BIRTH_DATE, G_GENDER,
	G_ORG_NAME, G_ADDRESS, G_NFIELD
};

/* Profile columns, in this order: the fields, the address as four. */
enum {
	GC_STREET = G_ADDRESS, GC_POSTAL_CODE, GC_CITY, GC_COUNTRY, GC_N
};

enum { GR_END, GR_RECENT, GR_FREQUENT, GR_SOURCE, GR_FIRST };

#define GOLDEN_MAXRULE	4

/* One member record as handed to golden_add; strings may be NULL. */
struct golden_rec {
	long long rowid;
	const char *source;		/* source name */
	const char *val[GC_N];		/* column values */
	const char *key[3];		/* first, last, full name match keys */
	const char *recent;		/* ts, else time of the last change */
	const char *seen;		/* ts, else time of the first ingest */
};

struct golden_row;

struct golden {
	int	 rule[G_NFIELD][GOLDEN_MAXRULE + 1];	/* GR_END-terminated */
	char	**prio;		/* source priority list */
	size_t	 nprio;
	/* The profile being built. */
	struct golden_row *rows;
	size_t	 nrows, caprows;
	struct sbuf arena;
	struct sbuf keys, key;	/* scratch of golden_end */
	void	*cand;
	size_t	 capcand;
	/* The result of golden_end. */
	const char *col[GC_N];	/* NULL when no record has a value */
	const char *first_seen, *last_seen;
	long long nrecords;
};

/* Default rules; see the man page of cdp-merge. */
void	golden_init(struct golden *);
void	golden_release(struct golden *);

/* The column name of profile column c ("email", ..., "country"). */
const char *golden_col_name(int c);
/* The field called name ("email", ..., "address"), or -1. */
int	golden_field_lookup(const char *name);
/* The rule called name ("most-recent", ...), or -1. */
int	golden_rule_lookup(const char *name);
const char *golden_rule_name(int rule);

/* Set the rules of a field; 0, or -1 when there are too many. */
int	golden_set_rules(struct golden *, int field, const int *rules,
	    size_t n);
/* Replace the source priority list (copied). */
void	golden_set_priority(struct golden *, char *const *sources, size_t n);

/*
 * Build one golden record: golden_begin, golden_add for each member,
 * golden_end; the result stays valid until the next golden_begin.
 */
void	golden_begin(struct golden *);
void	golden_add(struct golden *, const struct golden_rec *);
void	golden_end(struct golden *);

#endif
