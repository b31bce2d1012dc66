/*
 * cdp-status - what ran last, and whether anything looks wrong: the
 * exit status a cron job mails a person on.
 *
 * Everything comes from the run log that every writing tool keeps
 * (common/store/run_log.c), the catalog (drift) and the segment tables.  An
 * anomaly is always printed with its evidence (the figures it was
 * judged on), so the reader can decide whether to act.  Each check is a
 * comparison with the source's own history, not with fixed numbers: a
 * source that sends 100 records on a good night and one that sends a
 * million are judged alike.
 */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "catalog/catalog.h"
#include "core/cli.h"
#include "io/table.h"
#include "normalise/normalise.h"
#include "store/bulk_load.h"
#include "store/database.h"

static void __attribute__((noreturn))
usage(void)
{
	fprintf(cli_usage_out(),
	    "usage: %s [-c CONF] [-d DB] [-f table|ndjson] "
	    "[-o NAME=VALUE]... [--since DATE]\n", progname);
	cli_usage_exit();
}

/* Thresholds, settable with -c CONF and -o NAME=VALUE. */
static struct {
	const char *name;
	double	 v;
	double	 min, max;
} th[] = {
	{ "reject_rate", 0.05, 0, 1 },	/* rejected / read above this */
	{ "volume_low", 0.5, 0, 1 },	/* rows below this x the median */
	{ "volume_high", 2, 1, 1e9 },	/* rows above this x the median */
	{ "window", 7, 1, 1000 },	/* runs in the trailing median */
	{ "min_history", 3, 1, 1000 },	/* runs needed before judging */
	{ "stale_factor", 2, 1, 1e6 },	/* silence above this x the interval */
	{ "segment_jump", 0.5, 0, 1e9 },	/* relative size change */
	{ "segment_min", 10, 0, 1e12 },	/* and at least this many profiles */
};
enum { T_REJECT, T_LOW, T_HIGH, T_WINDOW, T_HISTORY, T_STALE, T_SEGJUMP,
    T_SEGMIN, T_N };

static int
set_threshold(const char *spec, struct sbuf *why)
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
	for (i = 0; i < T_N; i++)
		if (strlen(th[i].name) == n && !strncmp(spec, th[i].name, n))
			break;
	if (i == T_N) {
		sb_addf(why, "unknown threshold %s", quote_value(spec, n));
		return -1;
	}
	errno = 0;
	v = strtod(eq + 1, &end);
	while (*end == ' ' || *end == '\t')
		end++;
	if (errno != 0 || end == eq + 1 || *end != '\0' || !isfinite(v) ||
	    v < th[i].min || v > th[i].max) {
		sb_addf(why, "threshold %s: %s is not a number in %g..%g",
		    th[i].name, quote_value(eq + 1, strlen(eq + 1)), th[i].min,
		    th[i].max);
		return -1;
	}
	th[i].v = v;
	return 0;
}

static void
load_conf(const char *path)
{
	struct sbuf why;
	FILE *fp;
	char *line = NULL, *p;
	size_t cap = 0;
	ssize_t len;
	long lineno = 0;

	if ((fp = fopen(path, "r")) == NULL)
		die(EXIT_USAGE, "%s: %s", path, strerror(errno));
	sb_init(&why);
	while ((len = getline(&line, &cap, fp)) != -1) {
		lineno++;
		while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'
		    || line[len - 1] == ' '))
			line[--len] = '\0';
		for (p = line; *p == ' ' || *p == '\t'; p++)
			;
		if (*p == '\0' || *p == '#')
			continue;
		if (set_threshold(p, &why) == -1)
			die(EXIT_USAGE, "%s:%ld: %s", path, lineno, why.buf);
	}
	free(line);
	fclose(fp);
	sb_release(&why);
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
	if (s >= 86400)
		sb_addf(b, "%.1f days", s / 86400);
	else if (s >= 2 * 3600)
		sb_addf(b, "%.1f hours", s / 3600);
	else
		sb_addf(b, "%.0f minutes", s / 60);
}

