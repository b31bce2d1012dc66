/*
 * merge_input.h - what cdp-merge's two halves share: the command
 * (cmd/cdp-merge.c), which parses options, runs the verbs and reports,
 * and its input (common/merge/merge_input.c), which reads the pair files into
 * the clustering engine of clustering.h.  The state of a run is here.
 *
 * In the database, each end of a pair is resolved to its record's
 * rowid (given by the line, or looked up by source and record id); in
 * file mode (-o) the records are numbered by record_numbers.h in the order they
 * are first seen.  A bad line is counted, reported as FILE:LINE and
 * skipped; a file that cannot be read sets badinput.
 *
 * Each input must end with its trailer (cdp-pairs(5)): one missing
 * (cdp-match failed, or was killed, or the stream was cut), one whose
 * count is not the number of lines before it, lines after it, or one
 * that says the match run failed set badinput too, and the run changes
 * nothing.  -P (notrailer) accepts an input without one, hand-made.
 * The trailer's threshold is applied to its input's pairs, or the
 * higher -t; its watermark bounds the records the merge may resolve
 * (opts.bounded, opts.watermark: the inputs' smallest).
 */
#ifndef CDP_MERGE_INPUT_H
#define CDP_MERGE_INPUT_H

#include <sqlite3.h>
#include <stdint.h>

#include "core/cli.h"
#include "core/util.h"
#include "merge/clustering.h"
#include "merge/golden_record.h"
#include "merge/merge_config.h"
#include "merge/pair_reader.h"
#include "merge/record_numbers.h"
#include "store/run_log.h"

#define MAX_MESSAGES	100			/* diagnostics per file */

/* File mode: birth dates named in the evidence, by record. */
struct bdates {
	int32_t	*d;
	uint32_t n;
};

/* File mode: names named in the evidence, by record. */
struct names {
	struct uf_name *v;
	uint32_t n;
};

struct merge {
	double	 threshold;	/* -t, else the default for -P inputs */
	int	 have_t;	/* -t given */
	int	 notrailer;	/* -P: an input may lack its trailer */
	long long match_run;	/* the cdp-match run of the last trailer */
	struct sbuf failure;	/* why the input was refused, for the log */
	const char *outpath;	/* -o: file mode */
	struct golden golden;
	struct mergecf conf;
	struct mg_opts opts;
	struct mg m;
	struct pair_reader *pr;
	long long nread, nkept, nbelow, nrejected;
	int	 badinput;	/* an input could not be read */
	struct progress prog;	/* pairs read, on a terminal */
	long	 nmsg;
	const char *fname;
	/* Database mode. */
	sqlite3	*db;
	struct run run;
	sqlite3_stmt *sel_key;
	char	**srcname;	/* sources by name, sorted, and their ids */
	long long *srcid;
	size_t	 nsrc;
	long long maxrowid;
	char	*conftext;	/* -C text to store, or NULL */
	/* File mode. */
	struct keytab kt;
	struct bdates bd;
	struct names nm;
	struct sbuf why, json;
};

/*
 * Database mode: load the sources, prepare the lookup of a record by
 * key and size m.khash by the largest rowid; exits on failure.
 * mergein_read calls it when the first line of input is in.
 */
void	mergein_prepare(struct merge *);

/* Read the pairs of the files argv[0..argc), or of stdin when argc is
 * 0, into g->m; exits on a database or spool error. */
void	mergein_read(struct merge *, int argc, char **argv);

#endif
