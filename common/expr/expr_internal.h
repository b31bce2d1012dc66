/*
 * expr_internal.h - what the parts of the expression language share and
 * nobody else needs: the tokens, the syntax tree and the aggregate
 * registry.  See expr.h for the public interface.
 */
#ifndef CDP_EXPR_INTERNAL_H
#define CDP_EXPR_INTERNAL_H

#include "expr/expr.h"

enum tok {
	T_EOF, T_NUM, T_DUR, T_STR, T_NAME,
	T_LP, T_RP, T_COMMA,
	T_EQ, T_NE, T_LT, T_LE, T_GT, T_GE,
	T_PLUS, T_MINUS, T_STAR, T_SLASH,
	/* keywords, recognised among undotted names in any case */
	T_AND, T_OR, T_NOT, T_IN, T_LIKE, T_IS, T_NULL, T_TRUE, T_FALSE,
	T_NOW
};

enum node_kind {
	N_NUM, N_STR, N_BOOL, N_NULL, N_NOW, N_DUR,
	N_NAME,		/* a field: city, score.rfm_r, attr.a.b */
	N_CALL,		/* name(args) */
	N_NEG, N_NOT,
	N_BIN,		/* op is the token: arithmetic, comparison, and/or */
	N_IN, N_LIKE, N_ISNULL	/* neg: "not in", "not like", "is not" */
};

struct expr_node {
	int	 kind;
	int	 op;		/* N_BIN: enum tok */
	int	 neg;		/* N_IN, N_LIKE, N_ISNULL: negated */
	int	 line, col;	/* of the token that starts or names it */
	char	*s;		/* N_NAME, N_CALL: the name; N_STR: the value;
				   N_NUM: the digits */
	size_t	 len;
	long	 days;		/* N_DUR; N_BOOL: 0 or 1 */
	struct expr_node **kid;
	size_t	 nkid;
	int	 height;	/* 1 + its tallest kid's: SQL nests as deep */
	struct expr_node *next;	/* every node of a parse, for freeing */
};

/*
 * Parse text into a tree.  The positions of the nodes are in the file's
 * terms: line0 and col0 are those of text[0].  Returns the root, or NULL
 * with "LINE:COL: message" in why.  *all receives the list of every
 * node, to pass to expr_tree_free whatever happened.
 */
struct expr_node *expr_parse(const char *text, size_t len, int line0,
	    int col0, struct expr_node **all, struct sbuf *why);
void	expr_tree_free(struct expr_node *all);

/* Human name of a token kind, for messages ("\")\"", "end of expression"). */
const char *expr_tok_name(int tok);


/* An aggregate to materialize (see expr.h). */
enum { AG_COL, AG_TABLE };
struct expr_agg {
	int	 kind;		/* AG_COL: a column of cdp_agg; AG_TABLE */
	int	 no;		/* column aN, or table cdp_tN */
	const char *fn;		/* AG_COL: "sum(", ...: applied to q */
	struct expr_prog q;	/* AG_COL: the value of an event;
				   AG_TABLE: the SELECT filling the table */
	char	 from[11];	/* AG_COL: first day of its window, or "" */
};

/* The functions of the language, by number. */
enum expr_fn {
	F_LOWER, F_UPPER, F_LENGTH, F_ABS, F_ROUND, F_COALESCE, F_DATE,
	F_COUNT, F_SUM, F_AVG, F_MIN, F_MAX, F_FIRST, F_LAST, F_DISTINCT,
	F_MODE, F_CONSENT, F_INSEG, F_N
};
extern const char *const expr_fnames[F_N];

/* "a number", "text", ... for messages. */
const char *expr_type_name(int type);

/* One compilation: where messages go. */
struct expr_comp {
	struct expr_env *env;
	struct sbuf *why;
	int	 failed;	/* a message is in why; keep the first */
};

/* Compile a node into f (expr_compile.c); 0 or -1 with a message. */
int	expr_compile_node(struct expr_comp *, const struct expr_node *,
	    struct expr_prog *f);

