/*
 * id_array.h - cdp_ids(?): an array of ids as a table, for statements that
 * write one row per id (id_array.c).
 */
#ifndef CDP_ID_ARRAY_H
#define CDP_ID_ARRAY_H
#include <stddef.h>
#include <sqlite3.h>

/* The ids: v[0..n). */
struct idvec {
	const long long *v;
	size_t	 n;
};

/* Make cdp_ids known to db: 0, or -1. */
int	idvtab_register(sqlite3 *db);

/*
 * Bind v as parameter i of st, for "SELECT value FROM cdp_ids(?i)";
 * v must live until st is reset.  0, or -1.
 */
int	idvtab_bind(sqlite3_stmt *st, int i, const struct idvec *v);

#endif
