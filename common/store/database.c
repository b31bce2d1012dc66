/*
 * database.c - open, configure and migrate the shared database; see
 * database.h.  The statement helpers every file shares are in
 * statements.c.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "store/bulk_load.h"
#include "store/database.h"
#include "store/schema.h"

_Static_assert(NMIGRATIONS == DB_VERSION, "one migration per version");

const char *
db_path(const char *opt)
{
	const char *e;

	if (opt != NULL)
		return opt;
	if ((e = getenv("CDP_DB")) != NULL && *e != '\0')
		return e;
	return "cdp.db";
}

/*
 * Create the file with mode 0600 ourselves: sqlite would create it with
 * 0644 less the umask, and the WAL and shm files copy the mode of the
 * database.  fchmod makes the mode exact whatever the umask.
 */
static int
create_private(const char *path, struct sbuf *why)
{
	int fd;

	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd == -1) {
		if (errno == EEXIST)
			return 0;
		sb_reset(why);
		sb_addf(why, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (fchmod(fd, 0600) == -1) {
		sb_reset(why);
		sb_addf(why, "%s: %s", path, strerror(errno));
		close(fd);
		return -1;
	}
	close(fd);
	return 0;
}

static int
user_version(sqlite3 *db, int *v)
{
	sqlite3_stmt *st;
	int rc;

	if (sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &st, NULL) !=
	    SQLITE_OK)
		return -1;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*v = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return rc == SQLITE_ROW ? 0 : -1;
}

/*
 * Whether db is a cdp store: at version 0, empty (a new file) and
 * create set; at any other version, with cdp's own tables (a newer
 * version is left to migrate, which says so).  A foreign
 * SQLite file, or an empty one a tool that only reads was given, is
 * refused rather than turned into a store.  0, or -1 with why.
 */
static int
check_store(sqlite3 *db, int v, int create, struct sbuf *why)
{
	sqlite3_stmt *st;
	long long n = -1, own = -1;

	/*
	 * The version again, in the same statement as the tables: one
	 * snapshot.  Read apart, a store another tool is creating at this
	 * moment could be seen at version 0 and then with its tables: a
	 * cdp store taken for another program's file.
	 */
	if (sqlite3_prepare_v2(db, "SELECT (SELECT user_version FROM "
	    "pragma_user_version), count(*), count(*) FILTER (WHERE "
	    "type = 'table' AND name IN ('run', 'record', 'source')) FROM "
	    "sqlite_schema", -1, &st, NULL) != SQLITE_OK)
		return db_err(db, "schema", why);
	if (sqlite3_step(st) == SQLITE_ROW) {
		v = sqlite3_column_int(st, 0);
		n = sqlite3_column_int64(st, 1);
		own = sqlite3_column_int64(st, 2);
	}
	sqlite3_finalize(st);
	if (n == -1)
		return db_err(db, "schema", why);
	if (v > DB_VERSION || (v == 0 ? n == 0 && create : own == 3))
		return 0;
	sb_reset(why);
	if (n == 0)
		sb_adds(why, "not a cdp database: empty (cdp-ingest creates "
		    "one)");
	else
		sb_adds(why, "not a cdp database: another program's SQLite "
		    "file");
	return -1;
}

static int
migrate(sqlite3 *db, struct sbuf *why)
{
	struct sbuf sql;
	int v;

	if (user_version(db, &v) == -1)
		goto sqlerr;
	if (v == DB_VERSION)
		return 0;
	if (v > DB_VERSION) {
		sb_reset(why);
		sb_addf(why, "database schema version %d is newer than this "
		    "cdp (%d)", v, DB_VERSION);
		return -1;
	}
	/* Take the write lock, then look again: another process may have
	 * migrated while we waited. */
	if (db_begin(db, why) == -1)
		return -1;
	if (user_version(db, &v) == -1)
		goto sqlerr;
	sb_init(&sql);
	for (; v < DB_VERSION; v++) {
		if (db_exec(db, migrations[v], why) == -1) {
			sb_release(&sql);
			db_rollback(db);
			return -1;
		}
		sb_reset(&sql);
		sb_addf(&sql, "PRAGMA user_version = %d", v + 1);
		if (db_exec(db, sql.buf, why) == -1) {
			sb_release(&sql);
			db_rollback(db);
			return -1;
		}
	}
	sb_release(&sql);
	return db_commit(db, why);

sqlerr:
	sb_reset(why);
	sb_adds(why, sqlite3_errmsg(db));
	db_rollback(db);
	return -1;
}

/*
 * Run sql, trying again for up to ms milliseconds while the database is
 * locked.  Two processes opening a new file at once both turn it to WAL
 * mode, and the one that would wait on the other's lock while holding
 * its own gets SQLITE_BUSY at once, from SQLite's deadlock avoidance,
 * without its busy handler: "database is locked" for one of two ingests
 * started together on a new store.
 */
