/*
 * suppression.c - salted hashes for the suppression list; see suppression.h.
 */
#include <string.h>
#include <sys/random.h>

#include <nettle/hmac.h>

#include "core/hash.h"
#include "privacy/suppression.h"

int
priv_salt(sqlite3 *db, uint8_t salt[PRIV_SALT_LEN], int create)
{
	sqlite3_stmt *st;
	int rc, found = 0;

	if (sqlite3_prepare_v2(db, "SELECT value FROM state "
	    "WHERE key = 'suppression_salt'", -1, &st, NULL) != SQLITE_OK)
		return -1;
	if ((rc = sqlite3_step(st)) == SQLITE_ROW &&
	    sqlite3_column_bytes(st, 0) == PRIV_SALT_LEN) {
		memcpy(salt, sqlite3_column_blob(st, 0), PRIV_SALT_LEN);
		found = 1;
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return -1;
	if (found || !create)
		return found;
	if (getrandom(salt, PRIV_SALT_LEN, 0) != PRIV_SALT_LEN)
		return -1;
	if (sqlite3_prepare_v2(db, "INSERT INTO state(key, value) "
	    "VALUES ('suppression_salt', ?)", -1, &st, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_blob(st, 1, salt, PRIV_SALT_LEN, SQLITE_STATIC);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 1 : -1;
}

void
priv_hash(const uint8_t salt[PRIV_SALT_LEN], const char *kind,
    const char *value, size_t len, char out[65])
{
	struct hmac_sha256_ctx ctx;
	uint8_t d[SHA256_DIGEST_SIZE];

	hmac_sha256_set_key(&ctx, PRIV_SALT_LEN, salt);
	hmac_sha256_update(&ctx, strlen(kind), (const uint8_t *)kind);
	hmac_sha256_update(&ctx, 1, (const uint8_t *)":");
	hmac_sha256_update(&ctx, len, (const uint8_t *)value);
	hmac_sha256_digest(&ctx, SHA256_DIGEST_SIZE, d);
	hash_hex(d, SHA256_DIGEST_SIZE, out);
}
