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
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "expr/expr_internal.h"
#include "store/database.h"

/* Rows read on one connection for another: a profile and nk values. */
struct rowset {
	int64_t	*prof;		/* row r: the profile */
	uint64_t *cell;		/* r * nk + k: integer, double bits or offset */
	unsigned char *type;	/* r * nk + k: SQLITE_NULL when none */
	size_t	 nk, nrow, caprow;
	struct sbuf text;	/* text and blobs: a 32-bit length, the bytes */
};

/* An aggregate with a temp table of its own (AG_TABLE). */
struct pv_tab {
	size_t	 agg;		/* in env->agg */
	int	 no;		/* temp.cdp_tN */
	struct expr_prog q;	/* its SELECT (profile, v), a copy */
	struct rowset rs;
	int	 done;		/* read */
};

struct expr_pv {
	pthread_t th;
	int	 joined;
	char	*path;		/* the database file */
	char	**name;		/* the scores, in column order */
	size_t	*col;		/* their score joins */
	size_t	 nk;
	struct rowset sc;	/* the scores, a row per profile */
	struct pv_tab *tab;	/* then the aggregates' own tables */
	size_t	 ntab;
	_Atomic int stop;	/* the caller gave up on it */
	int	 done;		/* the scores read */
	int	 only;		/* the profiles of temp.cdp_only only */
	int	 rc;		/* of the read: 0 or -1 with why */
	struct sbuf why;
};

static void
rs_release(struct rowset *rs)
{
	free(rs->prof);
	free(rs->cell);
	free(rs->type);
	sb_release(&rs->text);
	rs->prof = NULL;
	rs->cell = NULL;
	rs->type = NULL;
	rs->nrow = rs->caprow = 0;
}

static void
pv_free(struct expr_pv *pv)
{
	size_t k;

	for (k = 0; k < pv->nk; k++)
		free(pv->name[k]);
	for (k = 0; k < pv->ntab; k++) {
		expr_prog_release(&pv->tab[k].q);
		rs_release(&pv->tab[k].rs);
	}
	free(pv->tab);
	free(pv->name);
	free(pv->col);
	free(pv->path);
	rs_release(&pv->sc);
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
	pv->sc.nk = pv->nk;
	pv->only = env->only;
	sb_init(&pv->sc.text);
	sb_init(&pv->why);
	return pv;
}

static void
put_value(struct rowset *rs, size_t at, sqlite3_value *v)
{
	uint32_t len;
	double d;
	int t = sqlite3_value_type(v);

	rs->type[at] = (unsigned char)t;
	switch (t) {
	case SQLITE_INTEGER:
		rs->cell[at] = (uint64_t)sqlite3_value_int64(v);
		break;
	case SQLITE_FLOAT:
		d = sqlite3_value_double(v);
		memcpy(&rs->cell[at], &d, sizeof(d));
		break;
	case SQLITE_TEXT:
	case SQLITE_BLOB:
		len = (uint32_t)sqlite3_value_bytes(v);
		rs->cell[at] = rs->text.len;
		sb_add(&rs->text, (const char *)&len, sizeof(len));
		sb_add(&rs->text, t == SQLITE_TEXT ?
		    (const char *)sqlite3_value_text(v) :
		    (const char *)sqlite3_value_blob(v), len);
		break;
	default:
		break;
	}
}

