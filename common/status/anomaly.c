/*
 * anomaly.c - the checks of a store; see anomaly.h.
 */
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "catalog/catalog.h"
#include "status/anomaly.h"
#include "status/job.h"
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
};

/* A job and where it stands (status_check's scan of the run log). */
struct job {
	char	*name;
	char	*source;
	long long last;		/* its last run */
	long long fail;		/* its last failure since a success, or 0 */
	long long nfail;	/* failures since its last success */
	char	*evidence;	/* of fail */
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

static time_t
parse_iso(const char *s)
{
	struct tm tm;

	memset(&tm, 0, sizeof(tm));
	if (s == NULL || strptime(s, "%Y-%m-%dT%H:%M:%SZ", &tm) == NULL)
		return (time_t)-1;
	return timegm(&tm);
}

static double
median(double *v, size_t n)
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

static void
duration(struct sbuf *b, double s)
{
	if (s >= 3 * 86400)
		sb_addf(b, "%.1f days", s / 86400);
	else if (s >= 2 * 3600)
		sb_addf(b, "%.1f hours", s / 3600);
	else
		sb_addf(b, "%.0f minutes", s / 60);
}

static void
anomaly(struct status *s, const char *kind, const char *source,
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

static int
has_table(sqlite3 *db, const char *name)
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

/* The outcome of a run as it stands: a running one may have died. */
static const char *
outcome_of(const char *o, long long pid)
{
	if (o == NULL)
		return "running";
	if (strcmp(o, "running") != 0)
		return o;
	if (pid <= 0 || (kill((pid_t)pid, 0) == -1 && errno == ESRCH))
		return "interrupted";
	return o;
}

static int
is_failure(const char *o)
{
	return !strcmp(o, "failed") || !strcmp(o, "usage") ||
	    !strcmp(o, "interrupted");
}

static int
is_success(const char *o)
{
	return !strcmp(o, "ok") || !strcmp(o, "rejects");
}

/* The job of a run from its row (args as the run log's JSON array). */
static void
run_job(sqlite3_stmt *each, const char *tool, const char *args,
    const char *source, struct sbuf *job)
{
	char *words[256];
	size_t n = 0, i;

	sqlite3_bind_text(each, 1, args != NULL ? args : "[]", -1,
	    SQLITE_TRANSIENT);
	while (sqlite3_step(each) == SQLITE_ROW && n < 256) {
		const char *w = (const char *)sqlite3_column_text(each, 0);

		words[n++] = xstrdup(w != NULL ? w : "");
	}
	sqlite3_reset(each);
	/* words[0] is argv[0]. */
	job_of(tool, n > 0 ? words + 1 : words, n > 0 ? n - 1 : 0, source,
	    job);
	for (i = 0; i < n; i++)
		free(words[i]);
}

/* Volume against the trailing median of the source's completed runs. */
static void
check_volume(struct status *s, long long run, long long sid,
    const char *src, long long rows)
{
	sqlite3_stmt *st;
	double v[1000], m;
	size_t n = 0;

	if (sqlite3_prepare_v2(s->db, "SELECT rows_in FROM run WHERE "
	    "tool = 'cdp-ingest' AND source_id = ?1 AND id < ?2 AND outcome "
	    "IN ('ok', 'rejects') ORDER BY id DESC LIMIT ?3", -1, &st,
	    NULL) != SQLITE_OK)
		return;
	sqlite3_bind_int64(st, 1, sid);
	sqlite3_bind_int64(st, 2, run);
	sqlite3_bind_int64(st, 3, (long long)s->th[ST_WINDOW]);
	while (sqlite3_step(st) == SQLITE_ROW && n < 1000)
		v[n++] = (double)sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	if (n < (size_t)s->th[ST_HISTORY])
		return;
	m = median(v, n);
	sb_reset(&s->b);
	if ((double)rows < s->th[ST_LOW] * m) {
		sb_addf(&s->b, "%lld records read, below %g x the median of "
		    "%g of the %zu runs before", rows, s->th[ST_LOW], m, n);
		anomaly(s, "volume_low", src, run, s->b.buf);
	} else if ((double)rows > s->th[ST_HIGH] * m) {
		sb_addf(&s->b, "%lld records read, above %g x the median of "
		    "%g of the %zu runs before", rows, s->th[ST_HIGH], m, n);
		anomaly(s, "volume_high", src, run, s->b.buf);
	}
}

/* The checks of one listed ingest run: rejects and volume. */
static void
check_ingest(struct status *s, sqlite3_stmt *st, const char *outcome)
{
	long long id = sqlite3_column_int64(st, 0);
	long long rin = sqlite3_column_int64(st, 8);
	long long rej = sqlite3_column_int64(st, 9);
	const char *src = (const char *)sqlite3_column_text(st, 2);

	if (strcmp((const char *)sqlite3_column_text(st, 1), "cdp-ingest") !=
	    0 || !is_success(outcome))
		return;
	sb_reset(&s->b);
	if (rin > 0 && (double)rej > s->th[ST_REJECT] * (double)rin) {
		sb_addf(&s->b, "%lld of %lld records rejected (%.1f%%, above "
		    "%.1f%%)", rej, rin, 100.0 * (double)rej / (double)rin,
		    100 * s->th[ST_REJECT]);
		anomaly(s, "reject_rate", src, id, s->b.buf);
	}
	check_volume(s, id, sqlite3_column_int64(st, 10), src, rin);
}

/* The rate of a running ingest from its run_progress samples. */
static void
live_rate(struct status *s, long long run, const char *src,
    const char *started)
{
	sqlite3_stmt *st;
	struct st_live *l;
	char cut[32];
	struct tm tm;
	time_t t0 = s->now - (time_t)(s->th[ST_LIVE] * 60), base_t;
	long long rows = 0, base = 0;

	gmtime_r(&t0, &tm);
	strftime(cut, sizeof(cut), "%Y-%m-%dT%H:%M:%SZ", &tm);
	if (!has_table(s->db, "run_progress") || sqlite3_prepare_v2(s->db,
	    "SELECT (SELECT rows FROM run_progress WHERE run = ?1 ORDER BY at "
	    "DESC LIMIT 1), (SELECT at FROM run_progress WHERE run = ?1 AND "
	    "at <= ?2 ORDER BY at DESC LIMIT 1), (SELECT rows FROM "
	    "run_progress WHERE run = ?1 AND at <= ?2 ORDER BY at DESC "
	    "LIMIT 1)", -1, &st, NULL) != SQLITE_OK)
		return;
	sqlite3_bind_int64(st, 1, run);
	sqlite3_bind_text(st, 2, cut, -1, SQLITE_STATIC);
	base_t = parse_iso(started);
	if (sqlite3_step(st) == SQLITE_ROW) {
		rows = sqlite3_column_int64(st, 0);
		if (sqlite3_column_type(st, 1) != SQLITE_NULL) {
			base_t = parse_iso((const char *)
			    sqlite3_column_text(st, 1));
			base = sqlite3_column_int64(st, 2);
		}
	}
	sqlite3_finalize(st);
	s->live = xrealloc(s->live, (s->nlive + 1) * sizeof(*s->live));
	l = &s->live[s->nlive++];
	l->run = run;
	l->source = src != NULL ? xstrdup(src) : NULL;
	l->rows = rows;
	l->minutes = base_t != (time_t)-1 && s->now > base_t ?
	    difftime(s->now, base_t) / 60 : 0;
	l->per_minute = l->minutes > 0 ? (double)(rows - base) / l->minutes :
	    0;
}

static struct job *
job_find(struct job **jobs, size_t *n, const char *name, const char *src)
{
	size_t i;

	for (i = 0; i < *n; i++)
		if (strcmp((*jobs)[i].name, name) == 0)
			return &(*jobs)[i];
	*jobs = xrealloc(*jobs, (*n + 1) * sizeof(**jobs));
	memset(&(*jobs)[*n], 0, sizeof(**jobs));
	(*jobs)[*n].name = xstrdup(name);
	(*jobs)[*n].source = src != NULL ? xstrdup(src) : NULL;
	return &(*jobs)[(*n)++];
}

static int
cmp_id(const void *a, const void *b)
{
	long long x = *(const long long *)a, y = *(const long long *)b;

	return x < y ? -1 : x > y;
}

/* The job index of run id among the scanned ones, or -1. */
static long
job_of_run(const long long *ids, const long *jix, size_t n, long long id)
{
	const long long *p = bsearch(&id, ids, n, sizeof(*ids), cmp_id);

	return p != NULL ? jix[p - ids] : -1;
}

static void
clear_jobs(sqlite3_stmt *each, const char *args, struct job *jobs,
    const long long *ids, const long *jix, size_t n)
{
	const char *errstr;
	long long id;
	long j;
	int k = 0;

	sqlite3_bind_text(each, 1, args, -1, SQLITE_TRANSIENT);
	while (sqlite3_step(each) == SQLITE_ROW) {
		const char *w = (const char *)sqlite3_column_text(each, 0);

		/* argv[0], options and the verb come before the runs. */
		if (k++ < 2 || w == NULL || parse_ll(w, 1, LLONG_MAX, &id,
		    &errstr) == -1)
			continue;
		if ((j = job_of_run(ids, jix, n, id)) >= 0 &&
		    jobs[j].fail <= id) {
			jobs[j].fail = 0;
			jobs[j].nfail = 0;
		}
	}
	sqlite3_reset(each);
}

static void
list_run(struct status *s, long long id, const char *job, const char *outcome)
{
	s->runs = xrealloc(s->runs, (s->nruns + 1) * sizeof(*s->runs));
	s->runs[s->nruns].id = id;
	s->runs[s->nruns].job = xstrdup(job);
	s->runs[s->nruns++].outcome = xstrdup(outcome);
}

static int
cmp_run(const void *a, const void *b)
{
	const struct st_run *x = a, *y = b;
	int c = strcmp(x->job, y->job);

	return c != 0 ? c : x->id < y->id ? -1 : x->id > y->id;
}

/*
 * The run log from the start: each run's job, the failures no later
 * success of their job (or clear) answered, the runs to list, and the
 * per-run checks of those listed.
 */
static int
scan_runs(struct status *s, struct sbuf *why)
{
	sqlite3_stmt *st, *each;
	struct job *jobs = NULL, *j;
	struct sbuf name;
	long long *ids = NULL, id;
	long *jix = NULL;
	size_t njobs = 0, n = 0, cap = 0, i;
	const char *tool, *src, *outcome, *started;

	if ((st = db_prepare(s->db, "SELECT r.id, r.tool, s.name, r.args, "
	    "r.outcome, r.pid, r.started_at, r.message, r.rows_in, "
	    "r.rows_rejected, r.source_id FROM run r LEFT JOIN source s "
	    "ON s.id = r.source_id ORDER BY r.id", why)) == NULL)
		return -1;
	if ((each = db_prepare(s->db, "SELECT value FROM json_each(?)",
	    why)) == NULL) {
		sqlite3_finalize(st);
		return -1;
	}
	sb_init(&name);
	while (sqlite3_step(st) == SQLITE_ROW) {
		id = sqlite3_column_int64(st, 0);
		tool = (const char *)sqlite3_column_text(st, 1);
		src = (const char *)sqlite3_column_text(st, 2);
		started = (const char *)sqlite3_column_text(st, 6);
		outcome = outcome_of((const char *)sqlite3_column_text(st, 4),
		    sqlite3_column_int64(st, 5));
		run_job(each, tool, (const char *)sqlite3_column_text(st, 3),
		    src, &name);
		j = job_find(&jobs, &njobs, name.buf, src);
		j->last = id;
		if (n == cap) {
			cap = cap ? 2 * cap : 1024;
			ids = xrealloc(ids, cap * sizeof(*ids));
			jix = xrealloc(jix, cap * sizeof(*jix));
		}
		ids[n] = id;
		jix[n++] = (long)(j - jobs);
		if (is_success(outcome)) {
			j->fail = j->nfail = 0;
			if (!strcmp(tool, "cdp-status") && !strncmp(name.buf,
			    "cdp-status clear", 16))
				clear_jobs(each, (const char *)
				    sqlite3_column_text(st, 3), jobs, ids, jix,
				    n);
		} else if (is_failure(outcome)) {
			j->fail = id;
			j->nfail++;
			free(j->evidence);
			sb_reset(&s->b);
			sb_addf(&s->b, "%s %s at %s", name.buf, outcome,
			    started);
			if (sqlite3_column_text(st, 7) != NULL)
				sb_addf(&s->b, ": %s", (const char *)
				    sqlite3_column_text(st, 7));
			j->evidence = xstrdup(s->b.buf);
		} else if (!strcmp(tool, "cdp-ingest")) {
			outcome = "live";
			live_rate(s, id, src, started);
		}
		if (s->since != NULL && started != NULL &&
		    strcmp(started, s->since) >= 0) {
			list_run(s, id, name.buf, outcome);
			check_ingest(s, st, outcome);
		}
	}
	sqlite3_finalize(st);
	/* Without --since: the last run of each job, checked. */
	if (s->since == NULL && njobs > 0 && (st = db_prepare(s->db,
	    "SELECT r.id, r.tool, s.name, r.args, r.outcome, r.pid, "
	    "r.started_at, r.message, r.rows_in, r.rows_rejected, "
	    "r.source_id FROM run r LEFT JOIN source s ON s.id = r.source_id "
	    "WHERE r.id = ?", why)) != NULL) {
		for (i = 0; i < njobs; i++) {
			sqlite3_bind_int64(st, 1, jobs[i].last);
			if (sqlite3_step(st) != SQLITE_ROW) {
				sqlite3_reset(st);
				continue;
			}
			outcome = outcome_of((const char *)
			    sqlite3_column_text(st, 4),
			    sqlite3_column_int64(st, 5));
			if (!strcmp(outcome, "running") && !strcmp((const char *)
			    sqlite3_column_text(st, 1), "cdp-ingest"))
				outcome = "live";
			list_run(s, jobs[i].last, jobs[i].name, outcome);
			check_ingest(s, st, outcome);
			sqlite3_reset(st);
		}
		sqlite3_finalize(st);
	}
	qsort(s->runs, s->nruns, sizeof(*s->runs), cmp_run);
	/* Failures, in the order their jobs first ran. */
	for (i = 0; i < njobs; i++)
		if (jobs[i].fail > 0) {
			sb_reset(&s->b);
			sb_adds(&s->b, jobs[i].evidence);
			if (jobs[i].nfail > 1)
				sb_addf(&s->b, " (%lld failed runs since its "
				    "last success)", jobs[i].nfail);
			anomaly(s, "failed", jobs[i].source, jobs[i].fail,
			    s->b.buf);
		}
	for (i = 0; i < njobs; i++) {
		free(jobs[i].name);
		free(jobs[i].source);
		free(jobs[i].evidence);
	}
	free(jobs);
	free(ids);
	free(jix);
	sqlite3_finalize(each);
	sb_release(&name);
	return 0;
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

	if (!has_table(s->db, "member") || !has_table(s->db, "state"))
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
		outcome = outcome_of((const char *)sqlite3_column_text(st, 3),
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
	anomaly(s, "identity", NULL, id, s->b.buf);
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
	time_t prev, t, last;
	size_t n, i;
	const char *name;
	int declared;

	if (sqlite3_prepare_v2(s->db, "SELECT id, name, cadence FROM source "
	    "ORDER BY name", -1, &src, NULL) != SQLITE_OK)
		return;
	if (sqlite3_prepare_v2(s->db, "SELECT started_at FROM run WHERE "
	    "tool = 'cdp-ingest' AND source_id = ?1 AND rows_in > 0 AND "
	    "outcome IN ('ok', 'rejects') ORDER BY id DESC LIMIT ?2", -1, &st,
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
		sqlite3_bind_int64(st, 2, (long long)s->th[ST_WINDOW] + 1);
		n = 0;
		last = prev = (time_t)-1;
		while (sqlite3_step(st) == SQLITE_ROW) {
			t = parse_iso((const char *)sqlite3_column_text(st, 0));
			if (t == (time_t)-1)
				continue;
			if (last == (time_t)-1)
				last = t;
			else if (n < 1000)
				gaps[n++] = difftime(prev, t);
			prev = t;
		}
		sqlite3_reset(st);
		if (last == (time_t)-1 || (!declared &&
		    n < (size_t)s->th[ST_HISTORY]))
			continue;
		m = declared ? (double)sqlite3_column_int64(src, 2) :
		    median(gaps, n);
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
			duration(&s->b, silent);
			sb_adds(&s->b, declared ? "; expected every " :
			    "; usually every ");
			duration(&s->b, m);
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
					duration(&s->b, dev);
				sb_adds(&s->b, " of it");
			}
			sb_adds(&s->b, ")");
			sb_addf(&s->b, "; %.0f deliver%s missed",
			    floor(silent / m), floor(silent / m) < 2 ?
			    "y" : "ies");
			anomaly(s, "stale", name, 0, s->b.buf);
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

	if (!has_table(s->db, "catalog_run"))
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
		anomaly(s, "drift", d[i].source, d[i].run, s->b.buf);
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

	if (!has_table(s->db, "segment") || !has_table(s->db,
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
		anomaly(s, "segment_jump", NULL, run, s->b.buf);
	}
	sqlite3_finalize(st);
}

int
status_check(struct status *s, struct sbuf *why)
{
	if (scan_runs(s, why) == -1)
		return -1;
	identity(s);
	stale(s);
	drift(s);
	segments(s);
	return 0;
}

int
status_failed(sqlite3 *db, long long run, struct sbuf *job)
{
	sqlite3_stmt *st, *each;
	int r = 0;

	if (sqlite3_prepare_v2(db, "SELECT r.tool, r.args, s.name, "
	    "r.outcome, r.pid FROM run r LEFT JOIN source s ON s.id = "
	    "r.source_id WHERE r.id = ?", -1, &st, NULL) != SQLITE_OK)
		return 0;
	if (sqlite3_prepare_v2(db, "SELECT value FROM json_each(?)", -1,
	    &each, NULL) != SQLITE_OK) {
		sqlite3_finalize(st);
		return 0;
	}
	sqlite3_bind_int64(st, 1, run);
	if (sqlite3_step(st) == SQLITE_ROW && is_failure(outcome_of(
	    (const char *)sqlite3_column_text(st, 3),
	    sqlite3_column_int64(st, 4)))) {
		run_job(each, (const char *)sqlite3_column_text(st, 0),
		    (const char *)sqlite3_column_text(st, 1),
		    (const char *)sqlite3_column_text(st, 2), job);
		r = 1;
	}
	sqlite3_finalize(each);
	sqlite3_finalize(st);
	return r;
}
