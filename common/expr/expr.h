/*
 * expr.h - the expression language of cdp-score spec files and
 * cdp-segment definitions (cdp-expr(7)), compiled to parameterised SQL.
 *
 * An expression is read by a lexer and a recursive-descent parser
 * (expr_parse.c) into a tree, then type-checked and compiled
 * (expr_compile.c) into an SQL fragment over "profile p" in which every
 * value that came from the user's text is a bound parameter: names
 * become SQL only through fixed tables of fields and functions, so no
 * text of the user's is ever pasted into SQL.  Errors carry the line and
 * column of the offending token and, for a misspelt name, the closest
 * known one ("1:17: unknown field "cty" (did you mean "city"?)").
 *
 * Event aggregates (count(purchase, 90d), sum(amount, ...), ...) are not
 * evaluated per profile by correlated subqueries, which would probe the
 * record table at random once per event: every aggregate of every
 * expression compiled in one environment becomes a column of one temp
 * table filled by a single grouped scan of record joined to member
 * (most_frequent, profile attributes and consents get a table each),
 * and the statement joins its profile's row by primary key.  Scores are
 * read the same way: the scores a statement uses become the columns of
 * one temp table, built when it is prepared by merging each score's
 * rows in profile order (an index probe per profile and score was most
 * of an evaluation).  expr_materialize builds the aggregate tables once
 * all expressions are compiled; then expr_prepare gives each expression
 * its statement.
 *
 * The generated statements are prepared under an SQLite authorizer that
 * allows reading cdp's own tables and the functions the compiler uses,
 * inserting into the environment's temp tables, and nothing else (no
 * ATTACH, PRAGMA, writes, or other functions): a defect in the compiler
 * cannot turn into a write or a read outside the store.
 */
#ifndef CDP_EXPR_H
#define CDP_EXPR_H

#include <stddef.h>
#include <sqlite3.h>

#include "core/util.h"

/* Types of expression values (ST_NUM, ST_TEXT, ST_DATE match score/score.h). */
enum expr_type {
	ET_NUM, ET_TEXT, ET_DATE,	/* the score types */
	ET_BOOL,			/* a condition */
	ET_ANY,				/* attr.*, null: decided by the data */
	ET_DUR				/* 90d: only in date arithmetic, windows */
};

/* A value bound to a placeholder. */
struct expr_val {
	int	 kind;		/* SV_INT, SV_REAL or SV_TEXT of score/score.h */
	long long i;
	double	 d;
	char	*s;		/* owned */
};

/* A compiled expression. */
struct expr_prog {
	struct sbuf sql;	/* the value, over "profile p" */
	struct expr_val *par;	/* bound in order to its '?' */
	size_t	 npar, cappar;
	int	 type;		/* enum expr_type */
	size_t	*uses;		/* the environment's aggregates it reads */
	size_t	 nuses;
	size_t	*sjs;		/* the environment's score joins it reads */
	size_t	 nsjs;
};

struct expr_agg;
struct expr_node;

/* Names the expressions may use, and the aggregates they asked for. */
struct expr_env {
	sqlite3	*db;
	char	 asof[11];	/* "now": the as-of date */
	char	 next[11];	/* the day after: events before it count */
	long	 asof_day;
	char	**score;	/* score names (built-ins first), and types */
	int	*stype;
	size_t	 nscore, capscore;
	char	**seg;		/* segment names and their definitions */
	char	**segdef;
	size_t	 nseg, capseg;
	struct expr_agg *agg;	/* aggregates to materialize */
	size_t	 nagg, capagg;
	unsigned char *used;	/* per aggregate: used by this compilation */
	char	**sj;		/* scores read: columns v1, v2, ... of cdp_sc */
	size_t	 nsj, capsj;
	unsigned char *sjused;	/* per score join: used by this compilation */
	int	 ncol;		/* columns of temp.cdp_agg */
	int	 ntab;		/* other temp tables */
	int	 done;		/* materialized up to nagg */
	const char *stack[32];	/* segments being inlined */
	int	 depth;
	const char *self;	/* the segment being defined, or NULL */
	char	**refs;		/* scores the last compilation reads */
	size_t	 nrefs, caprefs;
	int	 guard;		/* authorizer mode, see expr_guard */
	struct expr_pv *pv;	/* scores being read, see expr_pivot_start */
	int	 sql_group;	/* group the event aggregates in SQL, not in
				   C (expr_acc): for the tests */
	int	 only;		/* set before compiling: every aggregate,
				   score read and statement is restricted
				   to the profiles of temp.cdp_only */
};

/*
 * The as-of date of --as-of arg, or of today (UTC) when arg is NULL,
 * the day every expression is evaluated at: into asof ("YYYY-MM-DD",
 * 11 bytes) and *day (days since 1970-01-01).  0, or -1 with why
 * ("--as-of "X": expected a date YYYY-MM-DD") for a usage error.
 */
int	expr_as_of(const char *arg, char *asof, long *day, struct sbuf *why);

/*
 * Start an environment for db at the as-of date asof ("YYYY-MM-DD");
 * the built-in scores are known from the start.  0, or -1 on a bad date.
 */
int	expr_env_init(struct expr_env *, sqlite3 *, const char *asof,
	    struct sbuf *why);
