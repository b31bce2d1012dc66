/*
 * expr_aggregates.c - the compiler's names and aggregates: fields, scores,
 * attributes, event aggregates, consents and in_segment, and the
 * fragments (SQL text and parameters) that everything compiles into.
 *
 * An aggregate does not compile to a subquery over the profile's
 * events: it is registered in the environment, once however often it
 * is used, as a column of the grouped scan or as a temp table of its
 * own (expr.h says why), and the expression reads the profile's row.
 * The SQL here comes from this file's string constants; what came from
 * the user is bound ('?').
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "expr/expr_internal.h"
#include "match/comparators.h"
#include "score/score.h"

/* Profile fields: the columns of profile an expression may read. */
static const struct field {
	const char *name;
	const char *sql;
	int	 type;
} pfields[] = {
	{ "id", "p.id", ET_NUM },
	{ "nrecords", "p.nrecords", ET_NUM },
	{ "first_seen", "substr(p.first_seen, 1, 10)", ET_DATE },
	{ "last_seen", "substr(p.last_seen, 1, 10)", ET_DATE },
	{ "email", "p.email", ET_TEXT },
	{ "phone", "p.phone", ET_TEXT },
	{ "customer_id", "p.customer_id", ET_TEXT },
	{ "loyalty_id", "p.loyalty_id", ET_TEXT },
	{ "anonymous_id", "p.anonymous_id", ET_TEXT },
	{ "first_name", "p.first_name", ET_TEXT },
	{ "last_name", "p.last_name", ET_TEXT },
	{ "full_name", "p.full_name", ET_TEXT },
	{ "birth_date", "substr(p.birth_date, 1, 10)", ET_DATE },
	{ "gender", "p.gender", ET_TEXT },
	{ "org_name", "p.org_name", ET_TEXT },
	{ "street", "p.street", ET_TEXT },
	{ "postal_code", "p.postal_code", ET_TEXT },
	{ "city", "p.city", ET_TEXT },
	{ "country", "p.country", ET_TEXT },
};
#define NPFIELDS	(sizeof(pfields) / sizeof(pfields[0]))

/* Event fields: what an aggregate may read of each event (record r). */
static const struct field efields[] = {
	{ "ts", "substr(r.ts, 1, 10)", ET_DATE },
	{ "amount", "r.amount", ET_NUM },
	{ "currency", "r.currency", ET_TEXT },
	{ "event_type", "r.event_type", ET_TEXT },
	{ "source", "(SELECT name FROM source WHERE id = r.source_id)",
	    ET_TEXT },
	{ "email", "r.email", ET_TEXT },
	{ "phone", "r.phone", ET_TEXT },
	{ "customer_id", "r.customer_id", ET_TEXT },
	{ "loyalty_id", "r.loyalty_id", ET_TEXT },
	{ "anonymous_id", "r.anonymous_id", ET_TEXT },
	{ "first_name", "r.first_name", ET_TEXT },
	{ "last_name", "r.last_name", ET_TEXT },
	{ "full_name", "r.full_name", ET_TEXT },
	{ "birth_date", "r.birth_date", ET_DATE },
	{ "gender", "r.gender", ET_TEXT },
	{ "org_name", "r.org_name", ET_TEXT },
	{ "street", "r.street", ET_TEXT },
	{ "postal_code", "r.postal_code", ET_TEXT },
	{ "city", "r.city", ET_TEXT },
	{ "country", "r.country", ET_TEXT },
};
#define NEFIELDS	(sizeof(efields) / sizeof(efields[0]))



/* Fragments. */

void
expr_add(struct expr_prog *f, const char *sql)
{
	sb_adds(&f->sql, sql);
}

static struct expr_val *
newpar(struct expr_prog *f)
{
	if (f->npar == f->cappar) {
		f->cappar = f->cappar ? 2 * f->cappar : 8;
		f->par = xrealloc(f->par, f->cappar * sizeof(*f->par));
	}
	memset(&f->par[f->npar], 0, sizeof(f->par[0]));
	sb_addc(&f->sql, '?');
	return &f->par[f->npar++];
}

void
expr_add_text(struct expr_prog *f, const char *s, size_t n)
{
	struct expr_val *v = newpar(f);

	v->kind = SV_TEXT;
	v->s = xstrndup(s, n);
	v->i = (long long)n;
}

