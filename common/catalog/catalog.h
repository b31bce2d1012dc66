/*
 * catalog.h - the data catalog kept by cdp-ingest: per source and
 * field, the observed types, fill rate, distinct estimate, top values,
 * min/max, validity and first/last seen (cdp-catalog(5)).
 *
 * A struct cat accumulates the records of one batch of one source in
 * memory; cat_flush merges it into the catalog tables inside the
 * batch's transaction, so the catalog always describes exactly the
 * committed records, and is kept up to date without ever rescanning
 * them (the distinct estimate and the top values are mergeable sketches
 * stored as BLOBs; see sketch.h).
 *
 * Fields are the canonical fields (by name) and every path of the raw
 * record: "customer.email" for a nested member, "items[].sku" for the
 * members of an array's elements (stored as attr.customer.email and
 * attr.items[].sku).  At most CAT_MAX_FIELDS raw paths are tracked per
 * source; values of further paths are counted as untracked.
 *
 * Threads: a cat is used by one thread at a time.  cdp-ingest keeps one
 * per batch buffer: the reader adds to the batch it fills, the writer
 * flushes the batch it stores.
 *
 *	reader:	p->given = cat_add(b->cat, rec, rin_map(r));
 *	writer:	(BEGIN) ... store the records ...
 *		cat_flush(b->cat, db, source_id, run_id, now, &why);
 *		(COMMIT) cat_reset(b->cat);
 */
#ifndef CDP_CATALOG_H
#define CDP_CATALOG_H

#include <stddef.h>
#include <stdint.h>

#include <sqlite3.h>

#include "core/util.h"
#include "io/record_reader.h"
#include "normalise/field_map.h"

#define CAT_MAX_FIELDS	2000	/* raw paths tracked per source */
#define CAT_RARE	3	/* cat_forget: a count that may identify */

struct cat;

struct cat *cat_new(void);
void	cat_free(struct cat *);

/* Forget everything added (after a flush, or a rolled back batch). */
void	cat_reset(struct cat *);

/*
 * Add one record as read and normalised by rin (reader thread).  map is
 * the map in force for its file (rin_map): it tells which raw field
 * feeds each canonical field, to count the records that gave a
 * canonical field a value, valid or not.  Returns that set as a bit
 * mask (bit c for canonical field c), for cat_add_stored.
 */
uint32_t cat_add(struct cat *, const struct rin_rec *, const struct map *);

/*
 * Add one record from what a batch keeps of it: raw[0..rawlen), the
 * normalised canonical values val[c][0..len[c]) (val[c] NULL when the
 * record has none) and the mask cat_add returned for it.  For the
 * writer, which rebuilds a batch's catalog from the records that were
 * really inserted or updated when some turned out unchanged (see
 * cat_drop_records): a record read again unchanged is not counted twice.
 */
void	cat_add_stored(struct cat *, const char *raw, size_t rawlen,
	    const char *const val[C_NCANON], const uint32_t len[C_NCANON],
	    uint32_t given);

/* Forget the records added, keeping the file notes (see above). */
void	cat_drop_records(struct cat *);

/*
 * Note a file read completely: written to run_file by the flush that
 * follows, so provenance commits with the file's last records.
 */
void	cat_file(struct cat *, const char *file, const char *format,
	    long long bytes, long long records, long long rejected);

/* Whether the cat holds anything for cat_flush to write. */
int	cat_pending(const struct cat *);

/*
 * Merge what was added into the catalog tables (catalog, catalog_run,
 * catalog_source, run_file) for source_id and run; now is the batch's
 * time stamp.  Must run inside the caller's transaction.  0, or -1 with
 * the message in why (the caller rolls back).  Does not reset the cat.
 */
int	cat_flush(struct cat *, sqlite3 *, long long source_id, long long run,
	    const char *now, struct sbuf *why);

/*
 * Forget one record being erased (cdp-privacy), given as for
 * cat_add_stored: each of its values (raw paths and canonical fields)
 * is taken out of its field's top values (in a field that is not
 * personal, only when counted at most CAT_RARE times: a rare value may
 * point at the person, a city shared by many does not), and a min or
 * max equal to it is cleared, so no byte of the person stays.  The
 * counts, types and distinct estimates are kept: they hold no value
 * (the distinct sketch holds only hash ranks).  Runs inside the
 * caller's transaction.  0, or -1 with the message in why.
 */
int	cat_forget(sqlite3 *, long long source_id, const char *raw,
	    size_t rawlen, const char *const val[C_NCANON],
	    const uint32_t len[C_NCANON], struct sbuf *why);

/*
 * cat_forget for every record whose id idsql selects (SQL text of the
 * caller's own, such as "SELECT id FROM s_rec"; never user input), and
 * for each earlier version of it kept in record_history (raw values
 * only: their normalised values were not kept).  Call it before the
 * records are deleted.  0, or -1 with the message in why.
 */
int	cat_forget_records(sqlite3 *, const char *idsql, struct sbuf *why);

/* Drift: what changed in the last catalogued run of a source. */
enum { CAT_DRIFT_NEW, CAT_DRIFT_MISSING, CAT_DRIFT_TYPE };

struct cat_drift {
	char	*source;	/* source name */
	long long run;		/* the last run that stored records */
	long long prev;		/* the run before it, or 0 */
	char	*field;		/* canonical name or attr.<path> */
	int	 change;	/* CAT_DRIFT_* */
	char	*was;		/* type before (TYPE, MISSING), or NULL */
	char	*now;		/* type in the last run (TYPE, NEW), or NULL */
	long long present;	/* records with a value in the last run */
	long long records;	/* records of the last run */
};

/*
 * The drift of every source (or of the one named source, when not
 * NULL): fields first seen in its last run (new), fields seen in the
 * run before but not in the last (missing), and fields whose dominant
 * type in the last run differs from their dominant type over all
 * earlier runs (type).  *out is an array of *n entries, sorted by
 * source, change and field; free it with cat_drift_free.  0, or -1
 * with the message in why.
 */
int	cat_drift_find(sqlite3 *, const char *source, struct cat_drift **out,
	    size_t *n, struct sbuf *why);
void	cat_drift_free(struct cat_drift *, size_t n);

/*
 * Whether values of field (a canonical name or attr.<path>) with the
 * dominant type type are to be masked for display: all but those known
 * to be harmless.  Harmless: gender, postal code, city, country, event
 * type, ts, amount, currency and consents among the canonical fields;
 * raw paths of booleans or decimal numbers, or whose last component
 * names a harmless thing (amount, status, sku, ...; see
 * catalog_query.c) or a harmless canonical field.  Emails and phones
 * are always masked.
 */
int	cat_personal(const char *field, int type);

/*
 * Whether a field of source (a canonical name or attr.<path>) holds
 * yes/no values, shown in clear whatever its name: its top values (JSON
 * [[value, count], ...] as in the catalog) hold all of its values (their
 * counts add up to present, the values counted), at most 4 distinct, and
 * each is a yes/no word of norm_bool (yes/no, oui/non, 1/0, true/false,
 * opt-in/opt-out, ...); or the source's map maps the raw path to a
 * consent (consent_email=OPTIN_EMAIL).  Never when the dominant type is
 * an email or a phone.
 */
int	cat_flag_field(sqlite3 *, const char *source, const char *field,
	    int type, const char *top, long long present);

#endif