void	expr_env_release(struct expr_env *);

/*
 * Start reading the scores that p[0..n) read, on a read-only connection
 * of a thread of its own, for the next expr_prepare_many of the same
 * programs: the reading then runs on another core while the caller
 * does something else on its connection (expr_materialize).  1 if
 * started, 0 if not needed or not possible (the statement then reads
 * them itself).  expr_pivot_cancel (and expr_env_release) waits for it
 * and forgets it.
 */
int	expr_pivot_start(struct expr_env *, const struct expr_prog *const *p,
	    size_t n);
void	expr_pivot_cancel(struct expr_env *);

/*
 * Restrict the environment to some profiles (cdp-stream's touched
 * ones): a new, empty temp.cdp_only(profile INTEGER PRIMARY KEY), which
 * the caller fills before expr_materialize, and env->only set; call it
 * before anything is compiled.  The statements then give the rows they
 * give without it for those profiles only, at a cost that follows
 * their events, not the store's.  0, or -1 with the message in why.
 */
int	expr_env_only(struct expr_env *, struct sbuf *why);

/*
 * Learn the scores of earlier runs (score_def) and the segments
 * (segment).  Tables that do not exist yet are not an error.
 */
int	expr_env_load(struct expr_env *, struct sbuf *why);

/* Add or replace a score name of type enum expr_type; or forget one. */
void	expr_env_add_score(struct expr_env *, const char *name, int type);
void	expr_env_forget_score(struct expr_env *, const char *name);

/* Add or replace a segment definition (for in_segment); or forget one. */
void	expr_env_set_segment(struct expr_env *, const char *name,
	    const char *def);
void	expr_env_forget_segment(struct expr_env *, const char *name);

void	expr_prog_init(struct expr_prog *);
void	expr_prog_release(struct expr_prog *);

/*
 * Compile text[0..len) into prog (reset first).  line and col say where
 * the text starts in its file, for messages: a message is
 * "LINE:COL: what" with the position of the offending token.  Aggregates
 * are registered in the environment.  0, or -1 with the message in why.
 */
int	expr_compile(struct expr_env *, const char *text, size_t len,
	    int line, int col, struct expr_prog *, struct sbuf *why);

/*
 * The type a score computed by prog gets (ET_NUM, ET_TEXT, ET_DATE;
 * conditions and attributes count as numbers and text), or -1 for a
 * duration.
 */
int	expr_prog_score_type(const struct expr_prog *);

/* Build the temp tables of the aggregates compiled so far.  0 or -1. */
int	expr_materialize(struct expr_env *, struct sbuf *why);

/*
 * The statement of a compiled expression, parameters bound, prepared
 * under the authorizer:
 *	EXPR_VALUES	SELECT p.id, <value> ... ORDER BY p.id
 *	EXPR_FILTER	SELECT p.id ... WHERE <condition> ORDER BY p.id
 * NULL with the message in why.  The caller finalizes it.
 */
enum { EXPR_VALUES, EXPR_FILTER };
sqlite3_stmt *expr_prepare(struct expr_env *, const struct expr_prog *,
	    int mode, struct sbuf *why);

/*
 * One statement for several compiled expressions: the profiles are read
 * once, and each score or aggregate used by several expressions is
 * looked up once per profile.  mode is
 *	EXPR_VALUES	each expression a column after p.id (conditions as
 *			1 or 0)
 *	EXPR_MASK	conditions only, as bits after p.id: column 1 + k / 62
 *			has bit k % 62 set when condition k holds (is a
 *			non-zero number), so that a row is one or two
 *			integers however many conditions
 * NULL with the message in why.
 */
enum { EXPR_MASK = EXPR_FILTER + 1 };
#define EXPR_MASK_BITS	62
sqlite3_stmt *expr_prepare_many(struct expr_env *,
	    const struct expr_prog *const *, size_t n, int mode,
	    struct sbuf *why);

/*
 * What a compiled expression runs, for showing (cdp-segment stores it):
 * into sql the statements that fill the temp tables it reads, then the
 * statement of expr_prepare, separated by ";\n"; into params a JSON
 * array holding, per statement, the array of its parameters.
 */
void	expr_explain(const struct expr_env *, const struct expr_prog *,
	    int mode, struct sbuf *sql, struct sbuf *params);

/*
 * The authorizer: EXPR_GUARD_OFF removes it, EXPR_GUARD_READ allows
 * reads of cdp's tables and the compiler's functions, EXPR_GUARD_TEMP
 * also inserts into the temp tables named cdp_*.  Exposed for tests.
 */
enum { EXPR_GUARD_OFF, EXPR_GUARD_READ, EXPR_GUARD_TEMP };
void	expr_guard(struct expr_env *, int mode);

/*
 * The closest of n candidate names to name (Levenshtein distance at most
 * 2 and less than the name's length; the first on ties), or NULL: the
 * "did you mean" of every message about an unknown name.
 */
const char *expr_closest(const char *name, const char *const *cand,
	    size_t n);

/* "YYYY-MM-DD" of day + delta for a date d; 0 or -1 if d is not a date. */
int	expr_date_add(const char *d, long delta, char out[11]);

#endif
