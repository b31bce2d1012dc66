/*
 * t-db.c - the database opener: file mode, pragmas, forward migration
 * from every older schema version, refusal of a newer one; db_err.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "store/database.h"
#include "store/schema.h"
#include "tap.h"
#include "tsql.h"

static char dir[] = "/tmp/t-db.XXXXXX";

static long long
one(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *st;
	long long v = -1;

	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		return -2;
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

/* A database at schema version v, built with the old migrations only. */
static void
make_old(const char *path, int v)
{
	sqlite3 *db;
	char sql[64];
	int i;

	unlink(path);
	sqlite3_open(path, &db);
	for (i = 0; i < v; i++)
		sqlite3_exec(db, migrations[i], NULL, NULL, NULL);
	snprintf(sql, sizeof(sql), "PRAGMA user_version = %d", v);
	sqlite3_exec(db, sql, NULL, NULL, NULL);
	if (v >= 1)
		sqlite3_exec(db, "INSERT INTO source(name, created_at) "
		    "VALUES ('old', '2024-01-01T00:00:00Z')", NULL, NULL, NULL);
	sqlite3_close(db);
}

int
main(void)
{
	struct sbuf why;
	struct stat sb;
	sqlite3 *db;
	char path[64];
	int v, rc;

	if (mkdtemp(dir) == NULL)
		return 1;
	sb_init(&why);
	snprintf(path, sizeof(path), "%s/new.db", dir);

	umask(0);
	rc = db_open(path, DB_CREATE, &db, &why);
	ok(rc == 0, "db_open creates a new database");
	ok(stat(path, &sb) == 0 && (sb.st_mode & 0777) == 0600,
	    "created 0600 with umask 0");
	is_num(one(db, "PRAGMA user_version"), DB_VERSION, 0,
	    "schema at the current version");
	is_str(sql_text(db, "PRAGMA journal_mode"), "wal", "WAL journal");
	is_num(one(db, "PRAGMA synchronous"), 1, 0, "synchronous = NORMAL");
	db_close(db);

	rc = db_open(path, 0, &db, &why);
	ok(rc == 0, "an existing database opens without DB_CREATE");
	sb_adds(&why, "an earlier message");
	ok(db_prepare(db, "SELECT * FROM nosuch", &why) == NULL &&
	    db_err(db, "nosuch", &why) == -1, "db_err returns -1");
	is_str(why.buf, "nosuch: no such table: nosuch",
	    "db_err: what, then sqlite's message, in place of what was there");
	db_close(db);

	snprintf(path, sizeof(path), "%s/missing.db", dir);
	rc = db_open(path, 0, &db, &why);
	ok(rc == -1 && access(path, F_OK) == -1,
	    "without DB_CREATE a missing database is an error, not created");

	for (v = 0; v < DB_VERSION; v++) {
		char desc[80];

		snprintf(path, sizeof(path), "%s/v%d.db", dir, v);
		make_old(path, v);
		/* Version 0 is a new, empty file: only a creator takes it. */
		if (v == 0) {
			rc = db_open(path, 0, &db, &why);
			ok(rc == -1 && strstr(why.buf, "not a cdp database: "
			    "empty") != NULL, "an empty file is not a store");
		}
		rc = db_open(path, v == 0 ? DB_CREATE : 0, &db, &why);
		snprintf(desc, sizeof(desc), "version %d migrates forward", v);
		ok(rc == 0 && one(db, "PRAGMA user_version") == DB_VERSION,
		    desc);
		if (v >= 1) {
			snprintf(desc, sizeof(desc),
			    "version %d keeps its data", v);
			is_str(sql_text(db, "SELECT name FROM source"), "old", desc);
		}
		snprintf(desc, sizeof(desc), "version %d gets the v2 tables", v);
		ok(one(db, "SELECT count(*) FROM sqlite_master "
		    "WHERE name IN ('profile', 'member', 'link')") == 3, desc);
		db_close(db);
	}

	snprintf(path, sizeof(path), "%s/future.db", dir);
	make_old(path, 0);
	sqlite3_open(path, &db);
	sqlite3_exec(db, "PRAGMA user_version = 999", NULL, NULL, NULL);
	sqlite3_close(db);
	rc = db_open(path, 0, &db, &why);
	ok(rc == -1, "a newer schema is refused");
	ok(strstr(why.buf, "newer than this cdp") != NULL,
	    "with a message saying so");

	/* Another program's SQLite file: refused, even by a creator, and
	 * left as it was (no WAL, no tables added). */
	snprintf(path, sizeof(path), "%s/foreign.db", dir);
	sqlite3_open(path, &db);
	sqlite3_exec(db, "CREATE TABLE t (x); PRAGMA user_version = 3",
	    NULL, NULL, NULL);
	sqlite3_close(db);
	rc = db_open(path, DB_CREATE, &db, &why);
	ok(rc == -1 && strstr(why.buf, "another program's SQLite file") !=
	    NULL, "a foreign SQLite file is not a store");
	rc = db_open(path, DB_RDONLY, &db, &why);
	ok(rc == -1, "not even to read");
	sqlite3_open(path, &db);
	ok(one(db, "SELECT count(*) FROM sqlite_master") == 1 &&
	    one(db, "PRAGMA user_version") == 3 &&
	    strcmp(sql_text(db, "PRAGMA journal_mode"), "delete") == 0,
	    "and left as it was");
	sqlite3_close(db);

	snprintf(path, sizeof(path), "%s/junk.db", dir);
	{
		FILE *fp = fopen(path, "w");

		fputs("this is not a database, just some text\n", fp);
		fclose(fp);
	}
	rc = db_open(path, 0, &db, &why);
	ok(rc == -1 && strstr(why.buf, "junk.db") != NULL,
	    "a file that is not a database is an error naming it");

	sb_release(&why);
	return done_testing();
}