void
expr_add_int(struct expr_prog *f, long long i)
{
	struct expr_val *v = newpar(f);

	v->kind = SV_INT;
	v->i = i;
}

void
expr_add_real(struct expr_prog *f, double d)
{
	struct expr_val *v = newpar(f);

	v->kind = SV_REAL;
	v->d = d;
}

/* Move src to the end of dst; src is left empty. */
void
expr_append(struct expr_prog *dst, struct expr_prog *src)
{
	size_t i;

	sb_add(&dst->sql, src->sql.buf, src->sql.len);
	for (i = 0; i < src->npar; i++) {
		if (dst->npar == dst->cappar) {
			dst->cappar = dst->cappar ? 2 * dst->cappar : 8;
			dst->par = xrealloc(dst->par, dst->cappar *
			    sizeof(*dst->par));
		}
		dst->par[dst->npar++] = src->par[i];
	}
	src->npar = 0;
	sb_reset(&src->sql);
}

void
expr_copy(struct expr_prog *dst, const struct expr_prog *src)
{
	size_t i;

	sb_add(&dst->sql, src->sql.buf, src->sql.len);
	for (i = 0; i < src->npar; i++) {
		struct expr_val *v;

		if (dst->npar == dst->cappar) {
			dst->cappar = dst->cappar ? 2 * dst->cappar : 8;
			dst->par = xrealloc(dst->par, dst->cappar *
			    sizeof(*dst->par));
		}
		v = &dst->par[dst->npar++];
		*v = src->par[i];
		if (v->kind == SV_TEXT)
			v->s = xstrndup(src->par[i].s, (size_t)v->i);
	}
}

void
expr_wrap(struct expr_prog *f, const char *pre, const char *post)
{
	struct expr_prog t;

	expr_prog_init(&t);
	expr_add(&t, pre);
	expr_append(&t, f);
	expr_add(&t, post);
	expr_prog_release(f);
	*f = t;
}

static int
prog_equal(const struct expr_prog *a, const struct expr_prog *b)
{
	size_t i;

	if (a->sql.len != b->sql.len || a->npar != b->npar ||
	    memcmp(a->sql.buf, b->sql.buf, a->sql.len) != 0)
		return 0;
	for (i = 0; i < a->npar; i++) {
		const struct expr_val *x = &a->par[i], *y = &b->par[i];

		if (x->kind != y->kind || x->i != y->i ||
		    (x->kind == SV_REAL && x->d != y->d) ||
		    (x->kind == SV_TEXT && memcmp(x->s, y->s, (size_t)x->i)))
			return 0;
	}
	return 1;
}

static const struct field *
field_find(const struct field *tab, size_t n, const char *name)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(tab[i].name, name) == 0)
			return &tab[i];
	return NULL;
}

static long
score_find(const struct expr_env *env, const char *name)
{
	size_t i;

	for (i = 0; i < env->nscore; i++)
		if (strcmp(env->score[i], name) == 0)
			return (long)i;
	return -1;
}

/* attr.a.b as the JSON path "$.a.b"; the parts are names already. */
static void
attr_path(const char *dotted, struct sbuf *path)
{
	sb_reset(path);
	sb_adds(path, "$.");
	sb_adds(path, dotted);
}

static int
register_agg(struct expr_env *env, int kind, const char *fn,
    struct expr_prog *q, const char *from)
{
	size_t i;

	for (i = 0; i < env->nagg; i++)
		if (env->agg[i].kind == kind && (kind != AG_COL ||
		    strcmp(env->agg[i].fn, fn) == 0) &&
		    prog_equal(&env->agg[i].q, q)) {
			expr_prog_release(q);
			env->used[i] = 1;
			return env->agg[i].no;
		}
	if (env->nagg == env->capagg) {
		env->capagg = env->capagg ? 2 * env->capagg : 8;
		env->agg = xrealloc(env->agg, env->capagg * sizeof(*env->agg));
		env->used = xrealloc(env->used, env->capagg);
	}
	env->used[env->nagg] = 1;
	env->agg[env->nagg].kind = kind;
	env->agg[env->nagg].fn = fn;
	env->agg[env->nagg].no = kind == AG_COL ? ++env->ncol : ++env->ntab;
	env->agg[env->nagg].q = *q;
	snprintf(env->agg[env->nagg].from, sizeof(env->agg[0].from), "%s",
	    from != NULL ? from : "");
	return env->agg[env->nagg++].no;
}

