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

/*
 * A number with at most decimals digits after the point, trailing zeros
 * and a bare point dropped ("1", "0.5", "-3.21"), into buf.
 */
void	mpair_num(char *buf, size_t len, double v, int decimals);

#endif
