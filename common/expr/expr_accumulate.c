/*
 * expr_accumulate.c - the event aggregates of temp.cdp_agg, accumulated in C.
 *
 * In SQL (expr_run.c's scan) the events are grouped by profile, and
 * the grouping is a sort of every event of the widest window: on ten
 * million events most of a segment evaluation.  Here the events are
 * read once in the order of the scan, each one's values are folded into
 * its profile's slot of arrays indexed by profile id, and the slots are
 * written in id order, which appends.  The folding is SQLite's own
 * (func.c: count, sum, avg, min, max): the same types, sums in the same
 * order, min and max by the same comparison of values of mixed types
 * (numbers before text before blobs, numbers by value, text by bytes),
 * the first of equal values kept.  count(DISTINCT ...) is not done
 * here: an environment that has one is grouped in SQL, as is one whose
 * profile ids are too sparse for arrays or whose arrays would be too
 * large.  t-expr compares the two ways
 * on values of every type.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "expr/expr_internal.h"
#include "store/database.h"

enum { A_COUNT, A_SUM, A_AVG, A_MIN, A_MAX };

/* The most the arrays may take (allowing for their doubling) before
 * the events are grouped in SQL instead, whose sort spills to disk. */
#define ACC_MAX_BYTES	(2.0 * 1024 * 1024 * 1024)

/* sum() and avg() */
struct sum {
	double	 r;		/* the values, as doubles */
	long long n;		/* values that were not null */
};

/* min() and max(): the best value so far */
struct best {
	union {
		long long i;
		double	 d;
		unsigned char *s;	/* text or blob, owned */
	} u;
	int	 len;
	int	 type;		/* SQLITE_*; 0 while there is none */
};

struct col {
	int	 kind;		/* A_* */
	int	 no;		/* column aN of cdp_agg */
	long long *count;
	struct sum *sum;
	struct best *best;
};

struct acc {
	struct col *c;
	int	 n;
	unsigned char *seen;	/* per profile: some value not null */
	size_t	 cap;		/* slots per array */
	long long lim;		/* the highest profile id it takes */
};

static int
kind_of(const char *fn)
{
	static const struct {
		const char *fn;
		int	 kind;
	} k[] = {
		{ "count(", A_COUNT }, { "sum(", A_SUM }, { "avg(", A_AVG },
		{ "min(", A_MIN }, { "max(", A_MAX },
	};
	size_t i;

	for (i = 0; i < sizeof(k) / sizeof(k[0]); i++)
		if (strcmp(fn, k[i].fn) == 0)
			return k[i].kind;
	return -1;
}

/* Room for profile ids 0..id; each new slot zero. */
static void
grow(struct acc *a, size_t id)
{
	size_t cap = a->cap ? a->cap : 1024, old = a->cap;
	int k;

	if (id < a->cap)
		return;
	while (cap <= id)
		cap *= 2;
#define GROW(p) do {							\
	(p) = xrealloc((p), cap * sizeof(*(p)));			\
	memset((p) + old, 0, (cap - old) * sizeof(*(p)));		\
} while (0)
	GROW(a->seen);
	for (k = 0; k < a->n; k++) {
		if (a->c[k].kind == A_COUNT)
			GROW(a->c[k].count);
		else if (a->c[k].kind == A_SUM || a->c[k].kind == A_AVG)
			GROW(a->c[k].sum);
		else
			GROW(a->c[k].best);
	}
#undef GROW
	a->cap = cap;
}

static void
acc_free(struct acc *a)
{
	size_t i;
	int k;

	for (k = 0; k < a->n; k++) {
		free(a->c[k].count);
		free(a->c[k].sum);
		if (a->c[k].best == NULL)
			continue;
		for (i = 0; i < a->cap; i++)
			if (a->c[k].best[i].type == SQLITE_TEXT ||
			    a->c[k].best[i].type == SQLITE_BLOB)
				free(a->c[k].best[i].u.s);
		free(a->c[k].best);
	}
	free(a->c);
	free(a->seen);
}

/*
 * SQLite's sumStep for what sum() and avg() are given here: reals (the
 * amount is a REAL column, an attribute is CAST AS REAL: expr_aggregates.c),
 * or text or a blob, which count as their numeric prefix.  SQLite would
 * keep an exact integer sum for integers; none reach here, and one that
 * did makes the caller group in SQL instead (-1).
 */
static int
sum_step(struct sum *s, sqlite3_stmt *st, int col, int type)
{
	if (type == SQLITE_INTEGER || ((type == SQLITE_TEXT ||
	    type == SQLITE_BLOB) && sqlite3_value_numeric_type(
	    sqlite3_column_value(st, col)) == SQLITE_INTEGER))
		return -1;
	s->n++;
	s->r += sqlite3_column_double(st, col);
	return 0;
}

