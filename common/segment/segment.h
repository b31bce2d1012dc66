/*
 * segment.h - the dynamic segments of cdp-segment as stored: reading
 * their definitions, finding the members of many at once, and writing
 * who entered and who left (segment.c).
 *
 * Membership is kept as a difference: an evaluation compares each
 * segment's new members with the stored ones (both in profile order, so
 * a merge) and writes only the change, to segment_member and to
 * segment_change, where exports and campaigns read the delta.
 *
 * Functions return 0 (or a pointer), or -1 (NULL) with the message in
 * why; the writers expect to run inside the caller's transaction.
 */
#ifndef CDP_SEGMENT_H
#define CDP_SEGMENT_H

#include <stddef.h>
#include <sqlite3.h>

#include "core/util.h"
#include "expr/expr.h"

struct seg {
	long long id;
	char	*name;
	char	*def;
	long long size;
	struct expr_prog prog;
	size_t	 entered, exited;	/* by the evaluation */
};

/* Profile ids, growable. */
struct seg_ids {
	long long *v;
	size_t	 n, cap;
};

/*
 * The segments named (n of them), or all when n is 0, sorted by name,
 * into *out and *count, their programs initialised but not compiled; an
 * unknown name is an error, with env's segments as "did you mean".
 */
int	seg_load(sqlite3 *, const struct expr_env *, char **names, int n,
	    struct seg **out, size_t *count, struct sbuf *why);
void	seg_free(struct seg *, size_t n);

/*
 * The members of the count compiled segments s, in one statement: an
 * array of count ids each ascending, which the caller frees (each v,
 * then the array); NULL with the message in why.
 */
struct seg_ids *seg_members_now(struct expr_env *, struct seg *s,
	    size_t count, struct sbuf *why);

/* The writes of an evaluation, prepared once. */
struct seg_writes {
	sqlite3	*db;
	struct expr_env *env;	/* to store what a segment compiles to */
	long long run;		/* the evaluation's run id */
	const char *asof;	/* its as-of date, "YYYY-MM-DD" */
	int	 only;		/* of the profiles of temp.cdp_only only */
	sqlite3_stmt *ins_m, *del_m, *enter_c, *exit_c, *upd;
};

/*
 * Under env->only (expr_env_only), the evaluation is of the profiles
 * of temp.cdp_only alone: seg_apply compares the new members with the
 * stored ones among those profiles, leaves the others as they are, and
 * moves the segment's size by the difference, its last evaluation and
 * compiled form staying those of the last whole evaluation.
 */
int	seg_writes_prepare(struct seg_writes *, sqlite3 *, struct expr_env *,
	    long long run, const char *asof, struct sbuf *why);
void	seg_writes_finalize(struct seg_writes *);

/*
 * Make now_in (ascending) the members of s: write who entered and who
 * left, and the segment's size and compiled form; s->size, s->entered
 * and s->exited say what changed.
 */
int	seg_apply(struct seg_writes *, struct seg *s,
	    const struct seg_ids *now_in, struct sbuf *why);

#endif
