/*
 * expr_compile.c - type-check a syntax tree and compile it to SQL: literals,
 * operators, scalar functions; names and aggregates are in expr_aggregates.c.
 *
 * Each node compiles into a fragment (SQL text and its parameters, in
 * the order of their '?') and a type; a parent combines the fragments of
 * its children, wrapping them where the types ask for it (an attribute
 * compared with a number is CAST to REAL, one compared with a date is
 * cut to its day).  Type errors are caught here, with the position of
 * the operator or operand at fault, rather than left to give an empty
 * segment: SQLite would compare 'Paris' with 3 without a word.
 */
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "expr/expr_internal.h"
#include "match/comparators.h"
#include "score/score.h"

const char *const expr_fnames[F_N] = {
	"lower", "upper", "length", "abs", "round", "coalesce", "date",
	"count", "sum", "avg", "min", "max", "first", "last", "distinct",
	"most_frequent", "has_consent", "in_segment"
};

const char *
expr_type_name(int t)
{
	static const char *const names[] = {
		"a number", "text", "a date", "a condition", "a value",
		"a duration"
	};

	return t >= 0 && t <= ET_DUR ? names[t] : "a value";
}

/* Messages. */

int
expr_err(struct expr_comp *c, const struct expr_node *n, const char *fmt, ...)
{
	va_list ap;
	char buf[512];

	if (!c->failed) {
		c->failed = 1;
		va_start(ap, fmt);
		vsnprintf(buf, sizeof(buf), fmt, ap);
		va_end(ap);
		sb_reset(c->why);
		sb_addf(c->why, "%d:%d: %s", n->line, n->col, buf);
	}
	return -1;
}

int
expr_unknown(struct expr_comp *c, const struct expr_node *n, const char *what,
    const char *name, const char *const *cand, size_t ncand)
{
	const char *m = expr_closest(name, cand, ncand);
	char q[96];

	snprintf(q, sizeof(q), "%s", quote_value(name, strlen(name)));
	if (m != NULL)
		return expr_err(c, n, "unknown %s %s (did you mean \"%s\"?)", what,
		    q, m);
	return expr_err(c, n, "unknown %s %s", what, q);
}


static int
numeric(int t)
{
	return t == ET_NUM || t == ET_ANY || t == ET_BOOL;
}

static int
is_date(const struct expr_node *n)
{
	long d;

	return n->kind == N_STR && n->len == 10 &&
	    cmp_date_parse(n->s, 10, &d) == 0;
}

/*
 * Make the operands of a comparison (op node n) comparable, or fail.
 * nb may be NULL for "like"-free uses; the literal nodes are checked for
 * dates.
 */
static int
comparable(struct expr_comp *c, const struct expr_node *n,
    const struct expr_node *na, struct expr_prog *a,
    const struct expr_node *nb, struct expr_prog *b)
{
	int ta = a->type, tb = b->type, i;

	if (ta == ET_DUR || tb == ET_DUR)
		return expr_err(c, ta == ET_DUR ? na : nb, "a duration can "
		    "only be added to or subtracted from a date");
	if (na->kind == N_NULL || nb->kind == N_NULL)
		return expr_err(c, n, "nothing is equal to null: use \"is "
		    "null\" or \"is not null\"");
	for (i = 0; i < 2; i++) {
		const struct expr_node *lit = i ? na : nb;
		int other = i ? tb : ta;

		if (other == ET_DATE && lit->kind == N_STR && !is_date(lit))
			return expr_err(c, lit, "invalid date %s: expected "
			    "YYYY-MM-DD", quote_value(lit->s, lit->len));
	}
	if ((ta == ET_DATE && numeric(tb) && tb != ET_ANY) ||
	    (tb == ET_DATE && numeric(ta) && ta != ET_ANY))
		return expr_err(c, n, "cannot compare a date with a number");
	if ((ta == ET_TEXT && numeric(tb) && tb != ET_ANY) ||
	    (tb == ET_TEXT && numeric(ta) && ta != ET_ANY))
		return expr_err(c, n, "cannot compare text with a number "
		    "(quote the number to compare text)");
	if (ta == ET_ANY && (tb == ET_NUM || tb == ET_BOOL))
		expr_wrap(a, "CAST(", " AS REAL)");
	if (tb == ET_ANY && (ta == ET_NUM || ta == ET_BOOL))
		expr_wrap(b, "CAST(", " AS REAL)");
	if (ta == ET_ANY && tb == ET_DATE)
		expr_wrap(a, "substr(", ", 1, 10)");
	if (tb == ET_ANY && ta == ET_DATE)
		expr_wrap(b, "substr(", ", 1, 10)");
	return 0;
}

