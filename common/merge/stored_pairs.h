/*
 * stored_pairs.h - the pairs cdp-merge keeps between runs, so that a
 * component of the identity graph can be clustered again from all its
 * pairs whatever order they arrived in.
 *
 * Every pair at or above the threshold that a run read is stored: the
 * accepted ones in the link table, the others (refused by a guard, or
 * left out when their component was clustered again) in held_link,
 * cdp-schema(5).  When new pairs touch a profile, mg_apply
 * (merge_apply.c) loads the stored pairs among the records of the
 * component (sp_load), clusters the lot from scratch in one
 * deterministic order (clustering.h), and writes each pair back to the
 * table its fate says (sp_write).  A pair of the input replaces a
 * stored one on the same records.
 */
#ifndef CDP_STORED_PAIRS_H
#define CDP_STORED_PAIRS_H

#include <stdint.h>

#include "core/util.h"
#include "merge/clustering.h"
#include "merge/profile.h"

/* The records of held pairs, (a, b) with a < b; 0 or -1 (why set). */
int	sp_held_edges(sqlite3 *, uint32_t (**edges)[2], size_t *n,
	    struct sbuf *why);

/*
 * Append to m the stored pairs whose two records are needed (need[x]
 * non-zero, x < n), from a scan of both tables when scan is set, else
 * by a lookup per needed record; with rebuild, only the links a person
 * made (split's bridges, rule "bridge:N"): the input holds every other
 * pair.  Then a stored pair on the same records as a pair of the input
 * is left out (MG_GONE), the input's pair noting where it was
 * (mg_link.stored).  0, or -1 (why set).
 */
int	sp_load(struct mg *m, sqlite3 *, const uint8_t *need, uint8_t bit,
	    uint32_t n, int scan, int rebuild, struct sbuf *why);

/*
 * After mg_cluster: each pair of m to the table of its fate, the
 * strongest of several on the same records: accepted (MG_TREE, MG_IN)
 * to link, refused to held_link, removed from the other table.  With
 * rebuild, every pair but split's bridges is removed first.  0, or -1
 * (ps->why set).
 */
int	sp_write(struct mg *m, struct prof_store *ps, int rebuild);

#endif