static int
class_of(int type)
{
	return type == SQLITE_INTEGER || type == SQLITE_FLOAT ? 1 :
	    type == SQLITE_TEXT ? 2 : 3;
}

/* SQLite's sqlite3MemCompare of the best value and column col of st,
 * under the BINARY collation: <0, 0 or >0. */
static int
compare(const struct best *b, sqlite3_stmt *st, int col, int type)
{
	const unsigned char *p;
	long double x, y;
	long long i;
	int n, c;

	if (class_of(b->type) != class_of(type))
		return class_of(b->type) - class_of(type);
	if (class_of(type) == 1) {
		if (b->type == SQLITE_INTEGER && type == SQLITE_INTEGER) {
			i = sqlite3_column_int64(st, col);
			return b->u.i < i ? -1 : b->u.i > i;
		}
		/* an integer against a double: exact in a long double */
		x = b->type == SQLITE_INTEGER ? (long double)b->u.i :
		    (long double)b->u.d;
		y = type == SQLITE_INTEGER ?
		    (long double)sqlite3_column_int64(st, col) :
		    (long double)sqlite3_column_double(st, col);
		return x < y ? -1 : x > y;
	}
	p = type == SQLITE_TEXT ? sqlite3_column_text(st, col) :
	    sqlite3_column_blob(st, col);
	n = sqlite3_column_bytes(st, col);
	c = memcmp(b->u.s, p, (size_t)(b->len < n ? b->len : n));
	return c != 0 ? c : b->len - n;
}

static void
best_set(struct best *b, sqlite3_stmt *st, int col, int type)
{
	const void *p;

	if (b->type == SQLITE_TEXT || b->type == SQLITE_BLOB)
		free(b->u.s);
	b->type = type;
	if (type == SQLITE_INTEGER)
		b->u.i = sqlite3_column_int64(st, col);
	else if (type == SQLITE_FLOAT)
		b->u.d = sqlite3_column_double(st, col);
	else {
		p = type == SQLITE_TEXT ? (const void *)sqlite3_column_text(st,
		    col) : sqlite3_column_blob(st, col);
		b->len = sqlite3_column_bytes(st, col);
		b->u.s = xmalloc((size_t)b->len + 1);
		if (b->len > 0)
			memcpy(b->u.s, p, (size_t)b->len);
		b->u.s[b->len] = '\0';
	}
}

/* Fold row st (the profile, then a value per column) into a; -1 when
 * it cannot be. */
static int
fold(struct acc *a, sqlite3_stmt *st)
{
	long long id = sqlite3_column_int64(st, 0);
	struct col *c;
	struct best *b;
	int k, type, any = 0;

	if (id < 0)
		return 0;	/* not a profile: member.profile is one */
	if (id > a->lim)
		return -1;	/* too sparse (expr_acc), or new since */
	grow(a, (size_t)id);
	for (k = 0; k < a->n; k++) {
		if ((type = sqlite3_column_type(st, k + 1)) == SQLITE_NULL)
			continue;
		any = 1;
		c = &a->c[k];
		switch (c->kind) {
		case A_COUNT:
			c->count[id]++;
			break;
		case A_SUM:
		case A_AVG:
			if (sum_step(&c->sum[id], st, k + 1, type) == -1)
				return -1;
			break;
		default:
			b = &c->best[id];
			if (b->type == 0 || (c->kind == A_MIN ?
			    compare(b, st, k + 1, type) > 0 :
			    compare(b, st, k + 1, type) < 0))
				best_set(b, st, k + 1, type);
		}
	}
	if (any)
		a->seen[id] = 1;
	return 0;
}

/* Bind column c of profile id to parameter i. */
static int
bind(const struct col *c, size_t id, sqlite3_stmt *st, int i)
{
	const struct sum *s;
	const struct best *b;

	switch (c->kind) {
	case A_COUNT:
		return sqlite3_bind_int64(st, i, c->count[id]);
	case A_SUM:
	case A_AVG:
		s = &c->sum[id];
		if (s->n == 0)
			return sqlite3_bind_null(st, i);
		return sqlite3_bind_double(st, i, c->kind == A_AVG ?
		    s->r / (double)s->n : s->r);
	default:
		b = &c->best[id];
		switch (b->type) {
		case 0:
			return sqlite3_bind_null(st, i);
		case SQLITE_INTEGER:
			return sqlite3_bind_int64(st, i, b->u.i);
		case SQLITE_FLOAT:
			return sqlite3_bind_double(st, i, b->u.d);
		case SQLITE_TEXT:
			return sqlite3_bind_text(st, i, (const char *)b->u.s,
			    b->len, SQLITE_STATIC);
		default:
			return sqlite3_bind_blob(st, i, b->u.s, b->len,
			    SQLITE_STATIC);
		}
	}
}