struct st {
	sqlite3	*db;
	struct tab an;		/* anomalies */
	long	 nan;
	const char *since;	/* normalised --since, or NULL */
	time_t	 now;
	struct sbuf b;
};

static void
anomaly(struct st *s, const char *kind, const char *source, long long run,
    const char *evidence)
{
	tab_str(&s->an, "anomaly");
	tab_str(&s->an, kind);
	tab_str(&s->an, source);
	if (run > 0)
		tab_int(&s->an, run);
	else
		tab_null(&s->an);
	tab_str(&s->an, evidence);
	tab_row(&s->an);
	s->nan++;
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

/* Whether a run marked running has lost its process. */
static int
interrupted(sqlite3_stmt *st, int col_outcome, int col_pid)
{
	const char *o = (const char *)sqlite3_column_text(st, col_outcome);
	long long pid = sqlite3_column_int64(st, col_pid);

	if (o == NULL || strcmp(o, "running") != 0)
		return 0;
	return pid <= 0 || (kill((pid_t)pid, 0) == -1 && errno == ESRCH);
}

/* Volume against the trailing median of the source's completed runs. */
static void
check_volume(struct st *s, long long run, long long sid, const char *src,
    long long rows)
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
	sqlite3_bind_int64(st, 3, (long long)th[T_WINDOW].v);
	while (sqlite3_step(st) == SQLITE_ROW && n < 1000)
		v[n++] = (double)sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	if (n < (size_t)th[T_HISTORY].v)
		return;
	m = median(v, n);
	sb_reset(&s->b);
	if ((double)rows < th[T_LOW].v * m) {
		sb_addf(&s->b, "%lld records read, below %g x the median of "
		    "%g of the %zu runs before", rows, th[T_LOW].v, m, n);
		anomaly(s, "volume_low", src, run, s->b.buf);
	} else if ((double)rows > th[T_HIGH].v * m) {
		sb_addf(&s->b, "%lld records read, above %g x the median of "
		    "%g of the %zu runs before", rows, th[T_HIGH].v, m, n);
		anomaly(s, "volume_high", src, run, s->b.buf);
	}
}

static const char *const run_cols[] = {
	"record", "run", "tool", "source", "started", "seconds", "in", "ok",
	"rejected", "outcome",
};