static int
condition(struct expr_comp *c, const struct expr_node *n, int t)
{
	if (t == ET_BOOL || t == ET_NUM || t == ET_ANY)
		return 0;
	return expr_err(c, n, "expected a condition, not %s",
	    expr_type_name(t));
}

static int
compile_bin(struct expr_comp *c, const struct expr_node *n,
    struct expr_prog *f)
{
	static const char *const sqlop[] = {
		[T_EQ] = " = ", [T_NE] = " <> ", [T_LT] = " < ",
		[T_LE] = " <= ", [T_GT] = " > ", [T_GE] = " >= ",
		[T_PLUS] = " + ", [T_MINUS] = " - ", [T_STAR] = " * ",
		[T_SLASH] = " / ", [T_AND] = " AND ", [T_OR] = " OR "
	};
	const struct expr_node *na = n->kid[0], *nb = n->kid[1];
	struct expr_prog a, b;
	int ta, tb, rc = -1;
	char mod[32];

	expr_prog_init(&a);
	expr_prog_init(&b);
	if (expr_compile_node(c, na, &a) == -1 ||
	    expr_compile_node(c, nb, &b) == -1)
		goto out;
	ta = a.type;
	tb = b.type;
	switch (n->op) {
	case T_AND:
	case T_OR:
		if (condition(c, na, ta) == -1 || condition(c, nb, tb) == -1)
			goto out;
		f->type = ET_BOOL;
		break;
	case T_EQ: case T_NE: case T_LT: case T_LE: case T_GT: case T_GE:
		if (comparable(c, n, na, &a, nb, &b) == -1)
			goto out;
		f->type = ET_BOOL;
		break;
	case T_PLUS:
	case T_MINUS:
		/* date +/- duration, duration + date, date - date */
		if ((ta == ET_DATE && tb == ET_DUR) ||
		    (n->op == T_PLUS && ta == ET_DUR && tb == ET_DATE)) {
			const struct expr_node *dn = ta == ET_DUR ? na : nb;
			long days = dn->kind == N_NEG ? -dn->kid[0]->days :
			    dn->days;

			if (n->op == T_MINUS)
				days = -days;
			snprintf(mod, sizeof(mod), "%+ld days", days);
			expr_add(f, "date(");
			expr_append(f, ta == ET_DATE ? &a : &b);
			expr_add(f, ", ");
			expr_add_text(f, mod, strlen(mod));
			expr_add(f, ")");
			f->type = ET_DATE;
			rc = 0;
			goto out;
		}
		if (n->op == T_MINUS && ta == ET_DATE && tb == ET_DATE) {
			expr_add(f, "CAST(julianday(");
			expr_append(f, &a);
			expr_add(f, ") - julianday(");
			expr_append(f, &b);
			expr_add(f, ") AS INTEGER)");
			f->type = ET_NUM;
			rc = 0;
			goto out;
		}
		/* FALLTHROUGH */
	case T_STAR:
	case T_SLASH:
		if (!numeric(ta) || !numeric(tb)) {
			expr_err(c, n, "cannot apply %s to %s and %s",
			    expr_tok_name(n->op), expr_type_name(ta),
			    expr_type_name(tb));
			goto out;
		}
		if (ta == ET_ANY || n->op == T_SLASH)
			expr_wrap(&a, "CAST(", " AS REAL)");
		if (tb == ET_ANY)
			expr_wrap(&b, "CAST(", " AS REAL)");
		f->type = ET_NUM;
		break;
	default:
		expr_err(c, n, "unexpected operator");
		goto out;
	}
	expr_add(f, "(");
	expr_append(f, &a);
	expr_add(f, sqlop[n->op]);
	expr_append(f, &b);
	expr_add(f, ")");
	rc = 0;
out:
	expr_prog_release(&a);
	expr_prog_release(&b);
	return rc;
}

