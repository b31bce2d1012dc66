/*
 * pair_reader.h - reading the pair lines cdp-match writes (match/pair_writer.h
 * writes them) for cdp-merge.
 *
 * One NDJSON object per candidate pair:
 *
 *   {"a":{"source":"crm","record_id":"C001","rowid":12},
 *    "b":{"source":"shop","record_id":"o-17","rowid":345},
 *    "prob":0.99931,"weight":10.52,"rule":"fs",
 *    "evidence":[{"field":"first_name","a":"jean","b":"jean",
 *                 "level":"exact","weight":3.21}]}
 *
 * a and b name the two records by source and record id; rowid (the
 * record table's) is there when the pairs come from a database and
 * absent in file mode.  prob is the match probability in [0, 1], rule
 * "fs" or "ident:KIND", weight optional (or null).  evidence is kept as
 * it is, whatever its keys, for cdp-merge explain.  Other keys are
 * ignored.
 *
 * The stream ends with a trailer line (match/pair_writer.h,
 * cdp-pairs(5)), an object with a "trailer" key, which pair_parse
 * reads into p->tr:
 *
 *   {"trailer":"cdp-match","run":17,"pairs":42,"threshold":0.5,
 *    "threshold_from":"config","watermark":1000,"watermark_run":16,
 *    "status":"ok"}
 *
 * The line is read with nd (the streaming parser, bounded depth) and
 * the evidence written back with jw, so what cdp-merge stores is valid
 * JSON whatever the input held.  When the caller stores the pair with
 * its ends swapped (the link table keeps a < b), pair_json swaps the
 * "a" and "b" values of every evidence item along with the ends.
 */
#ifndef CDP_PAIR_READER_H
#define CDP_PAIR_READER_H

#include <stddef.h>
#include <stdint.h>

#include "core/util.h"
#include "merge/union_find.h"

/* A trailer's content. */
struct pair_trailer {
	long long pairs;	/* pair lines before it */
	double	 threshold;	/* the least probability written */
	long long run;		/* the cdp-match run, 0: none (file mode) */
	long long watermark;	/* largest record rowid read, -1: none */
	long long watermark_run;	/* largest record.run read, -1: none */
	char	 from[16];	/* threshold_from: "option", "config", "" */
	char	 status[16];	/* "ok", "rejects" or "failed" */
};

struct pair {
	const char *source[2];	/* NUL-terminated, valid until next parse */
	const char *record_id[2];
	size_t	 source_len[2], record_id_len[2];
	long long rowid[2];	/* 0 when absent */
	double	 prob;
	double	 weight;	/* 0 when absent */
	int	 has_weight;
	const char *rule;	/* NUL-terminated */
	int	 evidence;	/* a non-empty evidence array */
	struct uf_name name[2];	/* names of a and b named in the evidence */
	int32_t	 bdate[2];	/* birth dates of a and b named in the
				   evidence (YYYYMMDD), 0 when none */
	double	 names;		/* the names-only guard (cdp-merge(1)): the
				   weight of the agreeing names of an "fs"
				   pair whose only agreeing evidence is
				   names while a location field (street,
				   postal_code, city) disagrees; -1: the
				   guard does not apply */
	/*
	 * The evidence on attr.* fields (identity documents: a social
	 * security, passport or licence number) outweighs the birth
	 * dates' disagreement, in the model's own weights: the sum of the
	 * attr.* items' weights is positive and above the birth_date
	 * item's negative weight.  A household shares an address, a phone,
	 * a last name and even a first name (a father and his son), never
	 * a passport: such a pair's dates are one person's, corrupted.
	 */
	int	 doc_over_date;
	struct pair_trailer tr;	/* when pair_parse returns PAIR_TRAILER */
};

#define PAIR_TRAILER	1	/* pair_parse read a trailer */

struct pair_reader;

struct pair_reader *pair_reader_new(void);
void	pair_reader_free(struct pair_reader *);

/*
 * Parse one line (without its newline) into *p.  0, PAIR_TRAILER when
 * the line is a trailer (read into p->tr), or -1 with the reason in
 * why: "invalid JSON at column 9: ...", "missing a.record_id",
 * "prob 1.5 is not in [0, 1]", "a pair of a record with itself",
 * "trailer: pairs is not a count", ...
 */
int	pair_parse(struct pair_reader *, const char *line, size_t len,
	    struct pair *p, struct sbuf *why);

/*
 * The names-only weight (struct pair's names) of a stored pair of rule
 * with its evidence array ev[0..evlen), or -1.
 */
double	pair_names(struct pair_reader *, const char *rule, const char *ev,
	    size_t evlen);

/*
 * Append the last parsed pair to out as one compact JSON object
 * {"a":{"source","record_id"},"b":{...},"rule","prob","weight",
 * "evidence"} (numbers as written in the input, no rowids), with a and
 * b exchanged when swap is set.  *evoff and *evlen locate the evidence
 * array inside out (*evlen 0 when the pair has none).
 */
void	pair_json(struct pair_reader *, int swap, struct sbuf *out,
	    size_t *evoff, size_t *evlen);

/*
 * The line itself as the pair's JSON, when the caller keeps a and b as
 * they are: the line was validated by pair_parse, so it is valid JSON,
 * and copying it costs nothing like rebuilding it.  *off and *len
 * locate the whole object in line (surrounding blanks left out),
 * *evoff and *evlen the value of its top-level "evidence" key relative
 * to *off (*evlen 0 when absent or null).
 */
void	pair_raw(const char *line, size_t len, size_t *off, size_t *olen,
	    size_t *evoff, size_t *evlen);

#endif