/* The value of temp table cdp_tN for this profile (joined, expr_run.c). */
static void
table_ref(struct expr_prog *f, int no)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "cdp_t%d.v", no);
	expr_add(f, buf);
}

/*
 * The value of a score for this profile: column vN of the pivot
 * temp.cdp_sc that expr_run.c builds from the score table, joined once
 * whatever the number of scores read.
 */
static void
score_join(struct expr_env *env, const char *name, struct expr_prog *f)
{
	char buf[32];
	size_t i;

	for (i = 0; i < env->nsj; i++)
		if (strcmp(env->sj[i], name) == 0)
			break;
	if (i == env->nsj) {
		if (env->nsj == env->capsj) {
			env->capsj = env->capsj ? 2 * env->capsj : 8;
			env->sj = xrealloc(env->sj, env->capsj *
			    sizeof(*env->sj));
			env->sjused = xrealloc(env->sjused, env->capsj);
		}
		env->sj[env->nsj++] = xstrdup(name);
	}
	env->sjused[i] = 1;
	snprintf(buf, sizeof(buf), "cdp_sc.v%zu", i + 1);
	expr_add(f, buf);
}

int
expr_compile_name(struct expr_comp *c, const struct expr_node *n, struct expr_prog *f)
{
	const struct field *fd;
	const char **cand;
	struct expr_prog q;
	struct sbuf path;
	size_t i, k;
	long si;
	int no;

	if (strncmp(n->s, "attr.", 5) == 0) {
		/* the latest record of the profile holding the attribute */
		sb_init(&path);
		attr_path(n->s + 5, &path);
		expr_prog_init(&q);
		expr_add(&q, "SELECT m.profile, json_extract(substr(max("
		    "printf('%-24s%012d', coalesce(substr(r.ts, 1, 24), ''), "
		    "r.id) || json_array(json_extract(r.raw, ");
		expr_add_text(&q, path.buf, path.len);
		expr_add(&q, "))), 37), '$[0]')");
		expr_add_events_from(c->env, &q);
		expr_add(&q, " WHERE (r.ts IS NULL OR r.ts < ");
		expr_add_text(&q, c->env->next, 10);
		expr_add(&q, ") AND json_extract(r.raw, ");
		expr_add_text(&q, path.buf, path.len);
		expr_add(&q, ") IS NOT NULL GROUP BY m.profile");
		sb_release(&path);
		no = register_agg(c->env, AG_TABLE, NULL, &q, NULL);
		table_ref(f, no);
		f->type = ET_ANY;
		return 0;
	}
	if (strncmp(n->s, "score.", 6) == 0) {
		if ((si = score_find(c->env, n->s + 6)) < 0)
			return expr_unknown(c, n, "score", n->s + 6,
			    (const char *const *)c->env->score,
			    c->env->nscore);
		goto score;
	}
	if ((fd = field_find(pfields, NPFIELDS, n->s)) != NULL) {
		expr_add(f, fd->sql);
		f->type = fd->type;
		return 0;
	}
	if (strchr(n->s, '.') == NULL && (si = score_find(c->env, n->s)) >= 0)
		goto score;
	cand = xcalloc(NPFIELDS + c->env->nscore, sizeof(*cand));
	for (i = k = 0; i < NPFIELDS; i++)
		cand[k++] = pfields[i].name;
	for (i = 0; i < c->env->nscore; i++)
		cand[k++] = c->env->score[i];
	expr_unknown(c, n, "field", n->s, cand, k);
	free(cand);
	return -1;
score:
	for (i = 0; i < c->env->nrefs; i++)
		if (strcmp(c->env->refs[i], c->env->score[si]) == 0)
			break;
	if (i == c->env->nrefs) {
		if (c->env->nrefs == c->env->caprefs) {
			c->env->caprefs = c->env->caprefs ? 2 *
			    c->env->caprefs : 8;
			c->env->refs = xrealloc(c->env->refs,
			    c->env->caprefs * sizeof(*c->env->refs));
		}
		c->env->refs[c->env->nrefs++] = xstrdup(c->env->score[si]);
	}
	score_join(c->env, c->env->score[si], f);
	f->type = c->env->stype[si];
	return 0;
}

