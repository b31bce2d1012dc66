/*
 * anomaly.c - the checks of a store; see anomaly.h.  The scan of the run
 * log (jobs, failures, the runs to list, live ingests) is run_scan.c's.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "catalog/catalog.h"
#include "status/anomaly.h"
#include "status/status_internal.h"
#include "store/bulk_load.h"
#include "store/database.h"

static const struct {
	const char *name;
	double	 v;
	double	 min, max;
} defaults[ST_N] = {
	{ "reject_rate", 0.05, 0, 1 },	/* rejected / read above this */
	{ "volume_low", 0.5, 0, 1 },	/* rows below this x the median */
	{ "volume_high", 2, 1, 1e9 },	/* rows above this x the median */
	{ "window", 7, 1, 1000 },	/* runs in the trailing median */
	{ "min_history", 3, 1, 1000 },	/* runs needed before judging */
	{ "stale_factor", 1.1, 1, 1e6 },	/* silence above this x the interval */
	{ "segment_jump", 0.5, 0, 1e9 },	/* relative size change */
	{ "segment_min", 10, 0, 1e12 },	/* and at least this many profiles */
	{ "live_minutes", 5, 1, 1440 },	/* a live ingest's rate over this */
	{ "late_margin", 3, 0, 1e6 },	/* late past this x its largest deviation */
	{ "delivery_gap", 60, 0, 10080 },	/* minutes: closer runs are one delivery */
};

void
status_init(struct status *s, sqlite3 *db, time_t now)
{
	size_t i;

	memset(s, 0, sizeof(*s));
	s->db = db;
	s->now = now;
	for (i = 0; i < ST_N; i++)
		s->th[i] = defaults[i].v;
	sb_init(&s->b);
}

void
status_release(struct status *s)
{
	size_t i;

	for (i = 0; i < s->nan; i++) {
		free(s->an[i].kind);
		free(s->an[i].source);
		free(s->an[i].evidence);
	}
	for (i = 0; i < s->nruns; i++) {
		free(s->runs[i].job);
		free(s->runs[i].outcome);
	}
	for (i = 0; i < s->nlive; i++)
		free(s->live[i].source);
	free(s->an);
	free(s->runs);
	free(s->live);
	sb_release(&s->b);
}

int
status_threshold(struct status *s, const char *spec, struct sbuf *why)
{
	const char *eq = strchr(spec, '=');
	char *end;
	double v;
	size_t n, i;

	if (eq == NULL) {
		sb_addf(why, "threshold %s: expected NAME=VALUE",
		    quote_value(spec, strlen(spec)));
		return -1;
	}
	n = (size_t)(eq - spec);
	while (n > 0 && (spec[n - 1] == ' ' || spec[n - 1] == '\t'))
		n--;
	for (i = 0; i < ST_N; i++)
		if (strlen(defaults[i].name) == n &&
		    !strncmp(spec, defaults[i].name, n))
			break;
	if (i == ST_N) {
		sb_addf(why, "unknown threshold %s", quote_value(spec, n));
		return -1;
	}
	errno = 0;
	v = strtod(eq + 1, &end);
	while (*end == ' ' || *end == '\t')
		end++;
	if (errno != 0 || end == eq + 1 || *end != '\0' || !isfinite(v) ||
	    v < defaults[i].min || v > defaults[i].max) {
		sb_addf(why, "threshold %s: %s is not a number in %g..%g",
		    defaults[i].name, quote_value(eq + 1, strlen(eq + 1)),
		    defaults[i].min, defaults[i].max);
		return -1;
	}
	s->th[i] = v;
	return 0;
}

int
status_period(const char *p, long long *out)
{
	static const struct { char unit; long long s; } units[] = {
		{ 'm', 60 }, { 'h', 3600 }, { 'd', 86400 }, { 'w', 604800 },
	};
	size_t len = strlen(p), i;
	long long n;
	const char *errstr;
	char num[16];

	if (len < 2 || len > 8)
		return -1;
	memcpy(num, p, len - 1);
	num[len - 1] = '\0';
	if (parse_ll(num, 1, 100000, &n, &errstr) == -1)
		return -1;
	for (i = 0; i < sizeof(units) / sizeof(units[0]); i++)
		if (p[len - 1] == units[i].unit) {
			*out = n * units[i].s;
			return 0;
		}
	return -1;
}