/* The rows of cdp_agg, in profile order. */
static int
write_rows(struct expr_env *env, struct acc *a, struct sbuf *why)
{
	struct expr_prog q;
	sqlite3_stmt *st;
	size_t id;
	char buf[32];
	int k, rc = 0;

	expr_prog_init(&q);
	expr_add(&q, "INSERT INTO temp.cdp_agg(profile");
	for (k = 0; k < a->n; k++) {
		snprintf(buf, sizeof(buf), ", a%d", a->c[k].no);
		expr_add(&q, buf);
	}
	expr_add(&q, ") VALUES (?");
	for (k = 0; k < a->n; k++)
		expr_add(&q, ", ?");
	expr_add(&q, ")");
	st = expr_guarded(env, &q, EXPR_GUARD_TEMP, why);
	expr_prog_release(&q);
	if (st == NULL)
		return -1;
	if (db_exec(env->db, "SAVEPOINT cdp_acc", why) == -1) {
		sqlite3_finalize(st);
		return -1;
	}
	for (id = 0; id < a->cap && rc == 0; id++) {
		if (!a->seen[id])
			continue;
		sqlite3_bind_int64(st, 1, (long long)id);
		for (k = 0; k < a->n; k++)
			(void)bind(&a->c[k], id, st, k + 2);
		if (sqlite3_step(st) != SQLITE_DONE) {
			sb_reset(why);
			sb_adds(why, sqlite3_errmsg(env->db));
			rc = -1;
		}
		sqlite3_reset(st);
	}
	sqlite3_finalize(st);
	if (rc == 0)
		return db_exec(env->db, "RELEASE cdp_acc", why);
	(void)db_exec(env->db, "ROLLBACK TO cdp_acc; RELEASE cdp_acc", NULL);
	return -1;
}

int
expr_acc(struct expr_env *env, struct sbuf *why)
{
	struct acc a;
	struct expr_prog q;
	sqlite3_stmt *st;
	long long top = 0;
	size_t i, slot;
	int k, rc;

	memset(&a, 0, sizeof(a));
	a.c = xcalloc(env->nagg + 1, sizeof(*a.c));
	for (i = 0; i < env->nagg; i++) {
		if (env->agg[i].kind != AG_COL)
			continue;
		if ((k = kind_of(env->agg[i].fn)) == -1) {
			free(a.c);
			return 1;
		}
		a.c[a.n].kind = k;
		a.c[a.n++].no = env->agg[i].no;
	}
	/* the arrays span the profile ids, which merges leave with gaps:
	 * more than 16 slots a profile is grouped in SQL */
	if ((st = db_prepare(env->db, "SELECT max(profile), (SELECT count(*) "
	    "FROM profile) FROM member", why)) == NULL) {
		free(a.c);
		return -1;
	}
	if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		top = sqlite3_column_int64(st, 0);
		a.lim = 16 * sqlite3_column_int64(st, 1) + 65536;
		rc = sqlite3_step(st);
	}
	if (db_finish(env->db, st, rc, why) == -1) {
		free(a.c);
		return -1;
	}
	/* and arrays over ACC_MAX_BYTES, for a very large store */
	for (k = 0, slot = 1; k < a.n; k++)
		slot += a.c[k].kind == A_COUNT ? sizeof(long long) :
		    a.c[k].kind == A_SUM || a.c[k].kind == A_AVG ?
		    sizeof(struct sum) : sizeof(struct best);
	if (top > a.lim || (double)(top + 1) * 2 * (double)slot >
	    ACC_MAX_BYTES) {
		free(a.c);
		return 1;
	}
	if (top > 0)
		grow(&a, (size_t)top);

	expr_prog_init(&q);
	expr_events(env, NULL, 0, &q);
	st = expr_guarded(env, &q, EXPR_GUARD_READ, why);
	expr_prog_release(&q);
	if (st == NULL) {
		acc_free(&a);
		return -1;
	}
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		if (fold(&a, st) == -1) {
			sqlite3_finalize(st);
			acc_free(&a);
			return 1;
		}
	if (db_finish(env->db, st, rc, why) == -1 ||
	    write_rows(env, &a, why) == -1) {
		acc_free(&a);
		return -1;
	}
	acc_free(&a);
	return 0;
}