/* The runs, and the checks that look at one run at a time. */
static void
runs(struct st *s, int fmt)
{
	struct tab t;
	sqlite3_stmt *st;
	const char *outcome, *src;
	long long id, rin, rej;

	if (sqlite3_prepare_v2(s->db, "SELECT r.id, r.tool, s.name, "
	    "r.started_at, r.seconds, r.rows_in, r.rows_ok, r.rows_rejected, "
	    "r.outcome, r.pid, r.source_id, r.message FROM run r "
	    "LEFT JOIN source s ON s.id = r.source_id WHERE CASE WHEN ?1 IS NULL "
	    "THEN r.id IN (SELECT max(id) FROM run GROUP BY tool, source_id) "
	    "ELSE r.started_at >= ?1 END ORDER BY r.tool, s.name, r.id", -1,
	    &st, NULL) != SQLITE_OK)
		die(EXIT_FAIL, "run log: %s", sqlite3_errmsg(s->db));
	if (s->since != NULL)
		sqlite3_bind_text(st, 1, s->since, -1, SQLITE_STATIC);
	tab_init(&t, stdout, fmt, run_cols, 10);
	tab_table_cols(&t, "run tool source started seconds in ok rejected "
	    "outcome");
	while (sqlite3_step(st) == SQLITE_ROW) {
		id = sqlite3_column_int64(st, 0);
		src = (const char *)sqlite3_column_text(st, 2);
		rin = sqlite3_column_int64(st, 5);
		rej = sqlite3_column_int64(st, 7);
		outcome = interrupted(st, 8, 9) ? "interrupted" :
		    (const char *)sqlite3_column_text(st, 8);
		tab_str(&t, "run");
		tab_int(&t, id);
		tab_str(&t, (const char *)sqlite3_column_text(st, 1));
		tab_str(&t, src);
		tab_str(&t, (const char *)sqlite3_column_text(st, 3));
		if (sqlite3_column_type(st, 4) == SQLITE_NULL)
			tab_null(&t);
		else
			tab_real(&t, sqlite3_column_double(st, 4), 1);
		tab_int(&t, rin);
		tab_int(&t, sqlite3_column_int64(st, 6));
		tab_int(&t, rej);
		tab_str(&t, outcome);
		tab_row(&t);

		sb_reset(&s->b);
		if (!strcmp(outcome, "failed") || !strcmp(outcome,
		    "interrupted")) {
			sb_addf(&s->b, "%s %s at %s", (const char *)
			    sqlite3_column_text(st, 1), outcome,
			    (const char *)sqlite3_column_text(st, 3));
			if (sqlite3_column_text(st, 11) != NULL)
				sb_addf(&s->b, ": %s", (const char *)
				    sqlite3_column_text(st, 11));
			anomaly(s, "failed", src, id, s->b.buf);
			continue;
		}
		if (strcmp((const char *)sqlite3_column_text(st, 1),
		    "cdp-ingest") != 0 || !strcmp(outcome, "running"))
			continue;
		if (rin > 0 && (double)rej > th[T_REJECT].v * (double)rin) {
			sb_addf(&s->b, "%lld of %lld records rejected (%.1f%%, "
			    "above %.1f%%)", rej, rin, 100.0 * (double)rej /
			    (double)rin, 100 * th[T_REJECT].v);
			anomaly(s, "reject_rate", src, id, s->b.buf);
		}
		check_volume(s, id, sqlite3_column_int64(st, 10), src, rin);
	}
	sqlite3_finalize(st);
	tab_flush(&t);
	tab_release(&t);
}

/*
 * Identity resolution left behind: a cdp-match or cdp-merge run failed
 * (or was killed) since the last cdp-merge that applied a complete pair
 * stream (the state key cdp-merge.applied, common/merge/clustering.h), and
 * records wait for the next cdp-match | cdp-merge.
 */