static int
compile_in(struct expr_comp *c, const struct expr_node *n,
    struct expr_prog *f)
{
	struct expr_prog x, item, items;
	size_t i;
	int rc = -1, casted = 0;

	expr_prog_init(&x);
	expr_prog_init(&items);
	expr_prog_init(&item);
	if (expr_compile_node(c, n->kid[0], &x) == -1)
		goto out;
	for (i = 1; i < n->nkid; i++) {
		struct expr_prog xs;
		int xt = x.type;

		expr_prog_init(&xs);
		xs.type = xt;
		if (expr_compile_node(c, n->kid[i], &item) == -1 ||
		    comparable(c, n->kid[i], n->kid[0], &xs, n->kid[i],
		    &item) == -1) {
			expr_prog_release(&xs);
			goto out;
		}
		/* a cast the item asked of the tested value: once */
		if (xs.sql.len > 0 && !casted) {
			casted = 1;
			if (strncmp(xs.sql.buf, "CAST", 4) == 0)
				expr_wrap(&x, "CAST(", " AS REAL)");
			else
				expr_wrap(&x, "substr(", ", 1, 10)");
		}
		expr_prog_release(&xs);
		if (i > 1)
			expr_add(&items, ", ");
		expr_append(&items, &item);
	}
	expr_add(f, "(");
	expr_append(f, &x);
	expr_add(f, n->neg ? " NOT IN (" : " IN (");
	expr_append(f, &items);
	expr_add(f, "))");
	f->type = ET_BOOL;
	rc = 0;
out:
	expr_prog_release(&x);
	expr_prog_release(&item);
	expr_prog_release(&items);
	return rc;
}

static int
compile_call(struct expr_comp *c, const struct expr_node *n,
    struct expr_prog *f)
{
	struct expr_prog a;
	size_t i;
	int fn, rc = -1, t = ET_ANY;

