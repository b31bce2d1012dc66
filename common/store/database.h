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
#include "store/statements.h"

#define DB_CREATE	0x01	/* create the file if it does not exist */
#define DB_RDONLY	0x02	/* open read-only (no migration) */

/* The schema version this build writes. */
#define DB_VERSION	12

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

#endif