/* The arguments of an aggregate: [field,] [event type,] [window]. */
struct aggarg {
	const struct field *fd;	/* NULL with attr */
	char	*attr;		/* JSON path of attr.X */
	const char *type;
	size_t	 typelen;
	long	 window;	/* days, 0 for none */
};

static int
agg_args(struct expr_comp *c, const struct expr_node *call, int fn,
    struct aggarg *a)
{
	const struct expr_node *k;
	const char *cand[NEFIELDS];
	size_t i = 0, j;

	memset(a, 0, sizeof(*a));
	if (fn != F_COUNT) {
		if (call->nkid == 0 || call->kid[0]->kind != N_NAME)
			return expr_err(c, call, "%s needs an event field first "
			    "(amount, ts, source, attr.NAME, ...)", expr_fnames[fn]);
		k = call->kid[i++];
		if (strncmp(k->s, "attr.", 5) == 0) {
			struct sbuf p;

			sb_init(&p);
			attr_path(k->s + 5, &p);
			a->attr = sb_detach(&p);
		} else if ((a->fd = field_find(efields, NEFIELDS, k->s)) ==
		    NULL) {
			for (j = 0; j < NEFIELDS; j++)
				cand[j] = efields[j].name;
			return expr_unknown(c, k, "event field", k->s, cand,
			    NEFIELDS);
		}
	}
	for (; i < call->nkid; i++) {
		k = call->kid[i];
		if (k->kind == N_DUR && a->window == 0) {
			if (k->days <= 0)
				return expr_err(c, k, "a window is at least 1 day");
			a->window = k->days;
		} else if ((k->kind == N_STR || (k->kind == N_NAME &&
		    strchr(k->s, '.') == NULL)) && a->type == NULL &&
		    a->window == 0) {
			a->type = k->s;
			a->typelen = k->kind == N_STR ? k->len : strlen(k->s);
		} else
			return expr_err(c, k, "%s: expected %s", expr_fnames[fn],
			    a->window ? "\")\" after the window" :
			    "an event type or a window (90d)");
	}
	return 0;
}

/* The event condition of an aggregate, or nothing; 1 if one was added. */
static int
agg_cond(struct expr_comp *c, const struct aggarg *a, struct expr_prog *q)
{
	char from[11];

	if (a->type == NULL && a->window == 0)
		return 0;
	if (a->type != NULL) {
		expr_add(q, "r.event_type = ");
		expr_add_text(q, a->type, a->typelen);
	}
	if (a->window > 0) {
		expr_date_add(c->env->asof, -(a->window - 1), from);
		expr_add(q, a->type != NULL ? " AND r.ts >= " : "r.ts >= ");
		expr_add_text(q, from, 10);
	}
	return 1;
}

/* The value an aggregate reads of each event. */
static int
agg_value(const struct aggarg *a, struct expr_prog *q)
{
	if (a->attr != NULL) {
		expr_add(q, "json_extract(r.raw, ");
		expr_add_text(q, a->attr, strlen(a->attr));
		expr_add(q, ")");
		return ET_ANY;
	}
	expr_add(q, a->fd->sql);
	return a->fd->type;
}

int
expr_compile_agg(struct expr_comp *c, const struct expr_node *call, int fn,
    struct expr_prog *f)
{
	static const char *const sqlfn[F_N] = {
		[F_SUM] = "sum(", [F_AVG] = "avg(", [F_MIN] = "min(",
		[F_MAX] = "max(", [F_FIRST] = "min(", [F_LAST] = "max(",
		[F_DISTINCT] = "count(DISTINCT "
	};
	struct aggarg a;
	struct expr_prog q, v;
	char buf[96], from[11];
	int no, vt = ET_NUM, ordered;