	for (fn = 0; fn < F_N; fn++)
		if (strcasecmp(expr_fnames[fn], n->s) == 0)
			break;
	if (fn == F_N)
		return expr_unknown(c, n, "function", n->s, expr_fnames, F_N);
	switch (fn) {
	case F_CONSENT:
		return expr_compile_consent(c, n, f);
	case F_INSEG:
		return expr_compile_inseg(c, n, f);
	case F_LOWER: case F_UPPER: case F_LENGTH: case F_ABS: case F_DATE:
		if (n->nkid != 1)
			return expr_err(c, n, "%s takes one argument",
			    expr_fnames[fn]);
		break;
	case F_ROUND:
		if (n->nkid < 1 || n->nkid > 2)
			return expr_err(c, n, "round takes a number and "
			    "optionally a count of decimals");
		break;
	case F_COALESCE:
		if (n->nkid < 2)
			return expr_err(c, n, "coalesce takes at least two "
			    "arguments");
		break;
	default:
		return expr_compile_agg(c, n, fn, f);
	}
	expr_prog_init(&a);
	expr_add(f, expr_fnames[fn]);
	expr_add(f, "(");
	for (i = 0; i < n->nkid; i++) {
		const struct expr_node *k = n->kid[i];

		if (expr_compile_node(c, k, &a) == -1)
			goto out;
		switch (fn) {
		case F_LOWER: case F_UPPER: case F_LENGTH:
			if (a.type != ET_TEXT && a.type != ET_ANY) {
				expr_err(c, k, "%s needs text, not %s",
				    expr_fnames[fn], expr_type_name(a.type));
				goto out;
			}
			t = fn == F_LENGTH ? ET_NUM : ET_TEXT;
			break;
		case F_ABS: case F_ROUND:
			if (!numeric(a.type)) {
				expr_err(c, k, "%s needs a number, not %s",
				    expr_fnames[fn], expr_type_name(a.type));
				goto out;
			}
			if (a.type == ET_ANY)
				expr_wrap(&a, "CAST(", " AS REAL)");
			t = ET_NUM;
			break;
		case F_DATE:
			if (a.type != ET_TEXT && a.type != ET_ANY &&
			    a.type != ET_DATE) {
				expr_err(c, k, "date needs text, not %s",
				    expr_type_name(a.type));
				goto out;
			}
			if (k->kind == N_STR && !is_date(k)) {
				expr_err(c, k, "invalid date %s: expected "
				    "YYYY-MM-DD", quote_value(k->s, k->len));
				goto out;
			}
			t = ET_DATE;
			break;
		default:	/* coalesce: one type, null and values aside */
			if (a.type == ET_DUR) {
				expr_err(c, k, "a duration is not a value");
				goto out;
			}
			if (t == ET_ANY)
				t = a.type;
			else if (a.type != ET_ANY && a.type != t &&
			    !(numeric(a.type) && numeric(t))) {
				expr_err(c, k, "coalesce of %s and %s",
				    expr_type_name(t), expr_type_name(a.type));
				goto out;
			}
		}
		if (i > 0)
			expr_add(f, ", ");
		expr_append(f, &a);
	}
	expr_add(f, ")");
	f->type = t;
	rc = 0;
out:
	expr_prog_release(&a);
	return rc;
}

int
expr_compile_node(struct expr_comp *c, const struct expr_node *n,
    struct expr_prog *f)
{
	struct expr_prog a;
	long long ll;
	const char *errstr;
	int rc = 0;

	f->type = ET_ANY;
	switch (n->kind) {
	case N_NUM:
		if (strchr(n->s, '.') == NULL && parse_ll(n->s, 0, LLONG_MAX,
		    &ll, &errstr) == 0)
			expr_add_int(f, ll);
		else
			expr_add_real(f, strtod(n->s, NULL));
		f->type = ET_NUM;
		return 0;
	case N_STR:
		expr_add_text(f, n->s, n->len);
		f->type = ET_TEXT;
		return 0;
	case N_BOOL:
		expr_add(f, n->days ? "1" : "0");
		f->type = ET_BOOL;
		return 0;
	case N_NULL:
		expr_add(f, "NULL");
		return 0;
	case N_NOW:
		expr_add_text(f, c->env->asof, 10);
		f->type = ET_DATE;
		return 0;
	case N_DUR:
		f->type = ET_DUR;
		return 0;
	case N_NAME:
		return expr_compile_name(c, n, f);
	case N_CALL:
		return compile_call(c, n, f);
	case N_BIN:
		return compile_bin(c, n, f);
	case N_IN:
		return compile_in(c, n, f);
	default:
		break;
	}
	/* one operand: -x, not x, x like p, x is null */
	expr_prog_init(&a);
	if (expr_compile_node(c, n->kid[0], &a) == -1) {
		expr_prog_release(&a);
		return -1;
	}
	switch (n->kind) {
	case N_NEG:
		if (a.type == ET_DUR) {
			if (n->kid[0]->kind != N_DUR)
				rc = expr_err(c, n, "cannot negate that");
			f->type = ET_DUR;
			break;
		}
		if (!numeric(a.type)) {
			rc = expr_err(c, n, "cannot negate %s",
			    expr_type_name(a.type));
			break;
		}
		expr_add(f, "(- ");
		if (a.type == ET_ANY)
			expr_wrap(&a, "CAST(", " AS REAL)");
		expr_append(f, &a);
		expr_add(f, ")");
		f->type = ET_NUM;
		break;
	case N_NOT:
		if ((rc = condition(c, n->kid[0], a.type)) == -1)
			break;
		expr_add(f, "(NOT ");
		expr_append(f, &a);
		expr_add(f, ")");
		f->type = ET_BOOL;
		break;
	case N_ISNULL:
		if (a.type == ET_DUR) {
			rc = expr_err(c, n->kid[0], "a duration is never null");
			break;
		}
		expr_add(f, "(");
		expr_append(f, &a);
		expr_add(f, n->neg ? " IS NOT NULL)" : " IS NULL)");
		f->type = ET_BOOL;
		break;
	case N_LIKE: {
		struct expr_prog p;

		if (a.type != ET_TEXT && a.type != ET_ANY &&
		    a.type != ET_DATE) {
			rc = expr_err(c, n->kid[0], "like needs text, not %s",
			    expr_type_name(a.type));
			break;
		}
		expr_prog_init(&p);
		if ((rc = expr_compile_node(c, n->kid[1], &p)) == 0 &&
		    p.type != ET_TEXT && p.type != ET_ANY)
			rc = expr_err(c, n->kid[1], "a like pattern is text, "
			    "not %s", expr_type_name(p.type));
		if (rc == 0) {
			expr_add(f, "(");
			expr_append(f, &a);
			expr_add(f, n->neg ? " NOT LIKE " : " LIKE ");
			expr_append(f, &p);
			expr_add(f, ")");
			f->type = ET_BOOL;
		}
		expr_prog_release(&p);
		break;
	}
	default:
		rc = expr_err(c, n, "cannot compile this");
	}
	expr_prog_release(&a);
	return rc;
}