static void
identity(struct st *s)
{
	sqlite3_stmt *st;
	long long id = 0, pending = -1;
	const char *tool = NULL, *outcome = NULL;

	if (!has_table(s->db, "member") || !has_table(s->db, "state"))
		return;
	if (sqlite3_prepare_v2(s->db, "SELECT id, tool, started_at, outcome, "
	    "pid FROM run WHERE tool IN ('cdp-match', 'cdp-merge') "
	    "AND outcome NOT IN ('ok', 'rejects') AND id > coalesce((SELECT "
	    "value FROM state WHERE key = 'cdp-merge.applied'), 0) "
	    "ORDER BY id DESC", -1, &st, NULL) != SQLITE_OK)
		return;
	sb_reset(&s->b);
	while (sqlite3_step(st) == SQLITE_ROW) {
		outcome = interrupted(st, 3, 4) ? "interrupted" :
		    (const char *)sqlite3_column_text(st, 3);
		if (strcmp(outcome, "running") == 0)
			continue;
		id = sqlite3_column_int64(st, 0);
		tool = (const char *)sqlite3_column_text(st, 1);
		sb_addf(&s->b, "%s %s at %s", tool, outcome,
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
	/* Nothing left behind: the failure alone is reported, by runs. */
	if (pending == 0)
		return;
	sb_addf(&s->b, ", after the last complete cdp-match | cdp-merge: "
	    "%lld record%s wait for identity resolution", pending,
	    pending == 1 ? "" : "s");
	anomaly(s, "identity", NULL, id, s->b.buf);
}

/*
 * A first load killed in bulk (store/bulk_load.h): its records are
 * stored without their identifiers, invisible to identity resolution,
 * until the next writing tool's db_open completes the load.  While the
 * load still runs that is its normal state, not an anomaly.
 */
static void
bulk(struct st *s)
{
	sqlite3_stmt *st;
	long long n, id = 0;
	const char *src = NULL;

	if (bulk_unfinished(s->db, &n, &s->b) != 1)
		return;
	sb_reset(&s->b);
	if (sqlite3_prepare_v2(s->db, "SELECT r.id, s.name, r.started_at, "
	    "r.outcome, r.pid FROM run r LEFT JOIN source s ON s.id = "
	    "r.source_id WHERE r.tool = 'cdp-ingest' ORDER BY r.id DESC "
	    "LIMIT 1", -1, &st, NULL) != SQLITE_OK)
		return;
	if (sqlite3_step(st) == SQLITE_ROW) {
		if (strcmp((const char *)sqlite3_column_text(st, 3),
		    "running") == 0 && !interrupted(st, 3, 4)) {
			sqlite3_finalize(st);
			return;
		}
		id = sqlite3_column_int64(st, 0);
		src = (const char *)sqlite3_column_text(st, 1);
		sb_addf(&s->b, "cdp-ingest interrupted in a bulk load at %s: ",
		    (const char *)sqlite3_column_text(st, 2));
	}
	sb_addf(&s->b, "%lld record%s stored without their identifiers; "
	    "the next writing tool completes the load", n, n == 1 ? "" : "s");
	anomaly(s, "bulk_load", src, id, s->b.buf);
	sqlite3_finalize(st);
}

/* Sources silent for longer than their usual interval. */
static void
stale(struct st *s)
{
	sqlite3_stmt *src, *st;
	double gaps[1000], m, silent;
	time_t prev, t, last;
	size_t n;

	if (sqlite3_prepare_v2(s->db, "SELECT id, name FROM source ORDER BY "
	    "name", -1, &src, NULL) != SQLITE_OK)
		return;
	if (sqlite3_prepare_v2(s->db, "SELECT started_at FROM run WHERE "
	    "tool = 'cdp-ingest' AND source_id = ?1 AND rows_in > 0 AND "
	    "outcome IN ('ok', 'rejects') ORDER BY id DESC LIMIT ?2", -1, &st,
	    NULL) != SQLITE_OK) {
		sqlite3_finalize(src);
		return;
	}
	while (sqlite3_step(src) == SQLITE_ROW) {
		sqlite3_bind_int64(st, 1, sqlite3_column_int64(src, 0));
		sqlite3_bind_int64(st, 2, (long long)th[T_WINDOW].v + 1);
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
		if (n < (size_t)th[T_HISTORY].v)
			continue;
		m = median(gaps, n);
		silent = difftime(s->now, last);
		if (m > 0 && silent > th[T_STALE].v * m) {
			sb_reset(&s->b);
			sb_adds(&s->b, "no data for ");
			duration(&s->b, silent);
			sb_adds(&s->b, "; usually every ");
			duration(&s->b, m);
			sb_addf(&s->b, " (median of the last %zu intervals)", n);
			anomaly(s, "stale", (const char *)
			    sqlite3_column_text(src, 1), 0, s->b.buf);
		}
	}
	sqlite3_finalize(st);
	sqlite3_finalize(src);
}

static void
drift(struct st *s)
{
	static const char *const what[] = { "new", "missing", "type" };
	struct cat_drift *d;
	struct sbuf why;
	size_t n, i, j;

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
		for (j = i; j < n && !strcmp(d[j].source, d[i].source); j++) {
			sb_addf(&s->b, "%s%s %s", j > i ? "; " : "",
			    what[d[j].change], d[j].field);
			if (d[j].change == CAT_DRIFT_TYPE)
				sb_addf(&s->b, " %s -> %s", d[j].was, d[j].now);
		}
		sb_addf(&s->b, " (run %lld against run %lld)", d[i].run,
		    d[i].prev);
		anomaly(s, "drift", d[i].source, d[i].run, s->b.buf);
	}
	cat_drift_free(d, n);
	sb_release(&why);
}

/* Segments whose size jumped at their last evaluation. */
static void
segments(struct st *s)
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
		if ((double)llabs(size - before) < th[T_SEGMIN].v)
			continue;
		rel = before > 0 ? fabs((double)(size - before)) /
		    (double)before : HUGE_VAL;
		if (rel <= th[T_SEGJUMP].v)
			continue;
		sb_reset(&s->b);
		sb_addf(&s->b, "segment %s: %lld profiles after %lld (%lld "
		    "entered, %lld left)", (const char *)
		    sqlite3_column_text(st, 0), size, before, in, out);
		anomaly(s, "segment_jump", NULL, run, s->b.buf);
	}
	sqlite3_finalize(st);
}