/* A new row for profile id, every value null. */
static size_t
add_row(struct rowset *rs, int64_t id)
{
	size_t r = rs->nrow++;

	if (r == rs->caprow) {
		rs->caprow = rs->caprow ? 2 * rs->caprow : 4096;
		rs->prof = xrealloc(rs->prof, rs->caprow * sizeof(*rs->prof));
		rs->cell = xrealloc(rs->cell, rs->caprow * rs->nk *
		    sizeof(*rs->cell));
		rs->type = xrealloc(rs->type, rs->caprow * rs->nk);
	}
	rs->prof[r] = id;
	memset(&rs->type[r * rs->nk], SQLITE_NULL, rs->nk);
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
		if ((st[k] = db_prepare(db, pv->only ? "SELECT s.profile, "
		    "s.value FROM temp.cdp_only o CROSS JOIN score s ON "
		    "s.name = ?1 AND s.profile = o.profile ORDER BY o.profile" :
		    "SELECT profile, value FROM score WHERE name = ?1 "
		    "ORDER BY profile", &pv->why)) == NULL)
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
		r = add_row(&pv->sc, min);
		for (k = 0; k < pv->nk; k++) {
			if (st[k] == NULL || head[k] != min)
				continue;
			put_value(&pv->sc, r * pv->nk + k,
			    sqlite3_column_value(st[k], 1));
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

/* Read the rows of the aggregate table t on db; 0, or -1 with why. */
static int
tab_read(struct pv_tab *t, sqlite3 *db, _Atomic int *stop, struct sbuf *why)
{
	sqlite3_stmt *st;
	size_t r;
	int rc;

	if ((st = expr_prepare_on(db, &t->q, why)) == NULL)
		return -1;
	while (!*stop && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		r = add_row(&t->rs, sqlite3_column_int64(st, 0));
		put_value(&t->rs, r, sqlite3_column_value(st, 1));
	}
	if (*stop) {
		sqlite3_finalize(st);
		return -1;
	}
	if (db_finish(db, st, rc, why) == -1)
		return -1;
	t->done = 1;
	return 0;
}

/* The thread: its own read-only connection, one snapshot. */
static void *
pv_main(void *arg)
{
	struct expr_pv *pv = arg;
	sqlite3 *db = NULL;
	size_t i;

	pv->rc = -1;
	if (sqlite3_open_v2(pv->path, &db, SQLITE_OPEN_READONLY |
	    SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
		sb_adds(&pv->why, db ? sqlite3_errmsg(db) : "cannot open");
		sqlite3_close(db);
		return NULL;
	}
	sqlite3_busy_timeout(db, 60000);
	(void)db_exec(db, DB_MMAP_SQL, NULL);
	if (db_exec(db, "BEGIN", &pv->why) == 0) {
		pv->rc = pv->nk > 0 ? pv_read(pv, db) : 0;
		for (i = 0; pv->rc == 0 && i < pv->ntab; i++)
			pv->rc = tab_read(&pv->tab[i], db, &pv->stop, &pv->why);
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
	size_t i, ntab = 0;

	expr_pivot_cancel(env);
	path = sqlite3_db_filename(env->db, "main");
	/* another connection does not see temp.cdp_only: the few
	 * profiles are read on this one */
	if (path == NULL || *path == '\0' || env->only)
		return 0;
	for (i = 0; i < env->nagg; i++)
		if (env->agg[i].kind == AG_TABLE)
			ntab++;
	if ((pv = pv_new(env, p, n)) == NULL) {
		if (ntab == 0)
			return 0;
		pv = xcalloc(1, sizeof(*pv));
		sb_init(&pv->sc.text);
		sb_init(&pv->why);
	}
	pv->tab = xcalloc(ntab + 1, sizeof(*pv->tab));
	for (i = 0; i < env->nagg; i++) {
		struct pv_tab *t = &pv->tab[pv->ntab];

		if (env->agg[i].kind != AG_TABLE)
			continue;
		t->agg = i;
		t->no = env->agg[i].no;
		expr_prog_init(&t->q);
		expr_copy(&t->q, &env->agg[i].q);
		t->rs.nk = 1;
		sb_init(&t->rs.text);
		pv->ntab++;
	}
	pv->path = xstrdup(path);
	if (pthread_create(&pv->th, NULL, pv_main, pv) != 0) {
		pv_free(pv);
		return 0;
	}
	env->pv = pv;
	return 1;
}

/* Wait for the thread, once. */
static void
pv_join(struct expr_pv *pv)
{
	if (!pv->joined)
		pthread_join(pv->th, NULL);
	pv->joined = 1;
}

void
expr_pivot_cancel(struct expr_env *env)
{
	if (env->pv == NULL)
		return;
	env->pv->stop = 1;
	pv_join(env->pv);
	pv_free(env->pv);
	env->pv = NULL;
}

/*
 * Run head ("INSERT INTO temp.x(profile, ...)", a column per value) on
 * the rows of rs, batches of rows a statement.
 */
static int
rs_write(sqlite3 *db, const char *head, const struct rowset *rs,
    struct sbuf *why)
{
	sqlite3_stmt *ins = NULL;
	struct sbuf sql;
	size_t k, r, row, rows, at;
	const char *t;
	uint32_t len;
	double d;
	int maxvar, rc = -1, col;

	sb_init(&sql);
	/* a row is its profile and nk values; as many rows as the
	 * parameters allow, up to 256; unused rows stay null, skipped */
	maxvar = sqlite3_limit(db, SQLITE_LIMIT_VARIABLE_NUMBER, -1);
	rows = (size_t)maxvar / (rs->nk + 1);
	if (rows > 256)
		rows = 256;
	if (rows == 0)
		rows = 1;
	sb_adds(&sql, head);
	sb_adds(&sql, " SELECT * FROM (VALUES ");
	for (row = 0; row < rows; row++) {
		sb_adds(&sql, row > 0 ? ", (?" : "(?");
		for (k = 0; k < rs->nk; k++)
			sb_adds(&sql, ", ?");
		sb_addc(&sql, ')');
	}
	sb_adds(&sql, ") WHERE column1 IS NOT NULL");
	if ((ins = db_prepare(db, sql.buf, why)) == NULL)
		goto out;
	for (r = row = 0; r < rs->nrow; r++) {
		sqlite3_bind_int64(ins, (int)(row * (rs->nk + 1) + 1),
		    rs->prof[r]);
		for (k = 0; k < rs->nk; k++) {
			at = r * rs->nk + k;
			col = (int)(row * (rs->nk + 1) + k + 2);
			switch (rs->type[at]) {
			case SQLITE_INTEGER:
				sqlite3_bind_int64(ins, col,
				    (sqlite3_int64)rs->cell[at]);
				break;
			case SQLITE_FLOAT:
				memcpy(&d, &rs->cell[at], sizeof(d));
				sqlite3_bind_double(ins, col, d);
				break;
			case SQLITE_TEXT:
			case SQLITE_BLOB:
				t = rs->text.buf + rs->cell[at];
				memcpy(&len, t, sizeof(len));
				if (rs->type[at] == SQLITE_TEXT)
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
		if (++row == rows || r + 1 == rs->nrow) {
			if (sqlite3_step(ins) != SQLITE_DONE) {
				sb_reset(why);
				sb_adds(why, sqlite3_errmsg(db));
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

/* Write the rows of pv into a new temp.cdp_sc. */
static int
pv_write(struct expr_env *env, struct expr_pv *pv, struct sbuf *why)
{
	struct sbuf sql;
	size_t i, k;
	int rc = -1;

	sb_init(&sql);
	sb_adds(&sql, "DROP TABLE IF EXISTS temp.cdp_sc;"
	    "CREATE TEMP TABLE cdp_sc(profile INTEGER PRIMARY KEY");
	for (i = 0; i < env->nsj; i++)
		sb_addf(&sql, ", v%zu", i + 1);
	sb_adds(&sql, ")");
	if (db_exec(env->db, sql.buf, why) == 0) {
		sb_reset(&sql);
		sb_adds(&sql, "INSERT INTO temp.cdp_sc(profile");
		for (k = 0; k < pv->nk; k++)
			sb_addf(&sql, ", v%zu", pv->col[k] + 1);
		sb_adds(&sql, ")");
		rc = rs_write(env->db, sql.buf, &pv->sc, why);
	}
	sb_release(&sql);
	return rc;
}

int
expr_pivot_tables(struct expr_env *env, unsigned char *filled,
    struct sbuf *why)
{
	struct expr_pv *pv = env->pv;
	struct pv_tab *t;
	char head[80];
	size_t i;

	if (pv == NULL || pv->ntab == 0)
		return 0;
	pv_join(pv);
	for (i = 0; i < pv->ntab; i++) {
		t = &pv->tab[i];
		if (!t->done || t->agg >= env->nagg ||
		    env->agg[t->agg].kind != AG_TABLE ||
		    env->agg[t->agg].no != t->no)
			continue;
		snprintf(head, sizeof(head), "INSERT INTO temp.cdp_t%d(profile, "
		    "v)", t->no);
		if (rs_write(env->db, head, &t->rs, why) == -1)
			return -1;
		filled[t->agg] = 1;
		rs_release(&t->rs);
	}
	return 0;
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
		pv_join(pv);
		env->pv = NULL;
		/* read for other scores, or failed: read here instead */
		for (k = 0; pv->done && k < pv->nk && pv->nk == want->nk; k++)
			if (pv->col[k] != want->col[k])
				break;
		if (pv->done && pv->nk == want->nk && k == pv->nk) {
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