int
expr_compile(struct expr_env *env, const char *text, size_t len, int line,
    int col, struct expr_prog *prog, struct sbuf *why)
{
	struct expr_comp c;
	struct expr_node *root, *all;
	size_t i;
	int rc = -1;

	expr_prog_release(prog);
	expr_prog_init(prog);
	memset(&c, 0, sizeof(c));
	c.env = env;
	c.why = why;
	/* a definition is inside its own segment: in_segment of itself,
	 * directly or not, is a cycle */
	env->depth = 0;
	if (env->self != NULL)
		env->stack[env->depth++] = env->self;
	if (env->nagg > 0)
		memset(env->used, 0, env->nagg);
	if (env->nsj > 0)
		memset(env->sjused, 0, env->nsj);
	while (env->nrefs > 0)
		free(env->refs[--env->nrefs]);
	if ((root = expr_parse(text, len, line, col, &all, why)) != NULL)
		rc = expr_compile_node(&c, root, prog);
	if (rc == 0 && prog->type == ET_DUR) {
		sb_reset(why);
		sb_addf(why, "%d:%d: a duration alone is not a value: add it "
		    "to a date (now - 90d)", root->line, root->col);
		rc = -1;
	}
	expr_tree_free(all);
	if (rc == -1) {
		expr_prog_release(prog);
		expr_prog_init(prog);
		return -1;
	}
	for (i = 0; i < env->nagg; i++)
		if (env->used[i]) {
			prog->uses = xrealloc(prog->uses, (prog->nuses + 1) *
			    sizeof(*prog->uses));
			prog->uses[prog->nuses++] = i;
		}
	for (i = 0; i < env->nsj; i++)
		if (env->sjused[i]) {
			prog->sjs = xrealloc(prog->sjs, (prog->nsjs + 1) *
			    sizeof(*prog->sjs));
			prog->sjs[prog->nsjs++] = i;
		}
	return 0;
}

int
expr_prog_score_type(const struct expr_prog *p)
{
	switch (p->type) {
	case ET_DUR:
		return -1;
	case ET_BOOL:
		return ET_NUM;
	default:
		return p->type;
	}
}