static const char *const an_cols[] = {
	"record", "kind", "source", "run", "evidence",
};

int
main(int argc, char *argv[])
{
	static const struct option longopts[] = {
		{ "since", required_argument, NULL, 'S' },
		CLI_LONGOPTS,
		{ NULL, 0, NULL, 0 }
	};
	struct st s;
	struct sbuf why, ts;
	const char *dbopt = NULL;
	int ch, fmt = TAB_TABLE;

	set_progname(argv[0]);
	memset(&s, 0, sizeof(s));
	sb_init(&why);
	sb_init(&ts);
	sb_init(&s.b);
	while ((ch = getopt_long(argc, argv, "c:d:f:ho:V", longopts,
	    NULL)) != -1) {
		switch (ch) {
		case 'c':
			load_conf(optarg);
			break;
		case 'd':
			dbopt = optarg;
			break;
		case 'f':
			if ((fmt = tab_format(optarg, 1 << TAB_TABLE |
			    1 << TAB_NDJSON)) == -1)
				die(EXIT_USAGE, "format must be table or ndjson");
			break;
		case 'h':
			cli_help = 1;
			usage();
		case 'o':
			if (set_threshold(optarg, &why) == -1)
				die(EXIT_USAGE, "%s", why.buf);
			break;
		case 'S':
			if (norm_ts(optarg, strlen(optarg), NULL, &ts) !=
			    NORM_OK)
				die(EXIT_USAGE, "invalid date %s",
				    quote_value(optarg, strlen(optarg)));
			s.since = ts.buf;
			break;
		case 'V':
			printf("cdp-status %s\n", CDP_VERSION);
			check_stdout();
			exit(0);
		default:
			usage();
		}
	}
	if (optind != argc)
		usage();
	if (db_open(db_path(dbopt), DB_RDONLY, &s.db, &why) == -1)
		die(EXIT_FAIL, "%s", why.buf);
	s.now = time(NULL);
	tab_init(&s.an, stdout, fmt, an_cols, 5);
	tab_table_cols(&s.an, "kind source run evidence");
	/* The run table first; anomalies are kept and printed after it. */
	runs(&s, fmt);
	identity(&s);
	bulk(&s);
	stale(&s);
	drift(&s);
	segments(&s);
	if (fmt == TAB_TABLE) {
		if (s.nan == 0)
			printf("\nno anomalies\n");
		else
			printf("\n%ld anomal%s:\n", s.nan, s.nan == 1 ? "y" :
			    "ies");
	}
	if (s.nan > 0)
		tab_flush(&s.an);
	tab_release(&s.an);
	db_close(s.db);
	sb_release(&why);
	sb_release(&ts);
	sb_release(&s.b);
	check_stdout();
	return s.nan > 0 ? EXIT_ANOMALY : EXIT_OK;
}
