/*
 * expr_run.c - the environment of the expression language (the names it
 * knows), the materialisation of aggregates, the statements of compiled
 * expressions, and the authorizer they run under.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "expr/expr_internal.h"
#include "io/json_writer.h"
#include "match/comparators.h"
#include "score/score.h"
#include "store/database.h"

void
expr_prog_init(struct expr_prog *p)
{
	memset(p, 0, sizeof(*p));
	sb_init(&p->sql);
	p->type = ET_ANY;
}

void
expr_prog_release(struct expr_prog *p)
{
	size_t i;

	for (i = 0; i < p->npar; i++)
		if (p->par[i].kind == SV_TEXT)
			free(p->par[i].s);
	free(p->par);
	free(p->uses);
	free(p->sjs);
	sb_release(&p->sql);
	p->par = NULL;
	p->uses = NULL;
	p->sjs = NULL;
	p->npar = p->cappar = p->nuses = p->nsjs = 0;
}

int
expr_date_add(const char *d, long delta, char out[11])
{
	long day;

	if (d == NULL || strlen(d) < 10 || cmp_date_parse(d, 10, &day) == -1)
		return -1;
	score_day_str(day + delta, out);
	return 0;
}

int
expr_env_init(struct expr_env *env, sqlite3 *db, const char *asof,
    struct sbuf *why)
{
	int i;

	memset(env, 0, sizeof(*env));
	env->db = db;
	if (asof == NULL || strlen(asof) != 10 ||
	    cmp_date_parse(asof, 10, &env->asof_day) == -1) {
		sb_reset(why);
		sb_addf(why, "invalid as-of date %s", asof ? quote_value(asof,
		    strlen(asof)) : "(null)");
		return -1;
	}
	memcpy(env->asof, asof, 11);
	score_day_str(env->asof_day + 1, env->next);
	for (i = 0; i < SC_N; i++)
		expr_env_add_score(env, score_builtins[i].name,
		    score_builtins[i].type);
	return 0;
}

void
expr_env_release(struct expr_env *env)
{
	size_t i;

	for (i = 0; i < env->nscore; i++)
		free(env->score[i]);
	for (i = 0; i < env->nseg; i++) {
		free(env->seg[i]);
		free(env->segdef[i]);
	}
	for (i = 0; i < env->nagg; i++)
		expr_prog_release(&env->agg[i].q);
	free(env->score);
	free(env->stype);
	free(env->seg);
	free(env->segdef);
	for (i = 0; i < env->nrefs; i++)
		free(env->refs[i]);
	free(env->refs);
	expr_pivot_cancel(env);
	for (i = 0; i < env->nsj; i++)
		free(env->sj[i]);
	free(env->sj);
	free(env->sjused);
	free(env->agg);
	free(env->used);
	memset(env, 0, sizeof(*env));
}

void
expr_env_add_score(struct expr_env *env, const char *name, int type)
{
	size_t i;

	for (i = 0; i < env->nscore; i++)
		if (strcmp(env->score[i], name) == 0) {
			env->stype[i] = type;
			return;
		}
	if (env->nscore == env->capscore) {
		env->capscore = env->capscore ? 2 * env->capscore : 64;
		env->score = xrealloc(env->score, env->capscore *
		    sizeof(*env->score));
		env->stype = xrealloc(env->stype, env->capscore *
		    sizeof(*env->stype));
	}
	env->score[env->nscore] = xstrdup(name);
	env->stype[env->nscore++] = type;
}

void
expr_env_forget_score(struct expr_env *env, const char *name)
{
	size_t i;

	for (i = 0; i < env->nscore; i++)
		if (strcmp(env->score[i], name) == 0) {
			free(env->score[i]);
			memmove(&env->score[i], &env->score[i + 1],
			    (env->nscore - i - 1) * sizeof(*env->score));
			memmove(&env->stype[i], &env->stype[i + 1],
			    (env->nscore - i - 1) * sizeof(*env->stype));
			env->nscore--;
			return;
		}
}

void
expr_env_set_segment(struct expr_env *env, const char *name, const char *def)
{
	size_t i;

	for (i = 0; i < env->nseg; i++)
		if (strcmp(env->seg[i], name) == 0) {
			free(env->segdef[i]);
			env->segdef[i] = xstrdup(def);
			return;
		}
	if (env->nseg == env->capseg) {
		env->capseg = env->capseg ? 2 * env->capseg : 16;
		env->seg = xrealloc(env->seg, env->capseg * sizeof(*env->seg));
		env->segdef = xrealloc(env->segdef, env->capseg *
		    sizeof(*env->segdef));
	}
	env->seg[env->nseg] = xstrdup(name);
	env->segdef[env->nseg++] = xstrdup(def);
}

void
expr_env_forget_segment(struct expr_env *env, const char *name)
{
	size_t i;

	for (i = 0; i < env->nseg; i++)
		if (strcmp(env->seg[i], name) == 0) {
			free(env->seg[i]);
			free(env->segdef[i]);
			memmove(&env->seg[i], &env->seg[i + 1],
			    (env->nseg - i - 1) * sizeof(*env->seg));
			memmove(&env->segdef[i], &env->segdef[i + 1],
			    (env->nseg - i - 1) * sizeof(*env->segdef));
			env->nseg--;
			return;
		}
}

int
expr_env_load(struct expr_env *env, struct sbuf *why)
{
	static const char *const types[] = { "number", "text", "date", "",
	    "any" };
	sqlite3_stmt *st;
	const char *t;
	int rc, i;

	if ((st = db_prepare(env->db, "SELECT name, type FROM score_def "
	    "ORDER BY name", why)) == NULL)
		return -1;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		t = (const char *)sqlite3_column_text(st, 1);
		for (i = 0; i < 5; i++)
			if (t != NULL && strcmp(types[i], t) == 0)
				break;
		expr_env_add_score(env, (const char *)sqlite3_column_text(st,
		    0), i < 5 ? i : ET_ANY);
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		goto fail;
	if ((st = db_prepare(env->db, "SELECT name, definition FROM segment "
	    "ORDER BY name", why)) == NULL)
		return -1;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		expr_env_set_segment(env, (const char *)sqlite3_column_text(st,
		    0), (const char *)sqlite3_column_text(st, 1));
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		goto fail;
	return 0;
fail:
	sb_reset(why);
	sb_adds(why, sqlite3_errmsg(env->db));
	return -1;
}

/*
 * The authorizer.  Reads: cdp's tables in main, and the environment's
 * temp tables.  Functions: those the compiler emits.  Inserts: only into
 * the temp tables, only while materialising.  Anything else is denied.
 */
