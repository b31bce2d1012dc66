/*
 * pair_writer.h - the pair line: what cdp-match writes and cdp-merge reads,
 * one NDJSON object per candidate pair, keys in this order:
 *
 *   {"a":{"source":"crm","record_id":"C001","rowid":12},
 *    "b":{"source":"shop","record_id":"o-17","rowid":345},
 *    "prob":0.99931,"weight":10.52,"rule":"fs",
 *    "evidence":[{"field":"first_name","a":"jean","b":"jean",
 *                 "level":"exact","weight":3.21},...]}
 *
 * rowid is the record table's rowid, left out when the records come
 * from files.  rule is "fs" for the probabilistic model and
 * "ident:KIND" for a shared identifier (prob 1; weight null unless the
 * model scored the pair too).  prob is written with 5 decimals and the
 * weights with 2, trailing zeros dropped, so that output is stable
 * across platforms and short.
 *
 * The last line of the stream is its trailer, written once everything
 * before it was (cdp-pairs(5)):
 *
 *   {"trailer":"cdp-match","run":17,"pairs":42,"threshold":0.5,
 *    "threshold_from":"config","watermark":1000,"watermark_run":16,
 *    "status":"ok"}
 *
 * so that a reader tells a complete stream from a failed or cut one:
 * no trailer, a count that is not the number of pair lines, or lines
 * after it.  run, watermark and watermark_run are null in file mode.
 */
#ifndef CDP_PAIR_WRITER_H
#define CDP_PAIR_WRITER_H

#include <stddef.h>
#include <stdint.h>

#include "core/util.h"
#include "io/json_writer.h"

struct mpair_key {
	const char *source;
	const char *record_id;
	int64_t	 rowid;
	int	 has_rowid;
};

/* One field of the evidence. */
struct mpair_ev {
	const char *field;
	const char *a, *b;	/* the values compared */
	size_t	 alen, blen;
	const char *level;
	double	 weight;
};

/*
 * Write one pair line, '\n' included, into out (reset first) with the
 * writer w (jw_init'ed on out).  weight NULL writes null.  Values that
 * are not valid UTF-8 have their bad bytes replaced by U+FFFD.
 */
void	mpair_format(struct jw *w, struct sbuf *out, const struct mpair_key *a,
	    const struct mpair_key *b, double prob, const double *weight,
	    const char *rule, const struct mpair_ev *ev, size_t nev);

/* What the trailer says. */
struct mpair_trailer {
	long long run;		/* the cdp-match run, 0: none (file mode) */
	size_t	 pairs;		/* pair lines written before it */
	double	 threshold;	/* the least probability written */
	const char *threshold_from;	/* "option" (-t) or "config" */
	long long watermark;	/* the largest record rowid read (0: the
				   store was empty), -1: none (file mode) */
	long long watermark_run;	/* the largest record.run read, or -1 */
	const char *status;	/* "ok", "rejects" or "failed" */
};

/* Write the trailer line, '\n' included, into out as mpair_format does. */
void	mpair_trailer_format(struct jw *w, struct sbuf *out,
	    const struct mpair_trailer *t);

/*
 * A number with at most decimals digits after the point, trailing zeros
 * and a bare point dropped ("1", "0.5", "-3.21"), into buf.
 */
void	mpair_num(char *buf, size_t len, double v, int decimals);

#endif
