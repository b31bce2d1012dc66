/*
 * record_reader.h - record input: one CSV or NDJSON file (or stdin) read as
 * mapped, normalised records.
 *
 * This is the front half of cdp-ingest, shared with every tool that
 * reads records from files with the same mapping options (cdp-match in
 * its no-database mode).  It guesses the format, reads records through
 * csvr or nd, applies the map (declared entries, then fields recognised
 * by name), normalises each canonical field and hands out one struct
 * rin_rec per record.  Every rejected record and every invalid field
 * value goes to the diagnostic callback with its line; the reader then
 * goes on with the next record, so a bad line never stops a run.
 */
#ifndef CDP_RECORD_READER_H
#define CDP_RECORD_READER_H

#include <stddef.h>

#include "core/util.h"
#include "io/line_reader.h"
#include "normalise/field_map.h"

#define RIN_MAX_RECORD	(4 * 1024 * 1024)	/* longest record accepted */
#define RIN_MAX_DEPTH	64			/* deepest JSON nesting */

enum { RIN_GUESS, RIN_CSV, RIN_NDJSON };

struct rin_opts {
	const struct map *map;	/* mapping; copied, per file */
	const char *country;	/* default phone country (alpha-2) or NULL */
	const char *date_format;/* strptime(3) format or NULL */
	int	 delim;		/* forced CSV delimiter, or 0 */
	int	 format;	/* RIN_CSV, RIN_NDJSON, or RIN_GUESS */
	const char *encoding;	/* the input's, converted to UTF-8; NULL: UTF-8
				   (rin_opts_init: the map's @encoding) */
};

/*
 * The options of a tool that reads records with cdp-ingest's mapping
 * options: map files first, then the -m mappings (the command line
 * wins), then -c, -T and -D over the map files' settings, and the
 * country normalised (a copy rin_opts_release frees).  o->map points to
 * map.  0, or -1 with the reason in why (a usage error).
 */
int	rin_opts_init(struct rin_opts *o, struct map *map,
	    char *const *mapfiles, size_t nmapfiles, char *const *maps,
	    size_t nmaps, const char *country, const char *datefmt, int delim,
	    int format, struct sbuf *why);
void	rin_opts_release(struct rin_opts *o);

/* A consent statement of a record. */
struct rin_consent {
	const char *purpose;	/* "email", "sms", ... (owned by the map) */
	int	 granted;	/* 1 granted, 0 denied */
};

/* One record, valid until the next rin_next. */
struct rin_rec {
	const char *file;	/* the file's name for diagnostics */
	long	 line;		/* first line of the record */
	const char *raw;	/* the whole record as JSON text */
	size_t	 rawlen;
	const char *id;		/* own id from the id field, or NULL */
	size_t	 idlen;
	struct sbuf val[C_NCANON];	/* normalised canonical values */
	int	 have[C_NCANON];	/* val[c] holds a value */
	struct sbuf key[3];	/* match keys of first, last, full name */
	struct rin_consent *cons;	/* consent statements */
	size_t	 ncons;
};

/*
 * Diagnostic callback.  reject: the record at file:line was rejected
 * for reason (raw, rawlen: its bytes, NULL when not kept); otherwise a
 * warning about a record that is still delivered (an invalid value).
 */
typedef void (*rin_diag_fn)(void *arg, int reject, const char *file,
    long line, const char *reason, const char *raw, size_t rawlen);

struct rin;

/*
 * Open path ("-" or NULL: stdin).  NULL with errno set when it cannot
 * be opened (or is a directory: EISDIR).
 */
struct rin *rin_open(const char *path, const struct rin_opts *,
	    rin_diag_fn, void *arg);
void	rin_close(struct rin *);

/* Call fn before a read that would block (see lr_set_idle). */
void	rin_set_idle(struct rin *, void (*fn)(void *), void *arg);

/*
 * Next record: 1 and *rec set, 0 at the end, -1 on an error that ends
 * the file (a read error, an id field missing from the CSV header):
 * rin_error says what.
 */
int	rin_next(struct rin *, struct rin_rec **rec);
const char *rin_error(struct rin *);

/* The format read (after guessing), and the map in force for the file. */
int	rin_format(struct rin *);
const struct map *rin_map(struct rin *);
/* The records left out by the map's @skip lines so far. */
long	rin_skipped(struct rin *);
/* The CSV delimiter in use, or 0 for NDJSON. */
int	rin_delim(struct rin *);

/*
 * The record id computed from content when there is no id field:
 * the first 128 bits of SHA-256 of the raw record, in hex (33 bytes).
 */
void	rin_content_id(const char *raw, size_t rawlen, char out[33]);

#endif
