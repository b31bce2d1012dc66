/*
 * suppression.c - salted hashes for the suppression list; see suppression.h.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include <nettle/hmac.h>

#include "core/hash.h"
#include "core/util.h"
#include "normalise/normalise.h"
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

static int
cmp_entry(const void *a, const void *b)
{
	return strcmp(a, b);
}

int
priv_list_load(sqlite3 *db, struct priv_list *l)
{
	sqlite3_stmt *st;
	size_t cap = 0;
	int rc;

	l->e = NULL;
	l->n = 0;
	if (sqlite3_prepare_v2(db, "SELECT kind, hash FROM suppression",
	    -1, &st, NULL) != SQLITE_OK)
		return -1;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (l->n == cap) {
			cap = cap ? 2 * cap : 64;
			l->e = xrealloc(l->e, cap * sizeof(*l->e));
		}
		snprintf(l->e[l->n++], sizeof(*l->e), "%s:%s",
		    (const char *)sqlite3_column_text(st, 0),
		    (const char *)sqlite3_column_text(st, 1));
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return -1;
	if (l->n > 0)
		qsort(l->e, l->n, sizeof(*l->e), cmp_entry);
	return 0;
}

void
priv_list_release(struct priv_list *l)
{
	free(l->e);
	l->e = NULL;
	l->n = 0;
}

int
priv_list_has(const struct priv_list *l, const char *kind, const char hex[65])
{
	char key[80];

	if (l->n == 0)
		return 0;
	snprintf(key, sizeof(key), "%s:%s", kind, hex);
	return bsearch(key, l->e, l->n, sizeof(*l->e), cmp_entry) != NULL;
}

static int
listed(const struct priv_list *l, const uint8_t salt[PRIV_SALT_LEN],
    const char *kind, const char *v, size_t n)
{
	char hex[65];

	priv_hash(salt, kind, v, n, hex);
	return priv_list_has(l, kind, hex);
}

/* One field of a rejected line: any identifier it may be. */
static int
field_suppressed(const struct priv_list *l, const uint8_t salt[PRIV_SALT_LEN],
    const char *s, size_t n, const char *country, struct sbuf *tmp)
{
	static const char *const ids[] = { "customer_id", "loyalty_id",
	    "anonymous_id" };
	size_t i, w;

	while (n > 0 && isspace((unsigned char)*s)) {
		s++;
		n--;
	}
	while (n > 0 && isspace((unsigned char)s[n - 1]))
		n--;
	if (n == 0)
		return 0;
	for (i = 0; i < sizeof(ids) / sizeof(ids[0]); i++)
		if (listed(l, salt, ids[i], s, n))
			return 1;
	sb_reset(tmp);
	if (norm_phone(s, n, country, tmp) == NORM_OK &&
	    listed(l, salt, "phone", tmp->buf, tmp->len))
		return 1;
	for (i = 0; i < n; i += w + 1) {	/* each word, as an email */
		w = strcspn(s + i, " \t") < n - i ? strcspn(s + i, " \t") :
		    n - i;
		if (memchr(s + i, '@', w) == NULL)
			continue;
		sb_reset(tmp);
		if (norm_email(s + i, w, tmp) == NORM_OK &&
		    listed(l, salt, "email", tmp->buf, tmp->len))
			return 1;
	}
	return 0;
}

int
priv_text_suppressed(const struct priv_list *l,
    const uint8_t salt[PRIV_SALT_LEN], const char *text, size_t n,
    const char *country)
{
	struct sbuf tmp;
	size_t i = 0, j;
	int hit = 0;

	if (l->n == 0)
		return 0;
	sb_init(&tmp);
	while (i <= n && !hit) {
		for (j = i; j < n && memchr(",;\t\r\n\"{}[]:|", text[j],
		    13) == NULL; j++)
			;
		if (j - i < 256)
			hit = field_suppressed(l, salt, text + i, j - i,
			    country, &tmp);
		i = j + 1;
	}
	sb_release(&tmp);
	return hit;
}