static const char *const read_ok[] = {
	"profile", "record", "member", "score", "consent", "ident", "source",
	"consent_profile", NULL
};
static const char *const func_ok[] = {
	"abs", "avg", "coalesce", "count", "date", "json_array",
	"json_extract", "julianday", "length", "like", "lower", "max", "min",
	"printf", "round", "row_number", "substr", "sum", "upper", NULL
};

static int
in_list(const char *s, const char *const *list)
{
	if (s == NULL)
		return 0;
	for (; *list != NULL; list++)
		if (strcmp(s, *list) == 0)
			return 1;
	return 0;
}

static int
temp_table(const char *db, const char *table)
{
	return db != NULL && table != NULL && strcmp(db, "temp") == 0 &&
	    strncmp(table, "cdp_", 4) == 0;
}

static int
authorize(void *arg, int action, const char *a, const char *b,
    const char *db, const char *trigger)
{
	const struct expr_env *env = arg;

	(void)trigger;
	switch (action) {
	case SQLITE_SELECT:
		return SQLITE_OK;
	case SQLITE_READ:
		/* db is NULL in the notice of a table read for no column */
		if (((db == NULL || strcmp(db, "main") == 0) &&
		    in_list(a, read_ok)) || temp_table(db, a) ||
		    (db == NULL && a != NULL && strncmp(a, "cdp_", 4) == 0))
			return SQLITE_OK;
		return SQLITE_DENY;
	case SQLITE_FUNCTION:
		return in_list(b, func_ok) ? SQLITE_OK : SQLITE_DENY;
	case SQLITE_INSERT:
		return env->guard == EXPR_GUARD_TEMP && temp_table(db, a) ?
		    SQLITE_OK : SQLITE_DENY;
	default:
		return SQLITE_DENY;
	}
}

void
expr_guard(struct expr_env *env, int mode)
{
	env->guard = mode;
	if (mode == EXPR_GUARD_OFF)
		sqlite3_set_authorizer(env->db, NULL, NULL);
	else
		sqlite3_set_authorizer(env->db, authorize, env);
}

