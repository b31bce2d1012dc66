/*
 * profile.h - the profile store: memberships, links, never-links, the
 * merge log and golden records, as cdp-merge (and later the privacy
 * tools, which must rebuild profiles after an erasure) change them.
 *
 * The invariant every function keeps: a profile's records are exactly
 * one connected component of the link table (a singleton has no link),
 * no link joins the two records of a never-link pair, and a record has
 * at most one member row.  A record is "unresolved" while it has no
 * member row or record.run > member.run; every function that (re)assigns
 * a record sets member.run to the current run.
 *
 * All writers expect to run inside the caller's transaction and use
 * statements prepared once in prof_open.  Functions return 0, or -1
 * with sqlite's message in ps->why.
 */
#ifndef CDP_PROFILE_H
#define CDP_PROFILE_H

#include <sqlite3.h>
#include <stdint.h>
#include <stdio.h>

#include "core/util.h"
#include "merge/golden_record.h"

struct prof_store {
	sqlite3	*db;
	long long run;		/* the current run id */
	char	 now[32];	/* ts of merge_log rows */
	struct golden *golden;	/* survivorship rules */
	sqlite3_stmt *del_profile, *ins_member, *upd_member;
	sqlite3_stmt *ins_log, *sel_log, *ins_link, *del_link, *ins_never;
	sqlite3_stmt *upd_golden, *sel_one;
	long long last_id;	/* the largest profile id ever given */
	long long saved_id;	/* last_id as stored in the state table */
	struct sbuf why;
};

int	prof_open(struct prof_store *, sqlite3 *, long long run,
	    struct golden *);
void	prof_close(struct prof_store *);

/*
 * A new profile id (never -1 today).  Its row is written by prof_golden,
 * which every writer runs on each profile it changed, new ones
 * included.  Ids are never given twice, even after a merge deleted the
 * profile of the largest id: the largest id given is kept in the state
 * table (key "cdp-merge.last_profile") by prof_finish, which every
 * writer calls before its commit.
 */
long long prof_new(struct prof_store *);
int	prof_finish(struct prof_store *);
int	prof_delete(struct prof_store *, long long profile);

/* Make record a member of profile (insert: no member row yet). */
int	prof_member(struct prof_store *, long long record, long long profile,
	    int insert);

/* Append a merge_log row; the JSON evidence (ev, evlen) may be NULL. */
int	prof_log(struct prof_store *, const char *action, long long profile,
	    long long other, long long record, const char *reason,
	    const char *ev, size_t evlen);
/* Whether merge_log holds a row with these values (0 matches NULL): 1, 0, -1. */
int	prof_logged(struct prof_store *, const char *action,
	    long long profile, long long other, long long record);

/* Store link a < b, replacing a different one on the same records. */
int	prof_link(struct prof_store *, long long a, long long b,
	    const char *rule, const double *weight, double prob,
	    const char *ev, size_t evlen);

/* Add the never-link pair {a, b}; 1 when new, 0 when known, -1. */
int	prof_never(struct prof_store *, long long a, long long b);

/*
 * Write the profiles ids[0..n) (sorted, distinct): golden record,
 * counts, first/last seen, updated in this run; a new id is inserted
 * (created in this run), a profile left without members is deleted.
 */
int	prof_golden(struct prof_store *, const long long *ids, size_t n);

/*
 * Re-cluster profile p from its links under its never-links: links
 * that would join a never-link pair are dropped, weakest first, and
 * each part left becomes a profile.  The largest part keeps p (on a
 * tie, the part holding the oldest record), except the part of record
 * rec (0: none), which always gets a new id: that is `split`.  Each new
 * profile is logged as "split" with reason and, for rec's part, the
 * dropped links as evidence.  *nnew counts the new profiles.
 */
int	prof_recluster(struct prof_store *, long long p, long long rec,
	    const char *reason, int *nnew);

/*
 * split: take record rec out of its profile p into a new profile of its
 * own, never-linked to every other record of p, its links dropped; the
 * others stay together in p: where rec held them together, a bridge
 * link (rule "bridge:N", N rec's record number, the weaker probability of the
 * two links through rec) joins each part to the rest.  Logged as
 * "split" with the dropped links, the never-links added and the
 * bridges as evidence ({"links":[...],"never":[...],"bridges":[...]}),
 * which prof_unsplit reads back.  *np is the new profile (0 when rec
 * was alone), *nbridge the bridges added.
 */
int	prof_split(struct prof_store *, long long p, long long rec,
	    const char *reason, long long *np, int *nbridge);

/*
 * unsplit: undo the last split of rec not undone yet: its never-links
 * and bridges removed, its links restored, the profiles they join merged
 * (the oldest id survives) and re-clustered under the never-links left.
 * 1 and the profile rec is in, 0 when there is no split to undo, -1.
 */
int	prof_unsplit(struct prof_store *, long long rec, const char *reason,
	    long long *profile);
/*
 * The last split of rec that unsplit can undo: 1 with its merge_log id
 * and evidence (caller frees), 0 when there is none, -1 (why set).
 */
int	prof_last_split(sqlite3 *, long long rec, long long *logid, char **ev,
	    struct sbuf *why);

/* The records, links and never-links of one profile. */
struct prof_grec {
	long long rowid;
	long long run;		/* member.run */
	const char *source, *record_id;
};

struct prof_glink {
	uint32_t a, b;		/* indices into rec, a's rowid < b's */
	double	 prob, weight;
	int	 has_weight;
	long long run;
	const char *rule;
	const char *evidence;	/* JSON text, or NULL */
	int	 drop;		/* scratch for the callers */
};

struct prof_graph {
	struct prof_grec *rec;	/* sorted by rowid */
	size_t	 n;
	struct prof_glink *lk;	/* links with both ends in the profile */
	size_t	 nlk;
	uint32_t (*never)[2];	/* never-link pairs inside the profile */
	size_t	 nnever;
	struct sbuf arena;	/* the strings */
};

/* Load profile p; 0 (an unknown profile has no records), or -1. */
int	prof_graph_load(sqlite3 *, long long p, struct prof_graph *,
	    struct sbuf *why);
void	prof_graph_release(struct prof_graph *);
/* The index of rowid in g->rec, or -1. */
long	prof_graph_find(const struct prof_graph *, long long rowid);
/* Sort g->lk strongest first: prob, weight, then rowids (ascending). */
void	prof_graph_sort(struct prof_graph *);

/* A record named "SOURCE:RECORD_ID": 1 and *rowid, 0 unknown, -1. */
int	prof_lookup(sqlite3 *, const char *key, long long *rowid,
	    struct sbuf *why);
/* The profile of a record: 1 and *profile, 0 when it has none, -1. */
int	prof_of(sqlite3 *, long long record, long long *profile);

/*
 * Print why profile p holds together: its records, the links of a
 * maximum spanning tree walked from record start (0: its oldest
 * record) with their rules, probabilities and evidence, and its
 * merge_log history.  See cdp-merge(1) for the format.
 */
int	prof_explain(sqlite3 *, long long p, long long start, FILE *,
	    struct sbuf *why);

#endif