static int
exec_busy(sqlite3 *db, const char *sql, long long ms, struct sbuf *why)
{
	const struct timespec pause = { 0, 20 * 1000 * 1000 };
	long long waited = 0;

	while (db_exec(db, sql, why) == -1) {
		if ((sqlite3_extended_errcode(db) & 0xff) != SQLITE_BUSY ||
		    waited >= ms)
			return -1;
		nanosleep(&pause, NULL);
		waited += 20;
	}
	return 0;
}

int
db_open(const char *path, int flags, sqlite3 **out, struct sbuf *why)
{
	sqlite3 *db = NULL;
	const char *e;
	struct sbuf sql;
	long long timeout = 60000, cache_mb, page;
	const char *errstr;
	int oflags, rc, v = 0;

	*out = NULL;
	if ((flags & DB_CREATE) && !(flags & DB_RDONLY) &&
	    create_private(path, why) == -1)
		return -1;
	oflags = (flags & DB_RDONLY) ? SQLITE_OPEN_READONLY :
	    SQLITE_OPEN_READWRITE;
	rc = sqlite3_open_v2(path, &db, oflags | SQLITE_OPEN_NOMUTEX, NULL);
	if (rc != SQLITE_OK) {
		sb_reset(why);
		if (!(flags & DB_CREATE) && access(path, F_OK) == -1 &&
		    errno == ENOENT)
			sb_addf(why, "%s: no such database (cdp-ingest "
			    "creates it with the first records)", path);
		else
			sb_addf(why, "%s: %s", path,
			    db ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
		sqlite3_close(db);
		return -1;
	}
	sqlite3_extended_result_codes(db, 1);
	if ((e = getenv("CDP_BUSY_TIMEOUT")) != NULL &&
	    parse_ll(e, 0, 86400000, &timeout, &errstr) == -1)
		timeout = 60000;
	sqlite3_busy_timeout(db, (int)timeout);
	/* Before any pragma: a file that is not a store is left untouched. */
	sb_reset(why);
	if (user_version(db, &v) == -1 || check_store(db, v, (flags &
	    DB_CREATE) && !(flags & DB_RDONLY), why) == -1) {
		struct sbuf m;

		sb_init(&m);
		sb_addf(&m, "%s: %s", path, why->len > 0 ? why->buf :
		    sqlite3_errmsg(db));
		sb_reset(why);
		sb_add(why, m.buf, m.len);
		sb_release(&m);
		sqlite3_close(db);
		return -1;
	}
	/* The page cache bounds memory; big enough to keep the indexes of
	 * millions of records in memory while a batch is written. */
	if ((e = getenv("CDP_CACHE_MB")) == NULL ||
	    parse_ll(e, 1, 65536, &cache_mb, &errstr) == -1)
		cache_mb = 256;
	sb_init(&sql);
	/*
	 * The page size of a new file (an existing one keeps its own).
	 * 16 KiB rather than SQLite's 4: a quarter of the pages, so of the
	 * WAL frames, system calls and B-tree levels, for rows of a few
	 * hundred bytes (cdp-ingest writes 1M events with 40% less system
	 * time and 20% less CPU in its writer); an empty store is 1 MB.
	 */
	if ((e = getenv("CDP_PAGE_SIZE")) == NULL ||
	    parse_ll(e, 512, 65536, &page, &errstr) == -1 ||
	    (page & (page - 1)) != 0)
		page = 16384;
	sb_addf(&sql, "PRAGMA page_size = %lld;", page);
	sb_addf(&sql, "PRAGMA foreign_keys = OFF;"
	    "PRAGMA temp_store = MEMORY;"
	    "PRAGMA cache_size = -%lld;", cache_mb * 1024);
	if (!(flags & DB_RDONLY))
		sb_adds(&sql, "PRAGMA journal_mode = WAL;"
		    "PRAGMA synchronous = NORMAL;"
		    "PRAGMA secure_delete = FAST;");
	rc = exec_busy(db, sql.buf, timeout, why);
	sb_release(&sql);
	/* A writer first completes a bulk load that was killed (bulk_load.h). */
	if (rc == -1 || (!(flags & DB_RDONLY) && (migrate(db, why) == -1 ||
	    bulk_repair(db, why) == -1))) {
		if (why->len > 0) {
			struct sbuf m;

			sb_init(&m);
			sb_addf(&m, "%s: %s", path, why->buf);
			sb_reset(why);
			sb_add(why, m.buf, m.len);
			sb_release(&m);
		}
		sqlite3_close(db);
		return -1;
	}
	if ((flags & DB_RDONLY) && (user_version(db, &v) == -1 ||
	    v != DB_VERSION)) {
		sb_reset(why);
		sb_addf(why, "%s: not a cdp database of version %d", path,
		    DB_VERSION);
		sqlite3_close(db);
		return -1;
	}
	*out = db;
	return 0;
}

void
db_close(sqlite3 *db)
{
	sqlite3_close(db);
}