static int
bind_all(sqlite3_stmt *st, const struct expr_prog *p)
{
	size_t i;
	int rc = SQLITE_OK;

	for (i = 0; i < p->npar && rc == SQLITE_OK; i++) {
		const struct expr_val *v = &p->par[i];

		if (v->kind == SV_INT)
			rc = sqlite3_bind_int64(st, (int)i + 1, v->i);
		else if (v->kind == SV_REAL)
			rc = sqlite3_bind_double(st, (int)i + 1, v->d);
		else
			rc = sqlite3_bind_text64(st, (int)i + 1, v->s,
			    (sqlite3_uint64)v->i, SQLITE_TRANSIENT, SQLITE_UTF8);
	}
	return rc == SQLITE_OK ? 0 : -1;
}

sqlite3_stmt *
expr_guarded(struct expr_env *env, const struct expr_prog *p, int guard,
    struct sbuf *why)
{
	sqlite3_stmt *st;

	expr_guard(env, guard);
	st = db_prepare(env->db, p->sql.buf, why);
	expr_guard(env, EXPR_GUARD_OFF);
	if (st != NULL && bind_all(st, p) == -1) {
		sb_reset(why);
		sb_adds(why, sqlite3_errmsg(env->db));
		sqlite3_finalize(st);
		return NULL;
	}
	return st;
}

sqlite3_stmt *
expr_prepare_on(sqlite3 *db, const struct expr_prog *p, struct sbuf *why)
{
	static const struct expr_env reader = { .guard = EXPR_GUARD_READ };
	sqlite3_stmt *st;

	sqlite3_set_authorizer(db, authorize, (void *)&reader);
	st = db_prepare(db, p->sql.buf, why);
	sqlite3_set_authorizer(db, NULL, NULL);
	if (st != NULL && bind_all(st, p) == -1) {
		sb_reset(why);
		sb_adds(why, sqlite3_errmsg(db));
		sqlite3_finalize(st);
		return NULL;
	}
	return st;
}

static int
run_insert(struct expr_env *env, const struct expr_prog *p, struct sbuf *why)
{
	sqlite3_stmt *st;

	if ((st = expr_guarded(env, p, EXPR_GUARD_TEMP, why)) == NULL)
		return -1;
	return db_step_final(env->db, st, why);
}

/* Whether aggregate i is a column of cdp_agg among uses[0..n) (all
 * when uses is NULL). */
static int
col_used(const struct expr_env *env, size_t i, const size_t *uses, size_t n)
{
	size_t j;

	if (env->agg[i].kind != AG_COL)
		return 0;
	for (j = 0; uses != NULL && j < n && uses[j] != i; j++)
		;
	return uses == NULL || j < n;
}

void
expr_add_events_from(const struct expr_env *env, struct expr_prog *q)
{
	if (env->only)
		expr_add(q, " FROM temp.cdp_only cdp_o CROSS JOIN member m "
		    "ON m.profile = cdp_o.profile CROSS JOIN record r "
		    "ON r.id = m.record");
	else
		expr_add(q, " FROM record r CROSS JOIN member m "
		    "ON m.record = r.id");
}

int
expr_env_only(struct expr_env *env, struct sbuf *why)
{
	if (db_exec(env->db, "DROP TABLE IF EXISTS temp.cdp_only;"
	    "CREATE TEMP TABLE cdp_only(profile INTEGER PRIMARY KEY)",
	    why) == -1)
		return -1;
	env->only = 1;
	return 0;
}

void
expr_events(const struct expr_env *env, const size_t *uses, size_t n,
    struct expr_prog *q)
{
	const char *from = NULL;
	size_t i;
	char col[64];

	expr_add(q, "SELECT m.profile AS profile");
	for (i = 0; i < env->nagg; i++) {
		if (!col_used(env, i, uses, n))
			continue;
		expr_add(q, ", ");
		expr_copy(q, &env->agg[i].q);
		snprintf(col, sizeof(col), " AS x%d", env->agg[i].no);
		expr_add(q, col);
	}
	expr_add_events_from(env, q);
	expr_add(q, " WHERE r.event_type IS NOT NULL AND r.ts < ");
	expr_add_text(q, env->next, 10);
	/* when every aggregate has a window, the events before the widest
	 * are not read at all */
	for (i = 0; i < env->nagg; i++) {
		if (!col_used(env, i, uses, n))
			continue;
		if (env->agg[i].from[0] == '\0') {
			from = NULL;
			break;
		}
		if (from == NULL || strcmp(env->agg[i].from, from) < 0)
			from = env->agg[i].from;
	}
	if (from != NULL) {
		expr_add(q, " AND r.ts >= ");
		expr_add_text(q, from, 10);
	}
}

