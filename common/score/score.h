/*
 * score.h - the built-in indicators of cdp-score: recency, frequency,
 * monetary value, windows of purchases, engagement, preferred source,
 * RFM quintiles and segments, and CLV (BG/NBD and Gamma-Gamma, see
 * clv.h), computed per profile from the events of its member records.
 *
 * Time is counted in whole days (UTC).  The as-of date D closes the
 * data: an event counts when its ts is before the day after D, and a
 * window of N days is the N days ending with D.  An event is a record
 * with an event_type; a purchase is an event of type "purchase", worth
 * its amount (a missing amount counts 0; currencies are not converted).
 * Several purchases on one day are one purchase occasion.
 *
 * score_compute reads everything it needs in one scan of record joined
 * to member, in record order (the two tables share that key, so the
 * scan is sequential), and keeps one small struct per profile; the CLV
 * predictions are computed once per distinct history (x, t_x, T).  The
 * exact rules of each indicator are in cdp-score(1).
 */
#ifndef CDP_SCORE_H
#define CDP_SCORE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sqlite3.h>

#include "core/util.h"
#include "score/clv.h"

/* The built-in scores, in the order cdp-score prints them. */
enum score_id {
	SC_RECENCY_DAYS, SC_FREQUENCY, SC_ORDERS, SC_MONETARY, SC_AOV,
	SC_FIRST_PURCHASE, SC_LAST_PURCHASE, SC_TENURE_DAYS,
	SC_PURCHASES_30D, SC_PURCHASES_90D, SC_PURCHASES_365D,
	SC_ENGAGEMENT, SC_PREFERRED_SOURCE,
	SC_RFM_R, SC_RFM_F, SC_RFM_M, SC_RFM, SC_RFM_SEGMENT,
	SC_CLV_X, SC_CLV_TX, SC_CLV_T, SC_P_ALIVE, SC_EXPECTED_PURCHASES,
	SC_EXPECTED_SPEND, SC_CLV,
	SC_N
};

/* Value types, shared with the expression language (expr/expr.h). */
enum score_type { ST_NUM, ST_TEXT, ST_DATE };

struct score_builtin {
	const char *name;	/* "recency_days" */
	int	 type;		/* enum score_type */
	int	 clv;		/* needs the CLV fit */
};

extern const struct score_builtin score_builtins[SC_N];

/* The built-in called name, or -1. */
int	score_builtin_lookup(const char *name);

/* The RFM segment names, in the order of the rules in cdp-score(1). */
extern const char *const score_rfm_segments[];

/* The segment of recency and frequency quintiles r, f in 1..5. */
const char *score_rfm_segment(int r, int f);

struct score_opts {
	long	 asof;		/* the as-of day (days since 1970-01-01) */
	double	 horizon;	/* weeks ahead for expected purchases and CLV */
	double	 step;		/* weeks per discounting period (a month) */
	double	 discount;	/* discount rate per period */
	int	 clv;		/* fit the CLV models and predict */
	const struct clv_bgnbd *bg_fixed;	/* use these, do not fit */
	const struct clv_gg *gg_fixed;
	/*
	 * Only the profiles of the table temp.cdp_only(profile) (cdp-stream's
	 * touched profiles): the indicators of each from its events, not the
	 * RFM quintiles nor CLV, which rank or fit every profile.
	 */
	int	 only;
};

/* What one profile has; the counters are 0 for a profile without events. */
struct score_prof {
	int32_t	 first_day;	/* first purchase day, or INT32_MIN */
	int32_t	 last_day;	/* last purchase day */
	int32_t	 first_event;	/* first event of any type, or INT32_MIN */
	int32_t	 occasions;	/* distinct purchase days */
	int32_t	 orders;	/* purchase events */
	int32_t	 win[3];	/* purchase events in the last 30, 90, 365 days */
	int32_t	 engagement;	/* events of any type in the last 90 days */
	int32_t	 src;		/* preferred source: index in names, or -1 */
	uint8_t	 r, f, m;	/* RFM quintiles, 0 when no purchase */
	uint8_t	 clv;		/* CLV values below are set */
	double	 monetary;	/* sum of purchase amounts */
	double	 zbar;		/* mean value of the repeat occasions */
	double	 palive, expected, spend, value;
};

