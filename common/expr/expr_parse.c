/*
 * expr_parse.c - the lexer and the recursive-descent parser of the
 * expression language; the grammar is in cdp-expr(7).
 *
 * Positions are counted in lines and code points so that the column a
 * message gives is the one an editor shows.  A dotted name (score.rfm_r,
 * attr.loyalty.tier) is one token; keywords are recognised among the
 * undotted names, in any case.  Nesting is bounded so that a hostile
 * definition cannot exhaust the stack.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "expr/expr_internal.h"
#include "match/comparators.h"

#define MAXDEPTH	64
#define MAXDAYS		1000000L
/*
 * Limits of a definition, checked when it is defined: its SQL must
 * prepare (SQLite's parser stack takes about 85 nested operators) and
 * a literal is stored with every row it yields.
 */
#define MAXHEIGHT	64	/* operators nested, a chain of or too */
#define MAXTEXT		65536	/* bytes of an expression */
#define MAXLITERAL	4096	/* bytes of a text literal */

struct token {
	int	 t;
	const char *p;		/* in the text */
	size_t	 n;
	int	 line, col;
	long	 days;		/* T_DUR */
	char	*str;		/* T_STR: the value, unquoted; owned */
	size_t	 strlen;
};

struct parser {
	const char *s, *end, *p;
	int	 line, col;	/* of *p */
	struct token tok;	/* the current token */
	struct expr_node *all;
	struct sbuf *why;
	int	 depth;
	int	 failed;
};

static const struct { const char *w; int t; } keywords[] = {
	{ "and", T_AND }, { "or", T_OR }, { "not", T_NOT }, { "in", T_IN },
	{ "like", T_LIKE }, { "is", T_IS }, { "null", T_NULL },
	{ "true", T_TRUE }, { "false", T_FALSE }, { "now", T_NOW },
};

const char *
expr_tok_name(int t)
{
	static const char *const names[] = {
		"end of expression", "number", "duration", "string", "name",
		"\"(\"", "\")\"", "\",\"", "\"=\"", "\"!=\"", "\"<\"", "\"<=\"",
		"\">\"", "\">=\"", "\"+\"", "\"-\"", "\"*\"", "\"/\"",
		"\"and\"", "\"or\"", "\"not\"", "\"in\"", "\"like\"", "\"is\"",
		"\"null\"", "\"true\"", "\"false\"", "\"now\""
	};

	return t >= 0 && t <= T_NOW ? names[t] : "token";
}

const char *
expr_closest(const char *name, const char *const *cand, size_t n)
{
	const char *best = NULL;
	size_t i, len = strlen(name);
	int d, bd = 3;

	for (i = 0; i < n; i++) {
		d = cmp_levenshtein(name, len, cand[i], strlen(cand[i]), 2);
		if (d < bd && (size_t)d < len) {
			bd = d;
			best = cand[i];
		}
	}
	return best;
}

