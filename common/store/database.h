/*
 * database.h - the one opener of the shared profile file, and the schema.
 *
 * Every tool opens the database through db_open so that all of them
 * agree on its settings: WAL (readers never block the writer), a busy
 * timeout (a second writer waits instead of failing with "database is
 * locked"), synchronous=NORMAL (durable at checkpoints, consistent
 * always), and a file created with mode 0600 because it holds personal
 * data.  The schema version lives in PRAGMA user_version; opening an
 * older file migrates it forward in one transaction.  The schema itself
 * is documented for analysts in cdp-schema(5).
 */
#ifndef CDP_DATABASE_H
#define CDP_DATABASE_H

#include <sqlite3.h>

#include "core/util.h"

#define DB_CREATE	0x01	/* create the file if it does not exist */
#define DB_RDONLY	0x02	/* open read-only (no migration) */

/* The schema version this build writes. */
#define DB_VERSION	7

/*
 * The database path: opt when not NULL, else $CDP_DB when set and not
 * empty, else "cdp.db".
 */
const char *db_path(const char *opt);

/*
 * Open (and with DB_CREATE create) the database at path, apply the
 * settings and migrate the schema.  0 and *out set, or -1 with a
 * message in why (the database is closed).
 */
int	db_open(const char *path, int flags, sqlite3 **out, struct sbuf *why);
void	db_close(sqlite3 *);

/*
 * Finalize st, whose last step returned rc: 0 when that was
 * SQLITE_DONE, else -1 with sqlite's message in why.  The end of every
 * loop over a statement's rows.
 */
int	db_finish(sqlite3 *, sqlite3_stmt *st, int rc, struct sbuf *why);

/* "what: sqlite's message" into why; -1, for "return db_err(...)". */
int	db_err(sqlite3 *, const char *what, struct sbuf *why);

/* Step st once, expecting SQLITE_DONE, and finalize it: db_finish. */
int	db_step_final(sqlite3 *, sqlite3_stmt *st, struct sbuf *why);

/*
 * Memory-map up to SQLite's largest mapping (SQLITE_MAX_MMAP_SIZE by
 * default): for the tools that scan the whole store, rows read without
 * a copy.
 */
#define DB_MMAP_SQL	"PRAGMA mmap_size = 2147418112"

/* Run SQL without results; 0, or -1 with sqlite's message in why. */
int	db_exec(sqlite3 *, const char *sql, struct sbuf *why);

/*
 * Prepare a statement; NULL with the message in why.  Statements are
 * prepared once per run and reset per row by the callers.
 */
sqlite3_stmt *db_prepare(sqlite3 *, const char *sql, struct sbuf *why);

/* Bind text s[0..n) or NULL when s is NULL; SQLITE_TRANSIENT copy. */
int	db_bind_text(sqlite3_stmt *, int idx, const char *s, size_t n);

/*
 * Transactions.  db_begin takes the write lock at once (BEGIN
 * IMMEDIATE), so two writers queue on the busy timeout instead of
 * failing on a lock upgrade.
 */
int	db_begin(sqlite3 *, struct sbuf *why);
int	db_commit(sqlite3 *, struct sbuf *why);
void	db_rollback(sqlite3 *);

#endif
