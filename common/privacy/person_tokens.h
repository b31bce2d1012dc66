/*
 * person_tokens.h - the values that betray one person, and where they
 * show: what an erasure looks for outside the tables it deletes from.
 *
 * An erasure knows the person's identifiers as stored (normalised), but
 * the files and logs the tools wrote hold them as they came (a phone as
 * "06 12 34 56 78", an email in capitals) and as exports hashed them.
 * The token set holds every such form, lower-cased; a text holds the
 * person when one token occurs in it whole: the characters either side
 * of it (when the token's own edge is a letter or a digit) are neither
 * letters nor digits, so "C001" is not found in "C0010".
 *
 *	struct ptok t;
 *	ptok_init(&t);
 *	ptok_add_ident(&t, "email", "jean@example.fr");
 *	ptok_add_raw(&t, "06 12 34 56 78");
 *	if (ptok_match(&t, line, len)) ...
 *	ptok_release(&t);
 */
#ifndef CDP_PERSON_TOKENS_H
#define CDP_PERSON_TOKENS_H

#include <sqlite3.h>
#include <stddef.h>

#define PTOK_MIN	4	/* shorter values are not searched for */

struct ptok {
	char	**v;		/* lower-cased tokens, unique */
	size_t	 n, cap;
	char	**phones;	/* their phones' digits reversed, for ptok_add_raw */
	size_t	 nphone, capphone;
	char	**ids;		/* every identifier value, for ptok_add_raw */
	size_t	 nid, capid;
	int	 sorted;	/* v, ids and phones sorted, without duplicates */
};

void	ptok_init(struct ptok *);
void	ptok_release(struct ptok *);

/* A token as is (lower-cased); values shorter than PTOK_MIN are skipped. */
void	ptok_add(struct ptok *, const char *s, size_t n);

/*
 * A stored identifier of kind (email, phone, customer_id, ...): the
 * value, and for an email or a phone the SHA-256 forms an export writes
 * (cdp-export -H sha256 and sha256:meta).
 */
void	ptok_add_ident(struct ptok *, const char *kind, const char *value);

/*
 * A value as a source gave it (a leaf of a record's raw JSON): a token
 * when it is one of the identifiers added before, written another way
 * (case, spaces, a phone in national form).
 */
void	ptok_add_raw(struct ptok *, const char *s, size_t n);

/*
 * Whether s holds one of the tokens, whole.  (Sorts the tokens first
 * when some were added since.)
 */
int	ptok_match(struct ptok *, const char *s, size_t n);

/*
 * Register the SQL function priv_holds(X) on db: 1 when X (text or
 * blob) holds a token, else 0.  t must outlive its use.  0 or -1.
 */
int	ptok_register(sqlite3 *, struct ptok *);

#endif
