/*
 * expr_pivot.c - the scores a statement reads, one row per profile in
 * temp.cdp_sc (column vK for score join K), built without a sort: each
 * score's rows are read in key order (name, profile) and merged here by
 * profile, then written in rowid order in batches of rows.  The
 * statement then finds every score of a profile with one rowid probe,
 * where a join per score cost an index probe per profile and score, at
 * random across the names.
 *
 * Reading the scores is most of the cost, and needs nothing the
 * evaluation computes: expr_pivot_start reads them on a second, read-only
 * connection in a thread of its own, while the caller's connection
 * computes the event aggregates on the other core; expr_pivot then only
 * writes what was read.  Without a start (or when it failed, or was
 * started for other scores) expr_pivot reads on the caller's connection.
 */
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "expr_int.h"

struct expr_pv {
	pthread_t th;
	char	*path;		/* the database file */
	char	**name;		/* the scores, in column order */
	size_t	*col;		/* their score joins */
	size_t	 nk;
	int64_t	*prof;		/* row r: the profile */
	uint64_t *cell;		/* r * nk + k: integer, double bits or offset */
	unsigned char *type;	/* r * nk + k: SQLITE_NULL when none */
	size_t	 nrow, caprow;
	struct sbuf text;	/* text and blobs: a 32-bit length, the bytes */
	_Atomic int stop;	/* the caller gave up on it */
	int	 done;		/* read */
	int	 rc;		/* of the read: 0 or -1 with why */
	struct sbuf why;
};

static void
pv_free(struct expr_pv *pv)
{
	size_t k;

	for (k = 0; k < pv->nk; k++)
		free(pv->name[k]);
	free(pv->name);
	free(pv->col);
	free(pv->path);
	free(pv->prof);
	free(pv->cell);
	free(pv->type);
	sb_release(&pv->text);
	sb_release(&pv->why);
	free(pv);
}

/* The scores p[0..n) read, as a new pv (NULL when none). */
static struct expr_pv *
pv_new(const struct expr_env *env, const struct expr_prog *const *p,
    size_t n)
{
	struct expr_pv *pv;
	size_t i, nk = 0;

	for (i = 0; i < env->nsj; i++)
		if (expr_reads_join(p, n, i))
			nk++;
	if (nk == 0)
		return NULL;
	pv = xcalloc(1, sizeof(*pv));
	pv->name = xcalloc(nk, sizeof(*pv->name));
	pv->col = xcalloc(nk, sizeof(*pv->col));
	for (i = 0; i < env->nsj; i++)
		if (expr_reads_join(p, n, i)) {
			pv->col[pv->nk] = i;
			pv->name[pv->nk++] = xstrdup(env->sj[i]);
		}
	sb_init(&pv->text);
	sb_init(&pv->why);
	return pv;
}

static void
put_value(struct expr_pv *pv, size_t at, sqlite3_value *v)
{
	uint32_t len;
	double d;
	int t = sqlite3_value_type(v);

	pv->type[at] = (unsigned char)t;
	switch (t) {
	case SQLITE_INTEGER:
		pv->cell[at] = (uint64_t)sqlite3_value_int64(v);
		break;
	case SQLITE_FLOAT:
		d = sqlite3_value_double(v);
		memcpy(&pv->cell[at], &d, sizeof(d));
		break;
	case SQLITE_TEXT:
	case SQLITE_BLOB:
		len = (uint32_t)sqlite3_value_bytes(v);
		pv->cell[at] = pv->text.len;
		sb_add(&pv->text, (const char *)&len, sizeof(len));
		sb_add(&pv->text, t == SQLITE_TEXT ?
		    (const char *)sqlite3_value_text(v) :
		    (const char *)sqlite3_value_blob(v), len);
		break;
	default:
		break;
	}
}

/* A new row for profile id, every value null. */
static size_t
add_row(struct expr_pv *pv, int64_t id)
{
	size_t r = pv->nrow++;

	if (r == pv->caprow) {
		pv->caprow = pv->caprow ? 2 * pv->caprow : 4096;
		pv->prof = xrealloc(pv->prof, pv->caprow * sizeof(*pv->prof));
		pv->cell = xrealloc(pv->cell, pv->caprow * pv->nk *
		    sizeof(*pv->cell));
		pv->type = xrealloc(pv->type, pv->caprow * pv->nk);
	}
	pv->prof[r] = id;
	memset(&pv->type[r * pv->nk], SQLITE_NULL, pv->nk);
	return r;
}

