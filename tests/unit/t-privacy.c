/*
 * t-privacy.c - unit tests for common/privacy: the forms of a person's
 * identifiers and their search in text (person_tokens.c), and the check
 * of a rejected line against the suppression list (suppression.c), and
 * the report folder's pages an erasure deletes (kept_files.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/hash.h"
#include "core/util.h"
#include "privacy/kept_files.h"
#include "privacy/person_tokens.h"
#include "privacy/suppression.h"
#include "tap.h"

static int
m(struct ptok *t, const char *s)
{
	return ptok_match(t, s, strlen(s));
}

static void
tokens(void)
{
	struct ptok t;
	uint8_t d[HASH_LEN];
	char hex[2 * HASH_LEN + 1];

	ptok_init(&t);
	ptok_add_ident(&t, "email", "jean.dupont@example.fr");
	ptok_add_ident(&t, "phone", "+33612345678");
	ptok_add_ident(&t, "customer_id", "C001");
	ptok_add_ident(&t, "anonymous_id", "ab");	/* too short */
	ok(m(&t, "x;JEAN.DUPONT@Example.FR;y"), "an email in capitals");
	ok(!m(&t, "xjean.dupont@example.fr"), "not inside a longer token");
	ok(m(&t, "C001;Jean"), "an id at the start");
	ok(!m(&t, "C0010;Jean"), "not the start of a longer id");
	ok(!m(&t, "ab;cd"), "values shorter than PTOK_MIN are not tokens");
	ok(m(&t, "\"33612345678\""), "the phone without '+' (sha256:meta's "
	    "input)");
	hash_sha256("jean.dupont@example.fr", 22, d);
	hash_hex(d, HASH_LEN, hex);
	ok(m(&t, hex), "the SHA-256 of the email");
	hash_sha256("+33612345678", 12, d);
	hash_hex(d, HASH_LEN, hex);
	ok(m(&t, hex), "the SHA-256 of the phone");
	ok(!m(&t, "06 12 34 56 78"), "a national phone only once seen raw");
	ptok_add_raw(&t, "06 12 34 56 78", 14);
	ok(m(&t, "C9;06 12 34 56 78;Paris"), "then found as written");
	ptok_add_raw(&t, "06 12 34 56 79", 14);
	ok(!m(&t, "06 12 34 56 79"), "another phone is not taken");
	ptok_add_raw(&t, "Paris", 5);
	ok(!m(&t, "Paris"), "a raw value that is no identifier is not taken");
	ptok_add_raw(&t, " Jean.Dupont@Example.FR ", 24);
	ok(m(&t, "jean.dupont@example.fr"), "a raw email is its identifier");
	ok(!m(&t, ""), "empty text");
	ptok_release(&t);
}

/* retain: many people at once, a long text. */
static void
many(void)
{
	struct ptok t;
	struct sbuf text;
	char v[32];
	int i;

	ptok_init(&t);
	for (i = 0; i < 50000; i++) {
		snprintf(v, sizeof(v), "cust-%06d", i);
		ptok_add_ident(&t, "customer_id", v);
		snprintf(v, sizeof(v), "+336%08d", i);
		ptok_add_ident(&t, "phone", v);
	}
	ptok_add_raw(&t, "06 00 04 99 99", 14);
	ok(t.n == 50000 * 5 + 1, "250001 tokens");
	sb_init(&text);
	for (i = 0; i < 20000; i++)
		sb_adds(&text, "x;cust-9;Paris;06 00 00 00 01x;");
	ok(!ptok_match(&t, text.buf, text.len), "none in 640 kB of others");
	sb_adds(&text, "cust-049999;");
	ok(ptok_match(&t, text.buf, text.len), "the last one, at the end");
	sb_reset(&text);
	sb_adds(&text, "tel 06 00 04 99 99");
	ok(ptok_match(&t, text.buf, text.len), "a phone as written");
	sb_release(&text);
	ptok_release(&t);
}

