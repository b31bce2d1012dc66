/*
 * bulk_load.h - the first load into an empty store, with its indexes built
 * afterwards.
 *
 * Inserting into an indexed table costs a B-tree descent per row and
 * index; building the index after the rows are in costs one sort.  For
 * a first load (the history of a source, millions of events) the second
 * is several times faster, so cdp-ingest loads an empty record table
 * "in bulk": the unique index record_key is dropped and rows are
 * appended; the identifiers go to a temporary table, appended too; at
 * the end (bulk_finish) record_key is built, and the identifiers are
 * sorted into ident, in one transaction.
 *
 * ident holds nothing but the identifier columns of each record, so it
 * can always be derived again from record.  The missing record_key
 * index is the mark of a bulk load, and every writer's db_open repairs
 * it (bulk_repair): a killed load leaves committed batches without
 * their index and idents (the temporary table died with it), and the
 * next tool to open the database builds both from the records before
 * doing anything else.  A repair while a load still runs (another
 * writer's db_open) builds the index and the idents of the records
 * committed so far; the load then sees the index in its next batch's
 * transaction (bulk_adopt) and moves the idents it staged into ident in
 * that transaction, before it writes anything more, and goes on as a
 * normal load: from then on a kill leaves nothing staged, and the
 * repair's index never stands beside records without their idents.
 *
 * Within the load, (source, record id) stays unique without the index
 * through an idset of the rows it inserted: a multimap from the hash of
 * the record id to rowids, each hit checked against the stored id.
 */
#ifndef CDP_BULK_LOAD_H
#define CDP_BULK_LOAD_H

#include <stddef.h>
#include <stdint.h>

#include <sqlite3.h>

#include "core/util.h"

/*
 * Decide, in one transaction, how cdp-ingest run number run loads.  When
 * want is set, the record and ident tables are empty, record_key is
 * there and no other cdp-ingest run is running: drop record_key, and
 * create the temporary table temp.bulk_ident(kind, value, record) for
 * the caller to stage identifiers in; 1.  Otherwise load normally, 0,
 * and when record_key is missing (another load in bulk began after
 * this one's db_open), build it first, as db_open would have: this
 * run's statements need it.  -1 with the message in why.
 *
 * The runs are what keeps two loads started together apart: each
 * writes its run (run_begin) before it decides, so of two loads into an
 * empty store the later to decide sees the other and loads normally,
 * and a load that does not bulk load is never left without the index.
 */
int	bulk_begin(sqlite3 *, int want, long long run, struct sbuf *why);

/*
 * Build record_key (when missing) and move the staged identifiers into
 * ident, in one transaction; without a stage (a repair), derive ident
 * from every record.  updated: records were updated during the load,
 * so their earlier identifiers are staged too and must be filtered out.
 * Sorts spill to temporary files, not memory.  0, or -1 with why.
 */
int	bulk_finish(sqlite3 *, int updated, struct sbuf *why);

/*
 * In the caller's transaction, at the start of each batch of a bulk
 * load: when record_key exists again (another writer repaired the load
 * since bulk_begin), move the staged identifiers into ident (updated:
 * as bulk_finish) and drop the stage, 1: the caller loads normally from
 * now on.  0 when the load goes on in bulk, -1 with why.  The caller
 * finalizes its statements on the stage first.
 */
int	bulk_adopt(sqlite3 *, int updated, struct sbuf *why);

/*
 * After a killed bulk load: bulk_finish when record_key is missing.  0
 * (nothing to do, or repaired), or -1 with the message in why.
 */
int	bulk_repair(sqlite3 *, struct sbuf *why);

/*
 * Whether a bulk load is unfinished (record_key missing): still running,
 * or killed and not yet completed by a writer's db_open.  Its records
 * are stored without their identifiers until then.  1 with the number
 * of records in *records, 0, or -1 with why.  Reads only: for the
 * tools that open the store read-only (cdp-status shows it).
 */
int	bulk_unfinished(sqlite3 *, long long *records, struct sbuf *why);

/*
 * The phases of a bulk load, for the kill trials (tests/15-bulk-kill):
 * "stage" (the batches, from bulk_begin to bulk_finish), "index"
 * (building record_key), "idents" (the stage, or the records, sorted
 * into ident), "loaded" (just after that transaction committed),
 * "adopt" (a running load taking another writer's repair) and "repair"
 * (a writer's db_open completing a killed load).  bulk_phase(db, name)
 * enters phase name, bulk_phase(db, NULL) leaves the current one.
 * Under CDP_TEST_KILL=PHASE the process kills itself with SIGKILL when
 * it enters PHASE; with CDP_TEST_KILL=PHASE:N after N thousand SQLite
 * virtual machine steps into it, or as it leaves it when it ends
 * sooner: a kill at a chosen, repeatable moment, never a clean exit.
 * Without the variable both do nothing.
 */
void	bulk_phase(sqlite3 *, const char *name);

/*
 * The rows a bulk load inserted, by hash of record id: 8 bytes a slot,
 * the high half 32 bits of the id's hash (never 0; 0 is an empty slot),
 * the low half the rowid (a bulk load starts from an empty table and
 * stops at IDSET_MAX rows, so rowids fit).  The table grows with the
 * rows, at most three quarters full, up to the most rows the load may
 * hold, so that memory is bounded whatever the input: the load ends
 * (bulk_finish, then rows are loaded through the index) when the set
 * is full.
 */
#define IDSET_MAX	0x7fffffffLL

struct idset {
	uint64_t *slot;
	size_t	 n, nslot;	/* nslot: 0 or a power of two */
	size_t	 max;		/* rows it takes before it is full */
};

/* Room for max rows (0: none, for a set never used); no memory yet. */
void	idset_init(struct idset *, size_t max);
void	idset_release(struct idset *);
int	idset_full(const struct idset *);
uint32_t idset_hash(const char *id, size_t len);	/* never 0 */
void	idset_add(struct idset *, uint32_t h, int64_t row);	/* row <= IDSET_MAX */

/*
 * The rowids stored under hash h: start with *i = 0 and call until it
 * returns 0; each call 1 sets *row to the next one.
 */
int	idset_next(const struct idset *, uint32_t h, size_t *i, int64_t *row);

/* Start fetching the first slot of hash h into the CPU caches. */
void	idset_prefetch(const struct idset *, uint32_t h);

/* Bytes held by the table. */
size_t	idset_bytes(const struct idset *);

#endif