	if (agg_args(c, call, fn, &a) == -1) {
		free(a.attr);
		return -1;
	}
	expr_prog_init(&q);
	expr_prog_init(&v);
	if (fn != F_COUNT)
		vt = agg_value(&a, &v);
	if ((fn == F_SUM || fn == F_AVG) && vt != ET_NUM && vt != ET_ANY) {
		expr_prog_release(&q);
		expr_prog_release(&v);
		free(a.attr);
		return expr_err(c, call->kid[0], "%s needs a number, not %s",
		    expr_fnames[fn], expr_type_name(vt));
	}
	if ((fn == F_SUM || fn == F_AVG) && vt == ET_ANY)
		expr_wrap(&v, "CAST(", " AS REAL)");
	/* first/last of anything but a date: the value at the earliest
	 * (latest) event, kept with its type through a JSON array */
	ordered = (fn == F_FIRST || fn == F_LAST) && vt != ET_DATE;
	if (ordered)
		expr_wrap(&v, "printf('%-24s%012d', substr(r.ts, 1, 24), r.id) || "
		    "json_array(", ")");

	if (fn == F_MODE) {
		expr_add(&q, "SELECT profile, v FROM (SELECT profile, v, "
		    "row_number() OVER (PARTITION BY profile ORDER BY n DESC, "
		    "v) AS k FROM (SELECT m.profile AS profile, ");
		expr_copy(&q, &v);
		expr_add(&q, " AS v, count(*) AS n");
		expr_add_events_from(c->env, &q);
		expr_add(&q, " WHERE r.event_type IS NOT NULL AND r.ts < ");
		expr_add_text(&q, c->env->next, 10);
		expr_add(&q, " AND ");
		if (agg_cond(c, &a, &q))
			expr_add(&q, " AND ");
		expr_append(&q, &v);
		expr_add(&q, " IS NOT NULL GROUP BY 1, 2)) WHERE k = 1");
		no = register_agg(c->env, AG_TABLE, NULL, &q, NULL);
		table_ref(f, no);
		f->type = vt;
		goto out;
	}
	/* q is what the event gives the aggregate function: null for an
	 * event out of its type or window */
	if (fn == F_COUNT) {
		if (agg_cond(c, &a, &q))
			expr_wrap(&q, "CASE WHEN ", " THEN 1 END");
		else
			expr_add(&q, "1");
	} else {
		struct expr_prog cond;

		expr_prog_init(&cond);
		if (agg_cond(c, &a, &cond)) {
			expr_add(&q, "CASE WHEN ");
			expr_append(&q, &cond);
			expr_add(&q, " THEN ");
			expr_append(&q, &v);
			expr_add(&q, " END");
		} else
			expr_append(&q, &v);
		expr_prog_release(&cond);
	}
	from[0] = '\0';
	if (a.window > 0)
		expr_date_add(c->env->asof, -(a.window - 1), from);
	no = register_agg(c->env, AG_COL, fn == F_COUNT ? "count(" :
	    sqlfn[fn], &q, from);
	snprintf(buf, sizeof(buf), "cdp_g.a%d", no);
	if (fn == F_COUNT || fn == F_SUM || fn == F_DISTINCT) {
		expr_add(f, "coalesce(");
		expr_add(f, buf);
		expr_add(f, ", 0)");
		f->type = ET_NUM;
	} else if (ordered) {
		expr_add(f, "json_extract(substr(");
		expr_add(f, buf);
		expr_add(f, ", 37), '$[0]')");
		f->type = vt;
	} else {
		expr_add(f, buf);
		f->type = fn == F_AVG ? ET_NUM : vt;
	}
out:
	expr_prog_release(&v);
	free(a.attr);
	return 0;
}

/*
 * has_consent(purpose): the latest statement for the purpose up to the
 * as-of date, reaching the profile the way cdp-privacy(1) says: the
 * consent_profile view of cdp-schema(5), written out here because
 * through the view the filters come after its UNION and SQLite scans
 * every identifier to join the consents.
 */
int
expr_compile_consent(struct expr_comp *c, const struct expr_node *call,
    struct expr_prog *f)
{
	const struct expr_node *k;
	struct expr_prog q;
	int i, no;

