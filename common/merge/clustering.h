/*
 * clustering.h - the clustering engine of cdp-merge: pairs in, clusters out,
 * and in the database the incremental update of the profiles.
 *
 * Pairs are kept in arrays of a few dozen bytes each (their JSON goes
 * to a spool file, read back only for the links that are stored), and
 * records are numbered by rowid (database) or input order (file), so
 * memory follows the number of records and pairs, never a hash per
 * pair.  mg_cluster sorts the pairs strongest first and feeds them to
 * the union-find of union_find.h, whose guards then refuse the weakest link of
 * any chain that would break them.
 *
 * mg_apply runs a whole merge in the database (inside the caller's
 * transaction): the existing profiles are the starting clusters (a
 * merge run never breaks one: that is split and never's job), the
 * unresolved records join them or become profiles, singletons
 * included, the oldest id survives a merge, and links, memberships,
 * merge_log rows and golden records are written.  Run twice on the same
 * input it finds nothing to change and writes nothing.
 */
#ifndef CDP_CLUSTERING_H
#define CDP_CLUSTERING_H

#include <sqlite3.h>
#include <stdint.h>
#include <stdio.h>

#include "core/util.h"
#include "merge/profile.h"
#include "merge/union_find.h"

/* What became of a pair. */
enum {
	MG_NEW,		/* not clustered yet */
	MG_TREE,	/* accepted: it joined two clusters */
	MG_IN,		/* accepted: its records were together already */
	MG_REFUSED,	/* refused by a guard */
	MG_BAD,		/* names a record that does not exist */
	MG_GONE		/* stored, replaced by a pair of the input */
};

/* Where a pair came from. */
enum {
	MG_FROM_INPUT,	/* the pair stream of this run */
	MG_FROM_LINK,	/* the link table */
	MG_FROM_HELD	/* the held_link table */
};

struct mg_link {
	uint32_t a, b;		/* records; a < b in the database */
	double	 prob;
	double	 weight;
	uint64_t spool;		/* offset of its JSON in the spool (file
				   mode: input order) */
	uint32_t len;		/* length of its JSON */
	float	 names;		/* the names of a names-only pair
				   (pair_reader.h), -1: not one */
	uint16_t rule;		/* index into mg.rule */
	uint8_t	 has_weight;
	uint8_t	 state;		/* MG_* */
	uint8_t	 origin;	/* MG_FROM_* */
	uint8_t	 stored;	/* bits 1 << MG_FROM_* of the stored
				   pairs on the same records it replaces */
	uint8_t	 doc_over_date;	/* the birth-date guard stands aside
				   (pair_reader.h) */
};

struct mg_refusal {
	size_t	 link;		/* index into mg.lk */
	struct uf_why why;
};

struct mg {
	struct mg_link *lk;	/* sorted strongest first by mg_cluster */
	size_t	 nlk, caplk;
	char	**rule;		/* distinct rule names */
	size_t	 nrule;
	struct mg_refusal *ref;	/* in the order the links were refused */
	size_t	 nref, capref;
	FILE	*spool;		/* the pairs' JSON; NULL in file mode */
	uint64_t spool_len;
	uint32_t *khash;	/* database: hash of the (source, record id)
				   the input gave for each rowid, 0: none */
	uint32_t nkhash;
	/*
	 * The order of equally strong pairs: by these hashes of the
	 * records' keys (source, record id), by record number (a and b)
	 * when NULL.  Record numbers follow arrival order; keys do not.
	 */
	const uint64_t *rank;
	/*
	 * The names-only guard: a pair whose only agreeing evidence is
	 * names while a location disagrees (mg_link.names >= 0) is
	 * refused unless the name is rare: npop * 2^-names < 1, that is
	 * the model's weight for the names, log2(m/u) with u their term
	 * frequency, says fewer than one of npop records would hold the
	 * name by chance.  npop is the number of records with a name;
	 * 0 turns the guard off.
	 */
	double	 npop;
};