/* Read and merge the scores of pv on db; 0, or -1 with pv->why. */
static int
pv_read(struct expr_pv *pv, sqlite3 *db)
{
	sqlite3_stmt **st;
	long long *head, min;
	size_t k, i, live = 0, r;
	int src, rc = -1;

	st = xcalloc(pv->nk, sizeof(*st));
	head = xcalloc(pv->nk, sizeof(*head));
	for (k = 0; k < pv->nk; k++) {
		if ((st[k] = db_prepare(db, "SELECT profile, value FROM "
		    "score WHERE name = ?1 ORDER BY profile", &pv->why)) ==
		    NULL)
			goto out;
		sqlite3_bind_text(st[k], 1, pv->name[k], -1, SQLITE_STATIC);
		if ((src = sqlite3_step(st[k])) == SQLITE_ROW) {
			head[k] = sqlite3_column_int64(st[k], 0);
			live++;
		} else if (src != SQLITE_DONE)
			goto dberr;
		else {
			sqlite3_finalize(st[k]);
			st[k] = NULL;
		}
	}
	while (live > 0 && !pv->stop) {
		min = 0;
		for (k = 0, i = 0; k < pv->nk; k++)
			if (st[k] != NULL && (i++ == 0 || head[k] < min))
				min = head[k];
		r = add_row(pv, min);
		for (k = 0; k < pv->nk; k++) {
			if (st[k] == NULL || head[k] != min)
				continue;
			put_value(pv, r * pv->nk + k, sqlite3_column_value(st[k],
			    1));
			if ((src = sqlite3_step(st[k])) == SQLITE_ROW)
				head[k] = sqlite3_column_int64(st[k], 0);
			else if (src != SQLITE_DONE)
				goto dberr;
			else {
				sqlite3_finalize(st[k]);
				st[k] = NULL;
				live--;
			}
		}
	}
	rc = pv->stop ? -1 : 0;
	pv->done = rc == 0;
	goto out;
dberr:
	sb_reset(&pv->why);
	sb_adds(&pv->why, sqlite3_errmsg(db));
out:
	for (k = 0; k < pv->nk; k++)
		sqlite3_finalize(st[k]);
	free(st);
	free(head);
	return rc;
}

