/*
 * statements.h - the helpers of every statement and transaction on the
 * store: prepare, bind, step to the end, exec, begin/commit/rollback,
 * and sqlite's message into a struct sbuf.  database.h includes this
 * header, so a file that opens the store has them too.
 */
#ifndef CDP_STATEMENTS_H
#define CDP_STATEMENTS_H

#include <sqlite3.h>

#include "core/util.h"

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