static void
suppressed(void)
{
	sqlite3 *db;
	uint8_t salt[PRIV_SALT_LEN];
	struct priv_list l;
	char hex[65];
	sqlite3_stmt *st;
	const char *line;

	sqlite3_open(":memory:", &db);
	sqlite3_exec(db, "CREATE TABLE state (key TEXT PRIMARY KEY, value);"
	    "CREATE TABLE suppression (kind TEXT, hash TEXT, erased_at TEXT)",
	    NULL, NULL, NULL);
	ok(priv_salt(db, salt, 1) == 1, "a salt is made");
	sqlite3_prepare_v2(db, "INSERT INTO suppression VALUES (?, ?, 'now')",
	    -1, &st, NULL);
	priv_hash(salt, "email", "jean.dupont@example.fr", 22, hex);
	sqlite3_bind_text(st, 1, "email", -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, hex, -1, SQLITE_STATIC);
	sqlite3_step(st);
	sqlite3_reset(st);
	priv_hash(salt, "phone", "+33698765432", 12, hex);
	sqlite3_bind_text(st, 1, "phone", -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, hex, -1, SQLITE_STATIC);
	sqlite3_step(st);
	sqlite3_reset(st);
	priv_hash(salt, "anonymous_id", "ck-9", 4, hex);
	sqlite3_bind_text(st, 1, "anonymous_id", -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, hex, -1, SQLITE_STATIC);
	sqlite3_step(st);
	sqlite3_finalize(st);
	ok(priv_list_load(db, &l) == 0 && l.n == 3, "the list is loaded");
	line = "{\"ID\":\"\",\"EMAIL\":\" JEAN.Dupont@example.fr \"}";
	ok(priv_text_suppressed(&l, salt, line, strlen(line), NULL),
	    "an email in a JSON rejected line");
	line = ";Jean;06 98 76 54 32;x";
	ok(priv_text_suppressed(&l, salt, line, strlen(line), "FR"),
	    "a national phone with the default country");
	ok(!priv_text_suppressed(&l, salt, line, strlen(line), NULL),
	    "not without it");
	line = "note: write to jean.dupont@example.fr soon";
	ok(priv_text_suppressed(&l, salt, line, strlen(line), NULL),
	    "an email among words");
	line = "{\"anon\":\"ck-9\"}";
	ok(priv_text_suppressed(&l, salt, line, strlen(line), NULL),
	    "a cookie");
	line = "{\"anon\":\"ck-90\",\"email\":\"jean@example.fr\"}";
	ok(!priv_text_suppressed(&l, salt, line, strlen(line), NULL),
	    "others pass");
	priv_list_release(&l);
	ok(!priv_text_suppressed(&l, salt, line, strlen(line), NULL),
	    "an empty list holds nothing");
	sqlite3_close(db);
}

static int
page_7(void *arg, const char *path)
{
	(void)arg;
	return strstr(path, "/customer-7.html") != NULL;
}

static void
seen(void *arg, const char *path, long removed, int deleted)
{
	struct sbuf *b = arg;

	sb_addf(b, "%s %ld %d;", strrchr(path, '/') + 1, removed, deleted);
}

static void
put(const char *dir, const char *name, const char *text)
{
	char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if ((f = fopen(path, "w")) != NULL) {
		fputs(text, f);
		fclose(f);
	}
}

static void
report_pages(void)
{
	char dir[] = "/tmp/t-privacy.XXXXXX", path[256];
	struct sbuf b, why;
	struct ptok t;
	long n;

	if (mkdtemp(dir) == NULL) {
		ok(0, "mkdtemp");
		return;
	}
	put(dir, "customer-7.html", "<p>Jean</p>\n");
	put(dir, "customer-8.html", "<p>Zoe</p>\n");
	put(dir, "index.html", "<p>3 profiles</p>\n");
	put(dir, "notes.html", "<p>\n<a>Jean.Dupont@Example.FR</a>\n</p>\n");
	ptok_init(&t);
	ptok_add_ident(&t, "email", "jean.dupont@example.fr");
	sb_init(&b);
	sb_init(&why);
	n = kept_remove(&t, page_7, dir, 1, seen, &b, &why);
	is_num(n, 2, 0, "dry: two pages would go");
	is_str(b.buf, "customer-7.html -1 1;notes.html -1 1;",
	    "the person's own page whatever it holds, and one naming them");
	snprintf(path, sizeof(path), "%s/notes.html", dir);
	ok(access(path, F_OK) == 0, "dry: nothing deleted");
	sb_reset(&b);
	n = kept_remove(&t, page_7, dir, 0, seen, &b, &why);
	is_num(n, 2, 0, "two pages deleted");
	ok(access(path, F_OK) == -1, "the page naming them is gone");
	snprintf(path, sizeof(path), "%s/customer-8.html", dir);
	ok(access(path, F_OK) == 0, "another customer's page stays");
	snprintf(path, sizeof(path), "%s/nowhere", dir);
	is_num(kept_remove(&t, page_7, path, 0, seen, &b, &why), 0, 0,
	    "a folder that does not exist holds nothing");
	snprintf(path, sizeof(path), "rm -rf %s", dir);
	if (system(path) != 0)
		ok(0, "cleanup");
	ptok_release(&t);
	sb_release(&b);
	sb_release(&why);
}

int
main(void)
{
	tokens();
	many();
	suppressed();
	report_pages();
	return done_testing();
}
