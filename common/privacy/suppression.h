/*
 * suppression.h - the suppression list of erased identifiers.
 *
 * An erased person's identifiers are kept only as salted hashes, so that
 * a later ingest of the same email or phone can be refused without the
 * database holding the value.  The salt is random per database (state
 * table, key "suppression_salt"), so the hashes cannot be matched
 * against another database or a precomputed table.  The hash is
 * HMAC-SHA256(salt, kind ":" value) in hex.
 */
#ifndef CDP_SUPPRESSION_H
#define CDP_SUPPRESSION_H

#include <sqlite3.h>
#include <stddef.h>
#include <stdint.h>

#define PRIV_SALT_LEN	32

/*
 * Load the salt into salt; with create, make one when there is none.
 * 1 loaded or created, 0 none (and not create), -1 on error.
 */
int	priv_salt(sqlite3 *, uint8_t salt[PRIV_SALT_LEN], int create);

/* The suppression hash of (kind, value) in hex (65 bytes with NUL). */
void	priv_hash(const uint8_t salt[PRIV_SALT_LEN], const char *kind,
	    const char *value, size_t len, char out[65]);

/*
 * The whole list in memory, for a reader that checks text rather than
 * one (kind, value) at a time, and from more than one thread.
 */
struct priv_list {
	char	(*e)[80];	/* "kind:hash", sorted */
	size_t	 n;
};

/* Load the list; 0 or -1 (sqlite3_errmsg). */
int	priv_list_load(sqlite3 *, struct priv_list *);
void	priv_list_release(struct priv_list *);
/* Whether (kind, hash) is on the list. */
int	priv_list_has(const struct priv_list *, const char *kind,
	    const char hex[65]);

/*
 * Whether text (a rejected line, say) holds an erased identifier: each
 * of its fields (between , ; tab quotes brackets and colons), trimmed,
 * is tried as an email, a phone (default country, may be NULL) and a
 * customer, loyalty or anonymous id; each word of it as an email.
 */
int	priv_text_suppressed(const struct priv_list *,
	    const uint8_t salt[PRIV_SALT_LEN], const char *text, size_t n,
	    const char *country);

#endif