/* The thread: its own read-only connection, one snapshot. */
static void *
pv_main(void *arg)
{
	struct expr_pv *pv = arg;
	sqlite3 *db = NULL;

	pv->rc = -1;
	if (sqlite3_open_v2(pv->path, &db, SQLITE_OPEN_READONLY |
	    SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
		sb_adds(&pv->why, db ? sqlite3_errmsg(db) : "cannot open");
		sqlite3_close(db);
		return NULL;
	}
	sqlite3_busy_timeout(db, 60000);
	if (db_exec(db, "BEGIN", &pv->why) == 0) {
		pv->rc = pv_read(pv, db);
		(void)db_exec(db, "COMMIT", NULL);
	}
	sqlite3_close(db);
	return NULL;
}

int
expr_pivot_start(struct expr_env *env, const struct expr_prog *const *p,
    size_t n)
{
	struct expr_pv *pv;
	const char *path;

	expr_pivot_cancel(env);
	path = sqlite3_db_filename(env->db, "main");
	if (path == NULL || *path == '\0' || (pv = pv_new(env, p, n)) == NULL)
		return 0;
	pv->path = xstrdup(path);
	if (pthread_create(&pv->th, NULL, pv_main, pv) != 0) {
		pv_free(pv);
		return 0;
	}
	env->pv = pv;
	return 1;
}

void
expr_pivot_cancel(struct expr_env *env)
{
	if (env->pv == NULL)
		return;
	env->pv->stop = 1;
	pthread_join(env->pv->th, NULL);
	pv_free(env->pv);
	env->pv = NULL;
}

/* Write the rows of pv into temp.cdp_sc, batches of rows a statement. */
static int
pv_write(struct expr_env *env, struct expr_pv *pv, struct sbuf *why)
{
	sqlite3_stmt *ins = NULL;
	struct sbuf sql;
	size_t i, k, r, row, rows, at;
	const char *t;
	uint32_t len;
	double d;
	int maxvar, rc = -1, col;

	sb_init(&sql);
	sb_adds(&sql, "DROP TABLE IF EXISTS temp.cdp_sc;"
	    "CREATE TEMP TABLE cdp_sc(profile INTEGER PRIMARY KEY");
	for (i = 0; i < env->nsj; i++)
		sb_addf(&sql, ", v%zu", i + 1);
	sb_adds(&sql, ")");
	if (db_exec(env->db, sql.buf, why) == -1)
		goto out;
	/* a row is its profile and nk values; as many rows as the
	 * parameters allow, up to 256; unused rows stay null, skipped */
	maxvar = sqlite3_limit(env->db, SQLITE_LIMIT_VARIABLE_NUMBER, -1);
	rows = (size_t)maxvar / (pv->nk + 1);
	if (rows > 256)
		rows = 256;
	if (rows == 0)
		rows = 1;
	sb_reset(&sql);
	sb_adds(&sql, "INSERT INTO temp.cdp_sc(profile");
	for (k = 0; k < pv->nk; k++)
		sb_addf(&sql, ", v%zu", pv->col[k] + 1);
	sb_adds(&sql, ") SELECT * FROM (VALUES ");
	for (row = 0; row < rows; row++) {
		sb_adds(&sql, row > 0 ? ", (?" : "(?");
		for (k = 0; k < pv->nk; k++)
			sb_adds(&sql, ", ?");
		sb_addc(&sql, ')');
	}
	sb_adds(&sql, ") WHERE column1 IS NOT NULL");
	if ((ins = db_prepare(env->db, sql.buf, why)) == NULL)
		goto out;
	for (r = row = 0; r < pv->nrow; r++) {
		sqlite3_bind_int64(ins, (int)(row * (pv->nk + 1) + 1),
		    pv->prof[r]);
		for (k = 0; k < pv->nk; k++) {
			at = r * pv->nk + k;
			col = (int)(row * (pv->nk + 1) + k + 2);
			switch (pv->type[at]) {
			case SQLITE_INTEGER:
				sqlite3_bind_int64(ins, col,
				    (sqlite3_int64)pv->cell[at]);
				break;
			case SQLITE_FLOAT:
				memcpy(&d, &pv->cell[at], sizeof(d));
				sqlite3_bind_double(ins, col, d);
				break;
			case SQLITE_TEXT:
			case SQLITE_BLOB:
				t = pv->text.buf + pv->cell[at];
				memcpy(&len, t, sizeof(len));
				if (pv->type[at] == SQLITE_TEXT)
					sqlite3_bind_text(ins, col, t + 4,
					    (int)len, SQLITE_STATIC);
				else
					sqlite3_bind_blob(ins, col, t + 4,
					    (int)len, SQLITE_STATIC);
				break;
			default:
				break;
			}
		}
		if (++row == rows || r + 1 == pv->nrow) {
			if (sqlite3_step(ins) != SQLITE_DONE) {
				sb_reset(why);
				sb_adds(why, sqlite3_errmsg(env->db));
				goto out;
			}
			sqlite3_reset(ins);
			sqlite3_clear_bindings(ins);
			row = 0;
		}
	}
	rc = 0;
out:
	sqlite3_finalize(ins);
	sb_release(&sql);
	return rc;
}

int
expr_pivot(struct expr_env *env, const struct expr_prog *const *p, size_t n,
    struct sbuf *why)
{
	struct expr_pv *pv = env->pv, *want;
	size_t k;
	int rc;

	if ((want = pv_new(env, p, n)) == NULL) {
		expr_pivot_cancel(env);
		return 0;
	}
	if (pv != NULL) {
		pthread_join(pv->th, NULL);
		env->pv = NULL;
		/* read for other scores, or failed: read here instead */
		for (k = 0; pv->rc == 0 && k < pv->nk && pv->nk == want->nk; k++)
			if (pv->col[k] != want->col[k])
				break;
		if (pv->rc == 0 && pv->nk == want->nk && k == pv->nk) {
			pv_free(want);
			want = pv;
			pv = NULL;
		} else
			pv_free(pv);
	}
	if (!want->done && pv_read(want, env->db) == -1) {
		sb_reset(why);
		sb_add(why, want->why.buf, want->why.len);
		pv_free(want);
		return -1;
	}
	rc = pv_write(env, want, why);
	pv_free(want);
	return rc;
}
