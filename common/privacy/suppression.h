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

#endif
