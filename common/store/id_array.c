/*
 * id_array.c - cdp_ids(?), a table-valued function over an array of ids
 * bound as a pointer: INSERT ... SELECT value FROM cdp_ids(?) writes a
 * million rows in one statement without the text of a JSON array to
 * build and parse (json_each), which was a third of the cost.  The
 * pointer is bound with sqlite3_bind_pointer and the type "cdp_ids", so
 * SQL text cannot forge one.
 */
#include <string.h>

#include "store/id_array.h"

struct cursor {
	sqlite3_vtab_cursor base;
	const struct idvec *v;
	size_t	 i;
};

static int
ids_connect(sqlite3 *db, void *aux, int argc, const char *const *argv,
    sqlite3_vtab **vt, char **err)
{
	int rc;

	(void)aux;
	(void)argc;
	(void)argv;
	(void)err;
	rc = sqlite3_declare_vtab(db, "CREATE TABLE x(value INTEGER, "
	    "ptr HIDDEN)");
	if (rc != SQLITE_OK)
		return rc;
	if ((*vt = sqlite3_malloc(sizeof(**vt))) == NULL)
		return SQLITE_NOMEM;
	memset(*vt, 0, sizeof(**vt));
	sqlite3_vtab_config(db, SQLITE_VTAB_INNOCUOUS);
	return SQLITE_OK;
}

static int
ids_disconnect(sqlite3_vtab *vt)
{
	sqlite3_free(vt);
	return SQLITE_OK;
}

static int
ids_open(sqlite3_vtab *vt, sqlite3_vtab_cursor **cur)
{
	struct cursor *c;

	(void)vt;
	if ((c = sqlite3_malloc(sizeof(*c))) == NULL)
		return SQLITE_NOMEM;
	memset(c, 0, sizeof(*c));
	*cur = &c->base;
	return SQLITE_OK;
}

static int
ids_close(sqlite3_vtab_cursor *cur)
{
	sqlite3_free(cur);
	return SQLITE_OK;
}

/* Only "ptr = ?" is usable, and required. */
static int
ids_best(sqlite3_vtab *vt, sqlite3_index_info *ii)
{
	int i;

	(void)vt;
	for (i = 0; i < ii->nConstraint; i++) {
		if (ii->aConstraint[i].iColumn != 1 ||
		    ii->aConstraint[i].op != SQLITE_INDEX_CONSTRAINT_EQ)
			continue;
		if (!ii->aConstraint[i].usable)
			return SQLITE_CONSTRAINT;
		ii->aConstraintUsage[i].argvIndex = 1;
		ii->aConstraintUsage[i].omit = 1;
		ii->estimatedCost = 1000;
		ii->estimatedRows = 1000;
		return SQLITE_OK;
	}
	return SQLITE_CONSTRAINT;
}

static int
ids_filter(sqlite3_vtab_cursor *cur, int idx, const char *idxstr, int argc,
    sqlite3_value **argv)
{
	struct cursor *c = (struct cursor *)cur;

	(void)idx;
	(void)idxstr;
	c->v = argc > 0 ? sqlite3_value_pointer(argv[0], "cdp_ids") : NULL;
	c->i = 0;
	return SQLITE_OK;
}

static int
ids_next(sqlite3_vtab_cursor *cur)
{
	((struct cursor *)cur)->i++;
	return SQLITE_OK;
}

static int
ids_eof(sqlite3_vtab_cursor *cur)
{
	const struct cursor *c = (const struct cursor *)cur;

	return c->v == NULL || c->i >= c->v->n;
}

static int
ids_column(sqlite3_vtab_cursor *cur, sqlite3_context *ctx, int col)
{
	const struct cursor *c = (const struct cursor *)cur;

	if (col == 0)
		sqlite3_result_int64(ctx, c->v->v[c->i]);
	return SQLITE_OK;
}

static int
ids_rowid(sqlite3_vtab_cursor *cur, sqlite3_int64 *rowid)
{
	*rowid = (sqlite3_int64)((const struct cursor *)cur)->i;
	return SQLITE_OK;
}

static const sqlite3_module ids_module = {
	.iVersion = 0,
	.xConnect = ids_connect,
	.xBestIndex = ids_best,
	.xDisconnect = ids_disconnect,
	.xOpen = ids_open,
	.xClose = ids_close,
	.xFilter = ids_filter,
	.xNext = ids_next,
	.xEof = ids_eof,
	.xColumn = ids_column,
	.xRowid = ids_rowid,
};

int
idvtab_register(sqlite3 *db)
{
	return sqlite3_create_module(db, "cdp_ids", &ids_module, NULL) ==
	    SQLITE_OK ? 0 : -1;
}

int
idvtab_bind(sqlite3_stmt *st, int i, const struct idvec *v)
{
	return sqlite3_bind_pointer(st, i, (void *)v, "cdp_ids", NULL) ==
	    SQLITE_OK ? 0 : -1;
}