	if (call->nkid != 1 || !((k = call->kid[0])->kind == N_STR ||
	    (k->kind == N_NAME && strchr(k->s, '.') == NULL)))
		return expr_err(c, call, "has_consent takes one purpose: "
		    "has_consent(email)");
	/* the three ways of the view, each filtered before it is joined;
	 * UNION ALL, as a statement counted twice changes no maximum, and
	 * the consents lead the joins: a profile has many identifiers */
	expr_prog_init(&q);
	expr_add(&q, "SELECT profile, substr(max(printf('%-24s%012d', "
	    "substr(ts, 1, 24), id) || granted), 37) FROM (");
	for (i = 0; i < 3; i++) {
		static const char *const way[] = {
			"SELECT m.profile AS profile, c.id AS id, c.granted "
			"AS granted, c.ts AS ts FROM consent c CROSS JOIN "
			"member m ON m.record = c.record",
			" UNION ALL SELECT m.profile, c.id, c.granted, c.ts "
			"FROM consent c CROSS JOIN ident i ON i.kind = c.kind "
			"AND i.value = c.value CROSS JOIN member m ON "
			"m.record = i.record",
			" UNION ALL SELECT CAST(c.value AS INTEGER), c.id, "
			"c.granted, c.ts FROM consent c WHERE c.kind = "
			"'profile' AND"
		};

		expr_add(&q, way[i]);
		expr_add(&q, i < 2 ? " WHERE c.purpose = " : " c.purpose = ");
		expr_add_text(&q, k->s, k->kind == N_STR ? k->len :
		    strlen(k->s));
		expr_add(&q, " AND c.ts < ");
		expr_add_text(&q, c->env->next, 10);
	}
	expr_add(&q, c->env->only ? ") WHERE profile IN (SELECT profile "
	    "FROM temp.cdp_only) GROUP BY profile" : ") GROUP BY profile");
	no = register_agg(c->env, AG_TABLE, NULL, &q, NULL);
	expr_add(f, "(coalesce(");
	table_ref(f, no);
	expr_add(f, ", '0') = '1')");
	f->type = ET_BOOL;
	return 0;
}

/* in_segment(name): the segment's own definition, compiled in place. */
int
expr_compile_inseg(struct expr_comp *c, const struct expr_node *call,
    struct expr_prog *f)
{
	struct expr_env *env = c->env;
	const struct expr_node *k;
	struct expr_node *all, *root;
	struct sbuf why, path;
	struct expr_comp sub;
	const char *def;
	size_t i;
	int d, rc;

	if (call->nkid != 1 || !((k = call->kid[0])->kind == N_STR ||
	    (k->kind == N_NAME && strchr(k->s, '.') == NULL)))
		return expr_err(c, call, "in_segment takes one segment name: "
		    "in_segment(vip)");
	for (i = 0; i < env->nseg; i++)
		if (strcmp(env->seg[i], k->s) == 0)
			break;
	if (i == env->nseg)
		return expr_unknown(c, k, "segment", k->s,
		    (const char *const *)env->seg, env->nseg);
	def = env->segdef[i];
	for (d = 0; d < env->depth; d++)
		if (strcmp(env->stack[d], k->s) == 0)
			break;
	if (d < env->depth || env->depth == (int)(sizeof(env->stack) /
	    sizeof(env->stack[0]))) {
		sb_init(&path);
		for (; d < env->depth; d++)
			sb_addf(&path, "%s -> ", env->stack[d]);
		sb_adds(&path, k->s);
		rc = expr_err(c, k, "segment cycle: %s", path.buf);
		sb_release(&path);
		return rc;
	}
	env->stack[env->depth++] = env->seg[i];
	sb_init(&why);
	memset(&sub, 0, sizeof(sub));
	sub.env = env;
	sub.why = &why;
	rc = -1;
	if ((root = expr_parse(def, strlen(def), 1, 1, &all, &why)) != NULL &&
	    (rc = expr_compile_node(&sub, root, f)) == 0 && f->type != ET_BOOL) {
		sb_reset(&why);
		sb_adds(&why, "1:1: a segment must be a condition");
		rc = -1;
	}
	expr_tree_free(all);
	env->depth--;
	if (rc == -1) {
		/* a cycle found deeper is reported as it is */
		if (strncmp(why.buf, "segment cycle", 13) == 0 ||
		    strstr(why.buf, ": segment cycle: ") != NULL)
			expr_err(c, k, "%s", strstr(why.buf, "segment cycle"));
		else
			expr_err(c, k, "in segment \"%s\": %s", k->s, why.buf);
		sb_release(&why);
		return -1;
	}
	sb_release(&why);
	expr_wrap(f, "(", ")");
	f->type = ET_BOOL;
	return 0;
}