/* The names and aggregates (expr_aggregates.c); 0 or -1. */
int	expr_compile_name(struct expr_comp *, const struct expr_node *,
	    struct expr_prog *);
int	expr_compile_agg(struct expr_comp *, const struct expr_node *,
	    int fn, struct expr_prog *);
int	expr_compile_consent(struct expr_comp *, const struct expr_node *,
	    struct expr_prog *);
int	expr_compile_inseg(struct expr_comp *, const struct expr_node *,
	    struct expr_prog *);

/* "LINE:COL: message" at node n; returns -1. */
int	expr_err(struct expr_comp *, const struct expr_node *n,
	    const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* An unknown name, with the closest candidate if any; returns -1. */
int	expr_unknown(struct expr_comp *, const struct expr_node *n,
	    const char *what, const char *name, const char *const *cand,
	    size_t ncand);

/* Append text, a parameter, or a whole fragment to a program. */
void	expr_add(struct expr_prog *, const char *sql);
void	expr_add_text(struct expr_prog *, const char *s, size_t n);
void	expr_add_int(struct expr_prog *, long long);
void	expr_add_real(struct expr_prog *, double);
void	expr_append(struct expr_prog *dst, struct expr_prog *src);
/* Append a copy of src to dst. */
void	expr_copy(struct expr_prog *dst, const struct expr_prog *src);
/* Wrap f as pre f post. */
void	expr_wrap(struct expr_prog *f, const char *pre, const char *post);

/* Prepare p's SQL under the authorizer in mode guard (EXPR_GUARD_*)
 * and bind its parameters; NULL with the message in why. */
sqlite3_stmt *expr_guarded(struct expr_env *, const struct expr_prog *p,
	    int guard, struct sbuf *why);

/*
 * Append to q the statement giving, for each event the aggregates
 * uses[0..n) (all when uses is NULL) may read, its profile and what it
 * gives each of those aggregates (columns x1, x2, ...), in the order of
 * the environment's aggregates.
 */
void	expr_events(const struct expr_env *, const size_t *uses, size_t n,
	    struct expr_prog *q);

/*
 * Append " FROM record r CROSS JOIN member m ON m.record = r.id", the
 * events of every profile, or under env->only those of the profiles
 * of temp.cdp_only, led by that table.
 */
void	expr_add_events_from(const struct expr_env *, struct expr_prog *q);

/*
 * Fill temp.cdp_agg from one pass over expr_events, each profile's
 * values accumulated in arrays indexed by profile id (expr_accumulate.c): no
 * sort.  0; 1 when it cannot (an aggregate it does not do, profile
 * ids too sparse), and the caller groups in SQL; -1 with the message
 * in why.
 */
int	expr_acc(struct expr_env *, struct sbuf *why);

/* Whether any of p[0..n) reads score join k (expr_run.c). */
int	expr_reads_join(const struct expr_prog *const *p, size_t n, size_t k);

/*
 * p's SQL prepared on another connection db under the authorizer's
 * read mode, its parameters bound; NULL with the message in why.
 */
sqlite3_stmt *expr_prepare_on(sqlite3 *db, const struct expr_prog *p,
	    struct sbuf *why);

/*
 * Write into their temp tables (created empty) the aggregates of their
 * own that expr_pivot_start read, waiting for it, and set filled[i] for
 * each such aggregate i; the others are left to the caller.  0, or -1
 * with the message in why.
 */
int	expr_pivot_tables(struct expr_env *, unsigned char *filled,
	    struct sbuf *why);

/*
 * Fill temp.cdp_sc with the scores p[0..n) read (expr_pivot.c): from
 * what expr_pivot_start read when it was started for them.  0, or -1
 * with the message in why.
 */
int	expr_pivot(struct expr_env *, const struct expr_prog *const *p,
	    size_t n, struct sbuf *why);

#endif