/* Settings and callbacks of mg_apply. */
struct mg_opts {
	uint32_t max_contacts;	/* 0: no limit */
	int	 bd_mode;	/* UF_BD_* */
	int	 name_guard;	/* a nameless record never bridges names */
	int	 names_only;	/* the names-only guard (mg.npop) */
	/*
	 * The input holds every pair (cdp-match -a): the stored pairs
	 * are dropped but split's bridges, and every record is clustered
	 * again from the input's pairs.
	 */
	int	 rebuild;
	/*
	 * The pair stream's watermark (cdp-pairs(5)), when bounded: a
	 * record past it (rowid above watermark, or record.run above
	 * watermark_run) arrived or changed after cdp-match read the store
	 * and stays unresolved.  Not bounded (zeroed): pairs without a
	 * watermark, every record may be resolved.
	 */
	int	 bounded;
	long long watermark;
	long long watermark_run;
	/*
	 * cdp-stream's passes: nothing is unresolved at or below record
	 * since and run since_run, so only the records above them, the
	 * pairs' and their profiles' are read, not every record (0, 0:
	 * every record).
	 */
	long long since;
	long long since_run;
	/* A message for the user: a refused or bad link. */
	void	(*note)(void *arg, const char *msg);
	void	*arg;
};

struct mg_stats {
	long long bad;		/* pairs naming a missing record */
	long long created;	/* profiles created */
	long long merged;	/* profiles merged into an older one */
	long long added;	/* records that joined an existing profile */
	long long refused;	/* refusals reported (one per pair of
				   clusters and reason) */
	long long touched;	/* profiles whose golden record was rebuilt */
	double	 t_load;	/* seconds reading the database */
	double	 t_cluster;	/* seconds clustering */
	double	 t_write;	/* seconds writing members, log, links */
	double	 t_links;	/* of which writing links */
	double	 t_golden;	/* seconds rebuilding golden records */
};

/* 0, or -1 when the spool file cannot be created (errno set). */
int	mg_init(struct mg *, int spool);
void	mg_release(struct mg *);

/* The index of rule name s (interned); -1 past 65535 distinct names. */
int	mg_rule(struct mg *, const char *s);

/* Append a pair and return it for the caller to fill in. */
struct mg_link *mg_add(struct mg *);

/*
 * Spool the JSON of a pair (json[0..len), its evidence array at
 * json[evoff..evoff+evlen)); the offset to keep in mg_link.spool.
 * -1 on a write error.
 */
int	mg_spool_put(struct mg *, const char *json, size_t len, size_t evoff,
	    size_t evlen, uint64_t *off);
/* Read the JSON of l back into out (replaced); -1 on a read error. */
int	mg_spool_get(struct mg *, const struct mg_link *l, struct sbuf *out,
	    size_t *evoff, size_t *evlen);

/* A 32-bit hash of a record key, never 0. */
uint32_t mg_keyhash(const char *source, size_t slen, const char *rid,
	    size_t rlen);

/*
 * Sort the pairs strongest first (prob, weight, then the records' keys
 * when m->rank is set, else a, b) and cluster them into u, the
 * names-only guard first (UF_COMMON), then the guards of union_find.h.  tree, when not NULL, gets for each record the first
 * MG_TREE pair that touched it (UINT32_MAX: none).
 */
void	mg_cluster(struct mg *, struct uf *, uint32_t *tree);

/* The guard's reason for a refusal as text ("conflicting birth
 * dates", never the values: it reaches logs); never-link ends are
 * named by rowid. */
void	mg_why_text(const struct uf_why *, uint32_t max_contacts,
	    struct sbuf *out);

/*
 * Merge the pairs into the profiles of the database.  0, or -1 with
 * the message in ps->why (the caller rolls back).  The run is kept in
 * the state table as MG_STATE_APPLIED: cdp-status shows a failed
 * cdp-match or cdp-merge after it as records left pending.
 */
#define MG_STATE_APPLIED	"cdp-merge.applied"

int	mg_apply(struct mg *, struct prof_store *, const struct mg_opts *,
	    struct mg_stats *);

#endif
