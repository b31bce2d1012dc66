/*
 * export.h - cdp-export's state, and its output layer (export_output.c): rows
 * written as CSV (a header, then RFC 4180 rows through csvw) or NDJSON
 * (one object a row, null values left out, through jw), each data row's
 * profile logged as an export_item (export_log.h).
 */
#ifndef CDP_EXPORT_H
#define CDP_EXPORT_H
#include <stdio.h>
#include <sqlite3.h>

#include "core/util.h"
#include "export/export_fields.h"
#include "export/export_keys.h"
#include "export/export_log.h"
#include "io/csv_writer.h"
#include "io/json_writer.h"
#include "io/output_file.h"

enum { FMT_CSV, FMT_NDJSON };

#define SCORE_DECIMALS	6	/* the precision of scores in CSV */

struct export {
	sqlite3	*db;		/* reads: the rows exported */
	sqlite3	*wdb;		/* writes: the run and export logs */
	FILE	*out;
	const char *outname;	/* for diagnostics */
	int	 format;	/* FMT_* */
	struct csvw csv;
	struct jw jw;
	struct sbuf line;	/* the NDJSON line being built */
	const char *const *cols;	/* column names, NULL-terminated */
	int	 col;		/* the next column of the row */
	long long rows;		/* data rows written */
	int	 werr;		/* a write failed: its errno, else 0 */
	struct sbuf why;
	const char *arg;	/* the verb's operand (segment NAME) */
	struct xfields xf;	/* profiles / segment columns */
	int	 hash;		/* -H: 0, 1 (sha256), 2 (sha256:meta) */
	const char *purpose;	/* -c */
	long long unhashable;	/* identifiers -H could not normalise */
	struct sbuf scratch;	/* a normalised identifier */
	struct xlog log;	/* e->out is log.out */
	int	 pcol;		/* the result column holding the profile id */
	int	 off;		/* the result column of the first field */
	int	 lazy;		/* CSV header written with the first row */
	int	 bom;		/* --bom, --excel: a BOM before the header */
	const char *dest;	/* --dest */
	const char *since;	/* --since */
	int	 cursor;	/* changes: save the cursor with the log */
	long long cursor_run;	/* the last segment_change run exported */
	struct ofile *outfile;	/* -o FILE, NULL for stdout */
	long long again;	/* changes: the export delivered again, or 0 */
	long long consent_run;	/* changes -c: the run of the last export */
	struct xkeys keys;	/* changes: what each row gave the destination */
};

/*
 * The output layer: ex_header once with the column names (CSV writes
 * them, NDJSON keeps them as keys, and with e->lazy the CSV header waits
 * for the first row), then per row ex_begin, one value per column in
 * header order, ex_end.
 */
void	ex_header(struct export *, const char *const *cols);
/*
 * A write to the output failed: the first one's errno kept in e->werr,
 * e->why set to "OUTPUT: reason" (write_strerror).
 */
void	ex_write_failed(struct export *);
void	ex_begin(struct export *);
void	ex_str(struct export *, const char *s, size_t n);	/* s NULL: null */
void	ex_int(struct export *, long long v);
void	ex_double(struct export *, double v);
void	ex_money(struct export *, double v);	/* rounded to the cent */
/* A score: in CSV, rounded to SCORE_DECIMALS places, zeros dropped. */
void	ex_score(struct export *, double v);
void	ex_val(struct export *, sqlite3_value *v);	/* as its type */
void	ex_col(struct export *, sqlite3_stmt *st, int i);	/* column i */
void	ex_end(struct export *);
/*
 * Step st through its rows, each written by row(), its profile (column
 * e->pcol) logged; 0, or -1 with the message in e->why.
 */
int	ex_rows(struct export *, sqlite3_stmt *st,
	    void (*row)(struct export *, sqlite3_stmt *));

#endif