/*
 * The grouped scan filling the columns of cdp_agg in SQL: all of them,
 * or those of the aggregates uses[0..n) when uses is not NULL.  It is
 * what expr_explain shows, and what runs when expr_acc (the same
 * results, accumulated in C without the sort) cannot.  The values of
 * the events are computed in a subquery that LIMIT -1 keeps from being
 * flattened into the grouping: what is sorted by profile is then the
 * profile and those values, not the columns of record they come from.
 */
static void
scan(const struct expr_env *env, const size_t *uses, size_t n,
    struct expr_prog *q)
{
	size_t i, k;
	char col[64];

	expr_prog_init(q);
	expr_add(q, "INSERT INTO temp.cdp_agg(profile");
	for (i = 0; i < env->nagg; i++) {
		if (!col_used(env, i, uses, n))
			continue;
		snprintf(col, sizeof(col), ", a%d", env->agg[i].no);
		expr_add(q, col);
	}
	expr_add(q, ") SELECT profile");
	for (i = 0; i < env->nagg; i++) {
		if (!col_used(env, i, uses, n))
			continue;
		snprintf(col, sizeof(col), ", %sx%d)", env->agg[i].fn,
		    env->agg[i].no);
		expr_add(q, col);
	}
	expr_add(q, " FROM (");
	expr_events(env, uses, n, q);
	/* an event giving every aggregate a null changes none of them:
	 * count, sum and distinct are read as 0 without a row, and the
	 * others null, so those events are left out of the sort */
	expr_add(q, " LIMIT -1) WHERE ");
	for (i = k = 0; i < env->nagg; i++) {
		if (!col_used(env, i, uses, n))
			continue;
		snprintf(col, sizeof(col), "%sx%d IS NOT NULL", k++ > 0 ?
		    " OR " : "", env->agg[i].no);
		expr_add(q, col);
	}
	expr_add(q, " GROUP BY profile");
}

/* The statement filling temp table of aggregate i. */
static void
fill(const struct expr_env *env, size_t i, struct expr_prog *q)
{
	char pre[64];

	expr_prog_init(q);
	snprintf(pre, sizeof(pre), "INSERT INTO temp.cdp_t%d(profile, v) ",
	    env->agg[i].no);
	expr_add(q, pre);
	expr_copy(q, &env->agg[i].q);
}

int
expr_materialize(struct expr_env *env, struct sbuf *why)
{
	struct expr_prog q;
	struct sbuf ddl;
	unsigned char *filled;
	size_t i;
	int k, rc = 0;

	if (env->done == (int)env->nagg)
		return 0;
	/* the tables themselves are ours, made outside the guard */
	sb_init(&ddl);
	sb_adds(&ddl, "DROP TABLE IF EXISTS temp.cdp_agg;"
	    "CREATE TEMP TABLE cdp_agg(profile INTEGER PRIMARY KEY");
	for (k = 1; k <= env->ncol; k++)
		sb_addf(&ddl, ", a%d", k);
	sb_adds(&ddl, ");");
	for (k = 1; k <= env->ntab; k++)
		sb_addf(&ddl, "DROP TABLE IF EXISTS temp.cdp_t%d;"
		    "CREATE TEMP TABLE cdp_t%d(profile INTEGER PRIMARY KEY, "
		    "v);", k, k);
	rc = db_exec(env->db, ddl.buf, why);
	sb_release(&ddl);
	if (rc == -1)
		return -1;

	/* every column in one scan of the events: accumulated in C, or
	 * when that cannot be, grouped in SQL */
	if (env->ncol > 0 && (env->sql_group || env->only ||
	    (rc = expr_acc(env, why)) == 1)) {
		scan(env, NULL, 0, &q);
		rc = run_insert(env, &q, why);
		expr_prog_release(&q);
	}
	/* the tables read on the other connection while this one read
	 * the events (expr_pivot_start), then those it did not */
	filled = xcalloc(env->nagg + 1, 1);
	if (rc == 0)
		rc = expr_pivot_tables(env, filled, why);
	for (i = 0; rc == 0 && i < env->nagg; i++) {
		if (env->agg[i].kind != AG_TABLE || filled[i])
			continue;
		fill(env, i, &q);
		rc = run_insert(env, &q, why);
		expr_prog_release(&q);
	}
	free(filled);
	if (rc == 0)
		env->done = (int)env->nagg;
	return rc;
}

