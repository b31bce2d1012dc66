/*
 * ingest.h - what cdp-ingest's two halves share: the reader
 * (cmd/cdp-ingest.c), which maps, normalises and batches records, and
 * the writer (common/ingest/ingest_writer.c), a thread that stores each batch
 * in one transaction.  The batches, their pending records, and the state of a
 * run are here.
 */
#ifndef CDP_INGEST_H
#define CDP_INGEST_H
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <sqlite3.h>

#include "catalog/catalog.h"
#include "core/util.h"
#include "io/record_reader.h"
#include "normalise/field_map.h"
#include "privacy/suppression.h"
#include "store/bulk_load.h"
#include "store/run_log.h"

#define IDENT_ROWS	64			/* identifiers a statement */
#define REC_ROWS	32			/* records a statement (bulk) */
#define NOVAL		UINT32_MAX		/* length of an absent value */

/* Slots of a pending record's values: id, raw, canonical fields, keys. */
enum { S_ID, S_RAW, S_VAL, S_KEY = S_VAL + C_NCANON, S_NSLOT = S_KEY + 3 };

/* A record waiting in the batch; its bytes are in the arena at off. */
struct pend {
	size_t	 off;		/* arena offset of the first slot */
	uint32_t len[S_NSLOT];	/* slot lengths, NOVAL when absent */
	uint32_t ncons;		/* consents after the slots: "purpose\0" + 0|1 */
	uint32_t seq;		/* arrival order, to keep sorting stable */
	int64_t	 fp;		/* fingerprint of raw and derived values */
	uint32_t given;		/* canonical fields the source gave (cat_add) */
	uint32_t h;		/* idset_hash of the id, for a bulk load */
	int	 stored;	/* inserted or updated by the writer */
};

/* An identifier of a record inserted in this batch. */
struct pident {
	int	 canon;
	const char *v;		/* into the arena */
	uint32_t len;
	long long rec;
};

/* A reject waiting in the batch (strings in the arena). */
struct prej {
	size_t	 file, reason, raw;	/* arena offsets */
	size_t	 rawlen;
	long	 line;
	int	 hasraw;
};

/*
 * A batch: the records and rejects read since the last one.  There are
 * two: the reader fills one while the writer thread stores the other.
 */
struct batch {
	struct sbuf arena;	/* the bytes of every record and reject */
	struct pend *pend;
	size_t	 npend, cappend;
	struct prej *rej;
	size_t	 nrej, caprej;
	double	 t0;		/* when the first item came */
	struct cat *cat;	/* the catalog of its records */
};

struct ingest {
	sqlite3	*db;
	struct run run;
	long long source_id;
	const char *source;
	struct map map;
	struct rin_opts opts;
	FILE	*rejects;	/* -r FILE, or NULL */
	const char *rejects_path;
	int	 lastfmt;	/* format of the last file read */
	_Atomic int failed;	/* a database error: stop, roll back the batch */
	long long lost;		/* records of batches rolled back */
	int	 badinput;	/* an input could not be read: exit 1 at the end */
	long long skipped;	/* records left out by the map's @skip */
	long	 nmsg;		/* diagnostics printed for the current file */
	const char *fname;
	struct rin *rin;	/* the file being read */

	sqlite3_stmt *ins_rec, *sel_rec, *upd_rec, *ins_hist;
	sqlite3_stmt *ins_ident, *del_ident, *ins_consent, *del_consent;
	sqlite3_stmt *sel_consent;	/* a statement a record made already */
	sqlite3_stmt *ins_idents;	/* IDENT_ROWS rows of ins_ident */
	sqlite3_stmt *ins_recs;		/* REC_ROWS rows of ins_rec (bulk) */
	struct pend *grp[REC_ROWS];	/* new records waiting for it */
	int	 ngrp;
	int	 grp_max;	/* rows of ins_recs: REC_ROWS, or 1 without */
	sqlite3_stmt *ins_reject;
	sqlite3_stmt *sel_supp;	/* NULL when nothing was ever erased */
	sqlite3_stmt *sel_row;	/* sel_rec by rowid, for the bulk load */
	uint8_t	 salt[PRIV_SALT_LEN];	/* of the suppression hashes */
	struct priv_list supp;	/* the list, for rejected lines (reader) */
	long long supp_rej;	/* rejected lines of erased people (reader) */

	/* The batches and the writer thread. */
	struct batch bufs[2];
	struct batch *cur;	/* filled by the reader */
	struct batch *full;	/* handed to the writer, or NULL */
	struct batch *wb;	/* the batch the writer is storing */
	pthread_t writer;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	int	 done;		/* no more batches will come */
	struct pident *ids;
	size_t	 nids, capids;
	const char *sv[S_NSLOT];	/* the slots of the record being stored */
	uint32_t sn[S_NSLOT];
	const char *scons;	/* its consents */
	long	 batch_max;	/* rows */
	size_t	 batch_bytes;	/* arena bytes */
	double	 batch_age;	/* seconds */
	long long batch_first;	/* first rowid inserted by this flush */

	/* A bulk load (store/bulk_load.h): record_key and idents built at the end. */
	int	 bulk;
	int	 bulk_updated;	/* it updated records it had inserted */
	long long cache;	/* cache_size to restore after it */
	double	 writer_cpu;	/* CPU seconds of the writer thread */
	int	 timing;	/* CDP_TIMING=1: where the time went, on stderr */
	struct idset seen;	/* the rows it inserted */

	char	 now[32];
	double	 last_progress;
	int	 progress;	/* stderr is a terminal */
	struct sbuf why, tmp;
	struct sbuf fail;	/* the database error that failed the run */
};

/* The writer (ingest_writer.c; its statements in ingest_statements.c). */

/* A database error: reported once, and the run stops (g->failed). */
void	ingest_dberr(struct ingest *, const char *what);
/* Prepare the statements of a run, or of the load after a bulk load;
 * exits on failure. */
void	ingest_prepare(struct ingest *);
/* The suppression lookup, once something was ever erased. */
void	ingest_prepare_suppression(struct ingest *);
void	ingest_finalize(struct ingest *);
/* Slot s of pending record p of batch b, and its length; NULL when
 * the record has no such value. */
const char *ingest_slot(const struct batch *b, const struct pend *p, int s,
	    uint32_t *len);
/* End a bulk load: build its indexes, then go on through them. */
void	ingest_end_bulk(struct ingest *);
/* The writer thread: stores each batch handed to it (g->full). */
void	*ingest_writer(void *g);
/* CPU seconds of the calling thread, for CDP_TIMING. */
double	ingest_thread_cpu(void);

#endif