double
st_median(double *v, size_t n)
{
	size_t i, j;
	double t;

	for (i = 1; i < n; i++)	/* n is at most the window: insertion sort */
		for (j = i; j > 0 && v[j - 1] > v[j]; j--) {
			t = v[j];
			v[j] = v[j - 1];
			v[j - 1] = t;
		}
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

void
st_duration(struct sbuf *b, double s)
{
	if (s >= 3 * 86400)
		sb_addf(b, "%.1f days", s / 86400);
	else if (s >= 2 * 3600)
		sb_addf(b, "%.1f hours", s / 3600);
	else
		sb_addf(b, "%.0f minutes", s / 60);
}

void
st_anomaly(struct status *s, const char *kind, const char *source,
    long long run, const char *evidence)
{
	struct st_anomaly *a;

	s->an = xrealloc(s->an, (s->nan + 1) * sizeof(*s->an));
	a = &s->an[s->nan++];
	a->kind = xstrdup(kind);
	a->source = source != NULL ? xstrdup(source) : NULL;
	a->run = run;
	a->evidence = xstrdup(evidence);
}

int
st_has_table(sqlite3 *db, const char *name)
{
	sqlite3_stmt *st;
	int r = 0;

	if (sqlite3_prepare_v2(db, "SELECT 1 FROM sqlite_master WHERE "
	    "type = 'table' AND name = ?", -1, &st, NULL) != SQLITE_OK)
		return 0;
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	r = sqlite3_step(st) == SQLITE_ROW;
	sqlite3_finalize(st);
	return r;
}


/*
 * Identity resolution left behind: a cdp-match or cdp-merge run failed
 * (or was killed) since the last cdp-merge that applied a complete pair
 * stream (the state key cdp-merge.applied, merge/clustering.h), and
 * records wait for the next cdp-match | cdp-merge.
 */
static void
identity(struct status *s)
{
	sqlite3_stmt *st;
	long long id = 0, pending = -1;
	const char *outcome;

	if (!st_has_table(s->db, "member") || !st_has_table(s->db, "state"))
		return;
	if (sqlite3_prepare_v2(s->db, "SELECT id, tool, started_at, outcome, "
	    "pid FROM run WHERE tool IN ('cdp-match', 'cdp-merge') "
	    "AND outcome NOT IN ('ok', 'rejects', 'usage') AND id > "
	    "coalesce((SELECT value FROM state WHERE key = "
	    "'cdp-merge.applied'), 0) ORDER BY id DESC", -1, &st, NULL) !=
	    SQLITE_OK)
		return;
	sb_reset(&s->b);
	while (sqlite3_step(st) == SQLITE_ROW) {
		outcome = st_outcome((const char *)sqlite3_column_text(st, 3),
		    sqlite3_column_int64(st, 4));
		if (strcmp(outcome, "running") == 0)
			continue;
		id = sqlite3_column_int64(st, 0);
		sb_addf(&s->b, "%s %s at %s", (const char *)
		    sqlite3_column_text(st, 1), outcome,
		    (const char *)sqlite3_column_text(st, 2));
		break;
	}
	sqlite3_finalize(st);
	if (id == 0)
		return;
	if (sqlite3_prepare_v2(s->db, "SELECT count(*) FROM record r LEFT "
	    "JOIN member m ON m.record = r.id WHERE m.record IS NULL OR "
	    "r.run > m.run", -1, &st, NULL) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW)
		pending = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	/* Nothing left behind: the failure alone is reported. */
	if (pending == 0)
		return;
	sb_addf(&s->b, ", after the last complete cdp-match | cdp-merge: "
	    "%lld record%s wait for identity resolution", pending,
	    pending == 1 ? "" : "s");
	st_anomaly(s, "identity", NULL, id, s->b.buf);
}

/*
 * A first load killed in bulk (store/bulk_load.h): its records are
 * stored without their identifiers, invisible to identity resolution,
 * until the next writing tool's db_open completes the load.  While the
 * load still runs that is its normal state, not an anomaly.
 */
static void
bulk(struct status *s)
{
	sqlite3_stmt *st;
	long long n, id = 0;
	char *src = NULL;

	if (bulk_unfinished(s->db, &n, &s->b) != 1)
		return;
	sb_reset(&s->b);
	if (sqlite3_prepare_v2(s->db, "SELECT r.id, s.name, r.started_at, "
	    "r.outcome, r.pid FROM run r LEFT JOIN source s ON s.id = "
	    "r.source_id WHERE r.tool = 'cdp-ingest' ORDER BY r.id DESC "
	    "LIMIT 1", -1, &st, NULL) != SQLITE_OK)
		return;
	if (sqlite3_step(st) == SQLITE_ROW) {
		if (strcmp(st_outcome((const char *)sqlite3_column_text(st, 3),
		    sqlite3_column_int64(st, 4)), "running") == 0) {
			sqlite3_finalize(st);
			return;
		}
		id = sqlite3_column_int64(st, 0);
		if (sqlite3_column_type(st, 1) != SQLITE_NULL)
			src = xstrdup((const char *)
			    sqlite3_column_text(st, 1));
		sb_addf(&s->b, "cdp-ingest interrupted in a bulk load at %s: ",
		    (const char *)sqlite3_column_text(st, 2));
	}
	sqlite3_finalize(st);
	sb_addf(&s->b, "%lld record%s stored without their identifiers; "
	    "the next writing tool completes the load", n, n == 1 ? "" : "s");
	st_anomaly(s, "bulk_load", src, id, s->b.buf);
	free(src);
}

static int
is_live(const struct status *s, const char *src)
{
	size_t i;

	for (i = 0; i < s->nlive; i++)
		if (s->live[i].source != NULL && src != NULL &&
		    strcmp(s->live[i].source, src) == 0)
			return 1;
	return 0;
}

/*
 * Sources past their next expected delivery: the last delivery plus the
 * declared cadence, or the median interval of the last deliveries, times
 * stale_factor.  One missed delivery is enough.
 */
static void
stale(struct status *s)
{
	sqlite3_stmt *src, *st;
	double gaps[1000], m, silent, grace, dev = 0;
	time_t start[1001], prev, t, last;
	size_t n, nd = 0, i;
	const char *name;
	int declared;

	if (sqlite3_prepare_v2(s->db, "SELECT id, name, cadence FROM source "
	    "ORDER BY name", -1, &src, NULL) != SQLITE_OK)
		return;
	if (sqlite3_prepare_v2(s->db, "SELECT started_at FROM run WHERE "
	    "tool = 'cdp-ingest' AND source_id = ?1 AND rows_in > 0 AND "
	    "outcome IN ('ok', 'rejects') ORDER BY id DESC", -1, &st,
	    NULL) != SQLITE_OK) {
		sqlite3_finalize(src);
		return;
	}
	while (sqlite3_step(src) == SQLITE_ROW) {
		name = (const char *)sqlite3_column_text(src, 1);
		declared = sqlite3_column_int64(src, 2) > 0;
		if (is_live(s, name))
			continue;
		sqlite3_bind_int64(st, 1, sqlite3_column_int64(src, 0));
		n = 0;
		last = prev = (time_t)-1;
		/*
		 * Runs closer than delivery_gap to the one after them are one
		 * delivery (a source sending several files a night): the
		 * intervals are between the deliveries' first runs, the
		 * silence is since the last run.
		 */
		while (sqlite3_step(st) == SQLITE_ROW) {
			t = parse_iso((const char *)sqlite3_column_text(st, 0));
			if (t == (time_t)-1)
				continue;
			if (last == (time_t)-1) {
				last = t;
				nd = 1;
			} else if (difftime(prev, t) >= s->th[ST_GAP] * 60) {
				if (nd > (size_t)s->th[ST_WINDOW] || nd > 1000)
					break;
				nd++;
			}
			start[nd - 1] = t;
			prev = t;
		}
		for (i = 0; i + 1 < nd; i++)
			gaps[n++] = difftime(start[i], start[i + 1]);
		sqlite3_reset(st);
		if (last == (time_t)-1 || (!declared &&
		    n < (size_t)s->th[ST_HISTORY]))
			continue;
		m = declared ? (double)sqlite3_column_int64(src, 2) :
		    st_median(gaps, n);
		silent = difftime(s->now, last);
		/*
		 * A regular source is late as soon as it is past its usual
		 * time by more than late_margin times the largest deviation
		 * of its intervals (a minute at least): a nightly batch's
		 * source that missed tonight is flagged tonight, by the
		 * cdp-status run after the batch.
		 */
		grace = HUGE_VAL;
		if (n >= (size_t)s->th[ST_HISTORY] && s->th[ST_LATE] > 0) {
			dev = 0;
			for (i = 0; i < n; i++)
				dev = fmax(dev, fabs(gaps[i] - m));
			grace = fmax(s->th[ST_LATE] * dev, 60);
		}
		if (m > 0 && (silent > s->th[ST_STALE] * m ||
		    silent > m + grace)) {
			sb_reset(&s->b);
			sb_adds(&s->b, "no data for ");
			st_duration(&s->b, silent);
			sb_adds(&s->b, declared ? "; expected every " :
			    "; usually every ");
			st_duration(&s->b, m);
			if (declared)
				sb_adds(&s->b, " (declared");
			else
				sb_addf(&s->b, " (median of the last %zu "
				    "intervals", n);
			/* Judged by its regularity: say how regular. */
			if (silent <= s->th[ST_STALE] * m) {
				if (declared)
					sb_addf(&s->b, "; its last %zu intervals",
					    n);
				sb_adds(&s->b, ", each within ");
				if (dev < 120)
					sb_addf(&s->b, "%.0f seconds", dev);
				else
					st_duration(&s->b, dev);
				sb_adds(&s->b, " of it");
			}
			sb_adds(&s->b, ")");
			sb_addf(&s->b, "; %.0f deliver%s missed",
			    floor(silent / m), floor(silent / m) < 2 ?
			    "y" : "ies");
			st_anomaly(s, "stale", name, 0, s->b.buf);
		}
	}
	sqlite3_finalize(st);
	sqlite3_finalize(src);
}

/* integer and number are one type: a number column may hold either. */
static int
numeric(const char *type)
{
	return type != NULL && (!strcmp(type, "integer") ||
	    !strcmp(type, "number"));
}

static void
drift(struct status *s)
{
	static const char *const what[] = { "new", "missing", "type" };
	struct cat_drift *d;
	struct sbuf why;
	size_t n, i, j, k;

	if (!st_has_table(s->db, "catalog_run"))
		return;
	sb_init(&why);
	if (cat_drift_find(s->db, NULL, &d, &n, &why) == -1) {
		warnx_("%s", why.buf);
		sb_release(&why);
		return;
	}
	/* One anomaly per source, listing its changes. */
	for (i = 0; i < n; i = j) {
		sb_reset(&s->b);
		for (j = i, k = 0; j < n && !strcmp(d[j].source, d[i].source);
		    j++) {
			if (d[j].change == CAT_DRIFT_TYPE && numeric(d[j].was) &&
			    numeric(d[j].now))
				continue;
			sb_addf(&s->b, "%s%s %s", k++ > 0 ? "; " : "",
			    what[d[j].change], d[j].field);
			if (d[j].change == CAT_DRIFT_TYPE)
				sb_addf(&s->b, " %s -> %s", d[j].was, d[j].now);
		}
		if (k == 0)
			continue;
		sb_addf(&s->b, " (run %lld against run %lld)", d[i].run,
		    d[i].prev);
		st_anomaly(s, "drift", d[i].source, d[i].run, s->b.buf);
	}
	cat_drift_free(d, n);
	sb_release(&why);
}

/* Segments whose size jumped at their last evaluation. */
static void
segments(struct status *s)
{
	sqlite3_stmt *st;
	long long size, in, out, before, older, run;
	double rel;

	if (!st_has_table(s->db, "segment") || !st_has_table(s->db,
	    "segment_change"))
		return;
	if (sqlite3_prepare_v2(s->db, "SELECT g.name, g.size, g.last_eval_run, "
	    "(SELECT count(*) FROM segment_change c WHERE c.segment = g.id AND "
	    "  c.run = g.last_eval_run AND c.change = 'enter'), "
	    "(SELECT count(*) FROM segment_change c WHERE c.segment = g.id AND "
	    "  c.run = g.last_eval_run AND c.change = 'exit'), "
	    "(SELECT count(*) FROM segment_change c WHERE c.segment = g.id AND "
	    "  c.run < g.last_eval_run) "
	    "FROM segment g WHERE g.last_eval_run IS NOT NULL ORDER BY g.name",
	    -1, &st, NULL) != SQLITE_OK)
		return;
	while (sqlite3_step(st) == SQLITE_ROW) {
		size = sqlite3_column_int64(st, 1);
		run = sqlite3_column_int64(st, 2);
		in = sqlite3_column_int64(st, 3);
		out = sqlite3_column_int64(st, 4);
		older = sqlite3_column_int64(st, 5);
		before = size - in + out;
		if (before == 0 && older == 0)
			continue;	/* its first evaluation */
		if ((double)llabs(size - before) < s->th[ST_SEGMIN])
			continue;
		rel = before > 0 ? fabs((double)(size - before)) /
		    (double)before : HUGE_VAL;
		if (rel <= s->th[ST_SEGJUMP])
			continue;
		sb_reset(&s->b);
		sb_addf(&s->b, "segment %s: %lld profiles after %lld (%lld "
		    "entered, %lld left)", (const char *)
		    sqlite3_column_text(st, 0), size, before, in, out);
		st_anomaly(s, "segment_jump", NULL, run, s->b.buf);
	}
	sqlite3_finalize(st);
}

int
status_check(struct status *s, struct sbuf *why)
{
	if (st_scan_runs(s, why) == -1)
		return -1;
	identity(s);
	bulk(s);
	stale(s);
	drift(s);
	segments(s);
	return 0;
}