/* Whether any of p[0..n) reads score join k (table: aggregate k). */
int
expr_reads_join(const struct expr_prog *const *p, size_t n, size_t k)
{
	size_t i, j;

	for (i = 0; i < n; i++)
		for (j = 0; j < p[i]->nsjs; j++)
			if (p[i]->sjs[j] == k)
				return 1;
	return 0;
}

static int
reads_agg(const struct expr_prog *const *p, size_t n, size_t k)
{
	size_t i, j;

	for (i = 0; i < n; i++)
		for (j = 0; j < p[i]->nuses; j++)
			if (p[i]->uses[j] == k)
				return 1;
	return 0;
}

/*
 * What pivot() computes, as SQL for showing: the scores p[0..n) read,
 * one row per profile of temp.cdp_sc, column vK for score join K.
 */
static void
pivot_sql(const struct expr_env *env, const struct expr_prog *const *p,
    size_t n, struct expr_prog *q)
{
	char buf[64];
	size_t i, k;

	expr_prog_init(q);
	expr_add(q, "INSERT INTO temp.cdp_sc(profile");
	for (i = 0; i < env->nsj; i++)
		if (expr_reads_join(p, n, i)) {
			snprintf(buf, sizeof(buf), ", v%zu", i + 1);
			expr_add(q, buf);
		}
	expr_add(q, ") SELECT profile");
	for (i = 0; i < env->nsj; i++)
		if (expr_reads_join(p, n, i)) {
			expr_add(q, ", max(CASE WHEN name = ");
			expr_add_text(q, env->sj[i], strlen(env->sj[i]));
			expr_add(q, " THEN value END)");
		}
	expr_add(q, " FROM score WHERE name IN (");
	for (i = k = 0; i < env->nsj; i++)
		if (expr_reads_join(p, n, i)) {
			if (k++ > 0)
				expr_add(q, ", ");
			expr_add_text(q, env->sj[i], strlen(env->sj[i]));
		}
	expr_add(q, ") GROUP BY profile");
}

/*
 * The statement of p[0..n) into q: the profiles, LEFT JOINed to the
 * score pivot and to each aggregate table read (one lookup per profile
 * however many references), and the values (EXPR_VALUES, one column
 * each) or the condition (EXPR_FILTER, n == 1).  Parameters in the
 * order of the text.
 */
static void
statement(const struct expr_env *env, const struct expr_prog *const *p,
    size_t n, int mode, struct expr_prog *q)
{
	char buf[160];
	size_t i;
	int cols = 0;

	expr_prog_init(q);
	expr_add(q, "SELECT p.id");
	for (i = 0; mode == EXPR_VALUES && i < n; i++) {
		expr_add(q, p[i]->type == ET_BOOL ? ", coalesce(" : ", ");
		expr_copy(q, p[i]);
		if (p[i]->type == ET_BOOL)
			expr_add(q, ", 0)");
	}
	for (i = 0; mode == EXPR_MASK && i < n; i++) {
		expr_add(q, i % EXPR_MASK_BITS == 0 ? ", (CASE WHEN " :
		    " + CASE WHEN ");
		expr_copy(q, p[i]);
		snprintf(buf, sizeof(buf), " THEN %lld ELSE 0 END",
		    1LL << (i % EXPR_MASK_BITS));
		expr_add(q, buf);
		if (i % EXPR_MASK_BITS == EXPR_MASK_BITS - 1 || i == n - 1)
			expr_add(q, ")");
	}
	expr_add(q, env->only ? " FROM temp.cdp_only cdp_o CROSS JOIN "
	    "profile p ON p.id = cdp_o.profile" : " FROM profile p");
	for (i = 0; i < env->nsj; i++)
		if (expr_reads_join(p, n, i)) {
			expr_add(q, " LEFT JOIN temp.cdp_sc cdp_sc ON "
			    "cdp_sc.profile = p.id");
			break;
		}
	for (i = 0; i < env->nagg; i++) {
		if (!reads_agg(p, n, i))
			continue;
		if (env->agg[i].kind == AG_COL) {
			cols = 1;
			continue;
		}
		snprintf(buf, sizeof(buf), " LEFT JOIN temp.cdp_t%d cdp_t%d "
		    "ON cdp_t%d.profile = p.id", env->agg[i].no,
		    env->agg[i].no, env->agg[i].no);
		expr_add(q, buf);
	}
	if (cols)
		expr_add(q, " LEFT JOIN temp.cdp_agg cdp_g ON "
		    "cdp_g.profile = p.id");
	if (mode == EXPR_FILTER) {
		expr_add(q, " WHERE ");
		expr_copy(q, p[0]);
	}
	expr_add(q, " ORDER BY p.id");
}

