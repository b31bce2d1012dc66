/*
 * run_scan.c - the run log read once from its start (status/anomaly.h):
 * the job of each run (job.h), the failures no later success of their
 * job nor a clear answered, the runs to list, the per-run checks of an
 * ingest (rejects and volume) and the rate of a live one.
 */
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "status/anomaly.h"
#include "status/job.h"
#include "status/status_internal.h"
#include "store/database.h"

/* A job and where it stands (status_check's scan of the run log). */
struct job {
	char	*name;
	char	*source;
	long long last;		/* its last run */
	long long fail;		/* its last failure since a success, or 0 */
	long long nfail;	/* failures since its last success */
	char	*evidence;	/* of fail */
};

/* The outcome of a run as it stands: a running one may have died. */
const char *
st_outcome(const char *o, long long pid)
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
	m = st_median(v, n);
	sb_reset(&s->b);
	if ((double)rows < s->th[ST_LOW] * m) {
		sb_addf(&s->b, "%lld records read, below %g x the median of "
		    "%g of the %zu runs before", rows, s->th[ST_LOW], m, n);
		st_anomaly(s, "volume_low", src, run, s->b.buf);
	} else if ((double)rows > s->th[ST_HIGH] * m) {
		sb_addf(&s->b, "%lld records read, above %g x the median of "
		    "%g of the %zu runs before", rows, s->th[ST_HIGH], m, n);
		st_anomaly(s, "volume_high", src, run, s->b.buf);
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
		st_anomaly(s, "reject_rate", src, id, s->b.buf);
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
	if (!st_has_table(s->db, "run_progress") || sqlite3_prepare_v2(s->db,
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
int
st_scan_runs(struct status *s, struct sbuf *why)
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
		outcome = st_outcome((const char *)sqlite3_column_text(st, 4),
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
			outcome = st_outcome((const char *)
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
	if (s->nruns > 0)
		qsort(s->runs, s->nruns, sizeof(*s->runs), cmp_run);
	/* Failures, in the order their jobs first ran. */
	for (i = 0; i < njobs; i++)
		if (jobs[i].fail > 0) {
			sb_reset(&s->b);
			sb_adds(&s->b, jobs[i].evidence);
			if (jobs[i].nfail > 1)
				sb_addf(&s->b, " (%lld failed runs since its "
				    "last success)", jobs[i].nfail);
			st_anomaly(s, "failed", jobs[i].source, jobs[i].fail,
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
	if (sqlite3_step(st) == SQLITE_ROW && is_failure(st_outcome(
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