static void
fail(struct parser *ps, int line, int col, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static void
fail(struct parser *ps, int line, int col, const char *fmt, ...)
{
	va_list ap;
	char buf[512];

	if (ps->failed)
		return;
	ps->failed = 1;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	sb_reset(ps->why);
	sb_addf(ps->why, "%d:%d: %s", line, col, buf);
}

/* The current token as a quoted excerpt, for messages. */
static const char *
tok_text(const struct token *t)
{
	static char buf[96];

	if (t->t == T_EOF)
		return "end of expression";
	snprintf(buf, sizeof(buf), "%s", quote_value(t->p, t->n));
	return buf;
}

static void
advance(struct parser *ps, size_t n)
{
	while (n-- > 0 && ps->p < ps->end) {
		if (*ps->p == '\n') {
			ps->line++;
			ps->col = 1;
		} else if ((*ps->p & 0xc0) != 0x80)
			ps->col++;
		ps->p++;
	}
}

static int
is_alpha(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

static int
is_digit(int c)
{
	return c >= '0' && c <= '9';
}

static void
lex(struct parser *ps)
{
	struct token *t = &ps->tok;
	const char *p;
	size_t i;
	char q;

	free(t->str);
	memset(t, 0, sizeof(*t));
	while (ps->p < ps->end && (*ps->p == ' ' || *ps->p == '\t' ||
	    *ps->p == '\n' || *ps->p == '\r'))
		advance(ps, 1);
	t->p = p = ps->p;
	t->line = ps->line;
	t->col = ps->col;
	if (p == ps->end) {
		t->t = T_EOF;
		return;
	}
	if (is_alpha(*p)) {
		/* a name, with dots between its parts */
		while (p < ps->end && (is_alpha(*p) || is_digit(*p) ||
		    (*p == '.' && p + 1 < ps->end && is_alpha(p[1]))))
			p++;
		t->t = T_NAME;
		t->n = (size_t)(p - t->p);
		for (i = 0; i < sizeof(keywords) / sizeof(keywords[0]); i++)
			if (strlen(keywords[i].w) == t->n &&
			    strncasecmp(keywords[i].w, t->p, t->n) == 0)
				t->t = keywords[i].t;
	} else if (is_digit(*p)) {
		while (p < ps->end && is_digit(*p))
			p++;
		if (p < ps->end && strchr("dwy", *p) != NULL &&
		    (p + 1 == ps->end || (!is_alpha(p[1]) &&
		    !is_digit(p[1])))) {
			long n = 0;
			const char *d;

			for (d = t->p; d < p && n <= MAXDAYS; d++)
				n = n * 10 + (*d - '0');
			n *= *p == 'd' ? 1 : *p == 'w' ? 7 : 365;
			p++;
			t->t = T_DUR;
			t->days = n;
			t->n = (size_t)(p - t->p);
			if (n > MAXDAYS)
				fail(ps, t->line, t->col, "duration %s too "
				    "long: at most %ld days", tok_text(t),
				    MAXDAYS);
		} else {
			if (p + 1 < ps->end && *p == '.' && is_digit(p[1]))
				for (p++; p < ps->end && is_digit(*p); p++)
					;
			t->t = T_NUM;
			t->n = (size_t)(p - t->p);
			if (p < ps->end && (is_alpha(*p) || *p == '.')) {
				t->n++;
				fail(ps, t->line, t->col, "invalid number %s",
				    tok_text(t));
			}
		}
	} else if (*p == '\'' || *p == '"') {
		/* a string; the quote doubled stands for itself */
		struct sbuf v;

		q = *p++;
		sb_init(&v);
		for (;;) {
			if (p == ps->end) {
				sb_release(&v);
				t->n = (size_t)(p - t->p);
				fail(ps, t->line, t->col, "unterminated string");
				t->t = T_EOF;
				return;
			}
			if (*p == q) {
				if (p + 1 < ps->end && p[1] == q) {
					sb_addc(&v, q);
					p += 2;
					continue;
				}
				p++;
				break;
			}
			sb_addc(&v, *p++);
		}
		if (v.len > MAXLITERAL) {
			sb_release(&v);
			t->n = (size_t)(p - t->p);
			fail(ps, t->line, t->col, "text longer than %d bytes",
			    MAXLITERAL);
			t->t = T_EOF;
			return;
		}
		t->t = T_STR;
		t->strlen = v.len;
		t->str = sb_detach(&v);
		t->n = (size_t)(p - t->p);
	} else {
		static const struct { const char *op; int t; } ops[] = {
			{ "==", T_EQ }, { "!=", T_NE }, { "<>", T_NE },
			{ "<=", T_LE }, { ">=", T_GE }, { "=", T_EQ },
			{ "<", T_LT }, { ">", T_GT }, { "+", T_PLUS },
			{ "-", T_MINUS }, { "*", T_STAR }, { "/", T_SLASH },
			{ "(", T_LP }, { ")", T_RP }, { ",", T_COMMA },
		};

		for (i = 0; i < sizeof(ops) / sizeof(ops[0]); i++) {
			size_t n = strlen(ops[i].op);

			if ((size_t)(ps->end - p) >= n &&
			    memcmp(p, ops[i].op, n) == 0) {
				t->t = ops[i].t;
				t->n = n;
				break;
			}
		}
		if (i == sizeof(ops) / sizeof(ops[0])) {
			size_t n = 1;

			/* the whole UTF-8 character, for the message */
			while (p + n < ps->end && (p[n] & 0xc0) == 0x80)
				n++;
			t->n = n;
			fail(ps, t->line, t->col, "unexpected character %s",
			    quote_value(p, n));
			t->t = T_EOF;
			return;
		}
	}
	advance(ps, t->n);
}

static struct expr_node *
node(struct parser *ps, int kind, const struct token *t)
{
	struct expr_node *n = xcalloc(1, sizeof(*n));

	n->kind = kind;
	n->line = t->line;
	n->col = t->col;
	n->next = ps->all;
	ps->all = n;
	return n;
}

static void
add_kid(struct expr_node *n, struct expr_node *k)
{
	n->kid = xrealloc(n->kid, (n->nkid + 1) * sizeof(*n->kid));
	n->kid[n->nkid++] = k;
	if (k->height + 1 > n->height)
		n->height = k->height + 1;
}

static struct expr_node *parse_or(struct parser *);

static int
expect(struct parser *ps, int t)
{
	if (ps->failed)
		return -1;
	if (ps->tok.t != t) {
		fail(ps, ps->tok.line, ps->tok.col, "syntax error: expected "
		    "%s, found %s", expr_tok_name(t), tok_text(&ps->tok));
		return -1;
	}
	lex(ps);
	return 0;
}

static struct expr_node *
unexpected(struct parser *ps)
{
	fail(ps, ps->tok.line, ps->tok.col, "syntax error: unexpected %s",
	    tok_text(&ps->tok));
	return NULL;
}

static struct expr_node *
parse_primary(struct parser *ps)
{
	struct token *t = &ps->tok;
	struct expr_node *n, *k;

	if (ps->failed)
		return NULL;
	switch (t->t) {
	case T_NUM:
		n = node(ps, N_NUM, t);
		n->s = xstrndup(t->p, t->n);
		n->len = t->n;
		lex(ps);
		return n;
	case T_DUR:
		n = node(ps, N_DUR, t);
		n->days = t->days;
		n->s = xstrndup(t->p, t->n);
		lex(ps);
		return n;
	case T_STR:
		n = node(ps, N_STR, t);
		n->s = t->str;
		n->len = t->strlen;
		t->str = NULL;
		lex(ps);
		return n;
	case T_TRUE:
	case T_FALSE:
		n = node(ps, N_BOOL, t);
		n->days = t->t == T_TRUE;
		lex(ps);
		return n;
	case T_NULL:
		n = node(ps, N_NULL, t);
		lex(ps);
		return n;
	case T_NOW:
		n = node(ps, N_NOW, t);
		lex(ps);
		return n;
	case T_LP:
		lex(ps);
		n = parse_or(ps);
		if (expect(ps, T_RP) == -1)
			return NULL;
		return n;
	case T_NAME:
		n = node(ps, N_NAME, t);
		n->s = xstrndup(t->p, t->n);
		n->len = t->n;
		lex(ps);
		if (t->t != T_LP)
			return n;
		n->kind = N_CALL;
		lex(ps);
		if (t->t == T_RP) {
			lex(ps);
			return n;
		}
		for (;;) {
			if ((k = parse_or(ps)) == NULL)
				return NULL;
			add_kid(n, k);
			if (t->t != T_COMMA)
				break;
			lex(ps);
		}
		if (expect(ps, T_RP) == -1)
			return NULL;
		return n;
	default:
		return unexpected(ps);
	}
}

static struct expr_node *
parse_unary(struct parser *ps)
{
	struct expr_node *n, *k;

	if (ps->tok.t != T_MINUS)
		return parse_primary(ps);
	if (++ps->depth > MAXDEPTH) {
		fail(ps, ps->tok.line, ps->tok.col, "expression nested too "
		    "deeply");
		return NULL;
	}
	n = node(ps, N_NEG, &ps->tok);
	lex(ps);
	if ((k = parse_unary(ps)) == NULL)
		return NULL;
	ps->depth--;
	add_kid(n, k);
	return n;
}

static struct expr_node *
binary(struct parser *ps, const struct token *op, struct expr_node *a,
    struct expr_node *b)
{
	struct expr_node *n = node(ps, N_BIN, op);

	n->op = op->t;
	add_kid(n, a);
	add_kid(n, b);
	if (n->height > MAXHEIGHT && !ps->failed)
		fail(ps, op->line, op->col, "expression nested too deeply: "
		    "more than %d operators in a chain (a list of values is "
		    "x in (a, b, ...))", MAXHEIGHT);
	return n;
}

static struct expr_node *
parse_mul(struct parser *ps)
{
	struct expr_node *a, *b;
	struct token op;

	if ((a = parse_unary(ps)) == NULL)
		return NULL;
	while (ps->tok.t == T_STAR || ps->tok.t == T_SLASH) {
		op = ps->tok;
		op.str = NULL;
		lex(ps);
		if ((b = parse_unary(ps)) == NULL)
			return NULL;
		a = binary(ps, &op, a, b);
	}
	return a;
}

static struct expr_node *
parse_add(struct parser *ps)
{
	struct expr_node *a, *b;
	struct token op;

	if ((a = parse_mul(ps)) == NULL)
		return NULL;
	while (ps->tok.t == T_PLUS || ps->tok.t == T_MINUS) {
		op = ps->tok;
		op.str = NULL;
		lex(ps);
		if ((b = parse_mul(ps)) == NULL)
			return NULL;
		a = binary(ps, &op, a, b);
	}
	return a;
}

/* Comparisons do not chain: "a < b < c" is an error, not a surprise. */
static struct expr_node *
parse_cmp(struct parser *ps)
{
	struct expr_node *a, *b, *n;
	struct token op;
	int neg = 0;

	if ((a = parse_add(ps)) == NULL)
		return NULL;
	op = ps->tok;
	op.str = NULL;
	switch (op.t) {
	case T_EQ: case T_NE: case T_LT: case T_LE: case T_GT: case T_GE:
		lex(ps);
		if ((b = parse_add(ps)) == NULL)
			return NULL;
		return binary(ps, &op, a, b);
	case T_IS:
		lex(ps);
		n = node(ps, N_ISNULL, &op);
		if (ps->tok.t == T_NOT) {
			n->neg = 1;
			lex(ps);
		}
		if (expect(ps, T_NULL) == -1)
			return NULL;
		add_kid(n, a);
		return n;
	case T_NOT:
		lex(ps);
		neg = 1;
		if (ps->tok.t != T_IN && ps->tok.t != T_LIKE) {
			fail(ps, ps->tok.line, ps->tok.col, "syntax error: "
			    "expected \"in\" or \"like\" after \"not\", found "
			    "%s", tok_text(&ps->tok));
			return NULL;
		}
		op = ps->tok;
		op.str = NULL;
		/* FALLTHROUGH */
	case T_IN:
	case T_LIKE:
		lex(ps);
		n = node(ps, op.t == T_IN ? N_IN : N_LIKE, &op);
		n->neg = neg;
		add_kid(n, a);
		if (op.t == T_LIKE) {
			if ((b = parse_add(ps)) == NULL)
				return NULL;
			add_kid(n, b);
			return n;
		}
		if (expect(ps, T_LP) == -1)
			return NULL;
		for (;;) {
			if ((b = parse_add(ps)) == NULL)
				return NULL;
			add_kid(n, b);
			if (ps->tok.t != T_COMMA)
				break;
			lex(ps);
		}
		if (expect(ps, T_RP) == -1)
			return NULL;
		return n;
	default:
		return a;
	}
}

static struct expr_node *
parse_not(struct parser *ps)
{
	struct expr_node *n, *k;

	if (ps->tok.t != T_NOT)
		return parse_cmp(ps);
	if (++ps->depth > MAXDEPTH) {
		fail(ps, ps->tok.line, ps->tok.col, "expression nested too "
		    "deeply");
		return NULL;
	}
	n = node(ps, N_NOT, &ps->tok);
	lex(ps);
	if ((k = parse_not(ps)) == NULL)
		return NULL;
	ps->depth--;
	add_kid(n, k);
	return n;
}

static struct expr_node *
parse_and(struct parser *ps)
{
	struct expr_node *a, *b;
	struct token op;

	if ((a = parse_not(ps)) == NULL)
		return NULL;
	while (ps->tok.t == T_AND) {
		op = ps->tok;
		op.str = NULL;
		lex(ps);
		if ((b = parse_not(ps)) == NULL)
			return NULL;
		a = binary(ps, &op, a, b);
	}
	return a;
}

static struct expr_node *
parse_or(struct parser *ps)
{
	struct expr_node *a, *b;
	struct token op;

	if (++ps->depth > MAXDEPTH) {
		fail(ps, ps->tok.line, ps->tok.col, "expression nested too "
		    "deeply");
		return NULL;
	}
	if ((a = parse_and(ps)) == NULL)
		return NULL;
	while (ps->tok.t == T_OR) {
		op = ps->tok;
		op.str = NULL;
		lex(ps);
		if ((b = parse_and(ps)) == NULL)
			return NULL;
		a = binary(ps, &op, a, b);
	}
	ps->depth--;
	return a;
}

struct expr_node *
expr_parse(const char *text, size_t len, int line0, int col0,
    struct expr_node **all, struct sbuf *why)
{
	struct parser ps;
	struct expr_node *root = NULL;

	memset(&ps, 0, sizeof(ps));
	ps.s = ps.p = text;
	ps.end = text + len;
	ps.line = line0;
	ps.col = col0;
	ps.why = why;
	if (len > MAXTEXT) {
		fail(&ps, line0, col0, "expression longer than %d bytes",
		    MAXTEXT);
		*all = NULL;
		return NULL;
	}
	lex(&ps);
	if (!ps.failed && ps.tok.t == T_EOF)
		fail(&ps, ps.tok.line, ps.tok.col, "empty expression");
	if (!ps.failed)
		root = parse_or(&ps);
	if (!ps.failed && ps.tok.t != T_EOF)
		unexpected(&ps);
	free(ps.tok.str);
	*all = ps.all;
	return ps.failed ? NULL : root;
}

void
expr_tree_free(struct expr_node *all)
{
	struct expr_node *n;

	while ((n = all) != NULL) {
		all = n->next;
		free(n->s);
		free(n->kid);
		free(n);
	}
}