sqlite3_stmt *
expr_prepare_many(struct expr_env *env, const struct expr_prog *const *p,
    size_t n, int mode, struct sbuf *why)
{
	struct expr_prog q;
	sqlite3_stmt *st;

	if ((env->done != (int)env->nagg && expr_materialize(env, why) == -1) ||
	    expr_pivot(env, p, n, why) == -1)
		return NULL;
	statement(env, p, n, mode, &q);
	st = expr_guarded(env, &q, EXPR_GUARD_READ, why);
	expr_prog_release(&q);
	return st;
}

sqlite3_stmt *
expr_prepare(struct expr_env *env, const struct expr_prog *p, int mode,
    struct sbuf *why)
{
	struct expr_prog q;
	sqlite3_stmt *st;

	if ((env->done != (int)env->nagg && expr_materialize(env, why) == -1) ||
	    expr_pivot(env, &p, 1, why) == -1)
		return NULL;
	statement(env, &p, 1, mode, &q);
	st = expr_guarded(env, &q, EXPR_GUARD_READ, why);
	expr_prog_release(&q);
	return st;
}

static void
explain_one(const struct expr_prog *q, struct sbuf *sql, struct jw *w)
{
	size_t i;

	if (sql->len > 0)
		sb_adds(sql, ";\n");
	sb_add(sql, q->sql.buf, q->sql.len);
	jw_array_open(w);
	for (i = 0; i < q->npar; i++) {
		const struct expr_val *v = &q->par[i];

		if (v->kind == SV_INT)
			jw_int(w, v->i);
		else if (v->kind == SV_REAL)
			jw_double(w, v->d);
		else
			jw_str(w, v->s, (size_t)v->i);
	}
	jw_array_close(w);
}

void
expr_explain(const struct expr_env *env, const struct expr_prog *p, int mode,
    struct sbuf *sql, struct sbuf *params)
{
	struct expr_prog q;
	struct jw w;
	size_t i;
	int cols = 0;

	sb_reset(sql);
	sb_reset(params);
	jw_init(&w, params);
	jw_array_open(&w);
	for (i = 0; i < p->nuses; i++)
		if (env->agg[p->uses[i]].kind == AG_COL)
			cols = 1;
	if (cols) {
		scan(env, p->uses, p->nuses, &q);
		explain_one(&q, sql, &w);
		expr_prog_release(&q);
	}
	for (i = 0; i < p->nuses; i++) {
		if (env->agg[p->uses[i]].kind != AG_TABLE)
			continue;
		fill(env, p->uses[i], &q);
		explain_one(&q, sql, &w);
		expr_prog_release(&q);
	}
	if (p->nsjs > 0) {
		pivot_sql(env, &p, 1, &q);
		explain_one(&q, sql, &w);
		expr_prog_release(&q);
	}
	statement(env, &p, 1, mode, &q);
	explain_one(&q, sql, &w);
	expr_prog_release(&q);
	jw_array_close(&w);
	jw_release(&w);
}

int
expr_as_of(const char *arg, char *asof, long *day, struct sbuf *why)
{
	char now[32];

	if (arg == NULL) {
		now_iso(now, sizeof(now));
		arg = now;
	} else if (strlen(arg) != 10 || cmp_date_parse(arg, 10, day) == -1) {
		sb_reset(why);
		sb_addf(why, "--as-of %s: expected a date YYYY-MM-DD",
		    quote_value(arg, strlen(arg)));
		return -1;
	}
	memcpy(asof, arg, 10);
	asof[10] = '\0';
	return cmp_date_parse(asof, 10, day);
}