struct score_data {
	size_t	 n;		/* profiles */
	long long *id;		/* profile ids, ascending */
	struct score_prof *p;	/* n entries, parallel to id */
	char	**srcname;	/* source names, sorted */
	long long *srcid;	/* their ids */
	size_t	 nsrc;
	size_t	 events;	/* events read */
	size_t	 customers;	/* profiles with a purchase */
	size_t	 recomputed;	/* profiles whose events were read */
	unsigned char *fresh;	/* score_compute_touched: 1 for a profile
				   whose events were read; NULL: all */
	long long *gone;	/* and the profiles of score_state that */
	size_t	 ngone;		/* are no longer, ascending */
	/* CLV */
	int	 bg_ok, gg_ok;	/* a model was fitted (or given) */
	int	 bg_conv, gg_conv;	/* the fit met clv's strict tolerance */
	double	 t_read, t_clv;	/* seconds: reading and computing, CLV */
	struct clv_bgnbd bg;
	struct clv_gg gg;
	struct clv_fit bgfit, ggfit;
	struct score_opts opts;
};

void	score_data_release(struct score_data *);

/*
 * Read the profiles and their events up to the as-of day and compute
 * every indicator; with opts->clv also fit (or take) the CLV models and
 * predict.  A model that cannot be fitted leaves bg_ok or gg_ok 0 and
 * its scores unset, which is not an error.  0, or -1 with the message
 * in why.
 */
int	score_compute(sqlite3 *, const struct score_opts *,
	    struct score_data *, struct sbuf *why);

/* Fit and predict for score_compute (score_clv.c); 0 or -1. */
int	score_clv(struct score_data *, struct sbuf *why);

/* The kind of a score value, and the value itself. */
enum { SV_NULL, SV_INT, SV_REAL, SV_TEXT };
struct score_val {
	int	 kind;
	long long i;
	double	 d;
	const char *s;		/* SV_TEXT: static or owned by the data */
	char	 buf[16];	/* holds dates */
};

/*
 * Whether built-in id is the profile's own: from its events and the
 * as-of date alone, not from a ranking or a fit over every profile.
 */
int	score_builtin_own(int id);

/* The value of built-in id for the i-th profile. */
void	score_get(const struct score_data *, size_t i, int id,
	    struct score_val *);

/*
 * Writing the values of a score (score_store.c): begin reads the stored
 * values of the score, put is called for the profiles in ascending id
 * order (an SV_NULL value removes the profile's), end removes the values
 * of the profiles not seen; only changes are written.  0 or -1.
 */
struct score_old {
	long long profile;
	int	 kind;		/* SV_* */
	long long i;		/* SV_INT; SV_TEXT: offset in text */
	double	 d;
};

struct score_writer {
	sqlite3	*db;
	long long run;		/* the run stored with a written value */
	sqlite3_stmt *sel, *sel1, *ins, *upd, *del;
	char	*name;		/* the score being written */
	struct score_old *old;	/* its stored values, by profile */
	size_t	 nold, capold, pos;
	struct sbuf text;	/* the text of old values */
	long long written;	/* values inserted or updated */
	long long unchanged;	/* values already stored */
	long long deleted;	/* values removed */
};

int	score_writer_init(struct score_writer *, sqlite3 *, long long run,
	    struct sbuf *why);
void	score_writer_release(struct score_writer *);
int	score_writer_begin(struct score_writer *, const char *name,
	    struct sbuf *why);
/*
 * begin for the profiles ids[0..n) (ascending) only: put is then called
 * for some of them, end removes the values of the others, and the
 * values of every other profile stay as they are.
 */
int	score_writer_begin_some(struct score_writer *, const char *name,
	    const long long *ids, size_t n, struct sbuf *why);
int	score_writer_put(struct score_writer *, long long profile,
	    const struct score_val *, struct sbuf *why);
int	score_writer_end(struct score_writer *, struct sbuf *why);

/*
 * Write the stored values of the scores names[0..n) of every profile on
 * f (score_table.c): a row per profile in id order, a column "profile" then
 * one per name; CSV with a header row (with the spreadsheet options co,
 * io/csv_options.h, when not NULL), or NDJSON objects with null for a
 * missing value.  0, or -1 with the message in why on a database error
 * (write errors are left to the caller's check of f).
 */
struct csvo;
int	score_print(sqlite3 *, const char *const *names, size_t n, int ndjson,
	    const struct csvo *co, FILE *f, struct sbuf *why);

/* "YYYY-MM-DD" of a day number into buf (at least 11 bytes). */
void	score_day_str(long day, char *buf);

#endif
