/*
 * cdp-status - what ran last, and whether anything looks wrong: the
 * exit status a cron job mails a person on.
 *
 * The checks are status/anomaly.c's, shared with cdp-report: this file
 * prints the last run of each job, the live ingests with their rate and
 * the anomalies with their evidence, and writes the two things a person
 * tells cdp-status: that a failure is dealt with (clear), and when a
 * source is expected to deliver (expect).
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/cli.h"
#include "io/table.h"
#include "normalise/normalise.h"
#include "status/anomaly.h"
#include "store/database.h"
#include "store/run_log.h"

static void __attribute__((noreturn))
usage(void)
{
	fprintf(cli_usage_out(),
	    "usage: %s [-c CONF] [-d DB] [-f table|ndjson] "
	    "[-o NAME=VALUE]... [--as-of DATE]\n"
	    "           [--since DATE]\n"
	    "       %s [-d DB] clear RUN ...\n"
	    "       %s [-d DB] expect SOURCE PERIOD|none\n", progname,
	    progname, progname);
	cli_usage_exit();
}

static void
load_conf(struct status *s, const char *path)
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
		if (status_threshold(s, p, &why) == -1)
			die(EXIT_USAGE, "%s:%ld: %s", path, lineno, why.buf);
	}
	free(line);
	fclose(fp);
	sb_release(&why);
}

/* A date or an ISO 8601 time, normalised into ts; its time in *t. */
static void
parse_date(const char *opt, const char *arg, struct sbuf *ts, time_t *t)
{
	time_t v;

	if (norm_ts(arg, strlen(arg), NULL, ts) != NORM_OK ||
	    (v = parse_iso(ts->buf)) == (time_t)-1)
		die(EXIT_USAGE, "%s: invalid date %s", opt,
		    quote_value(arg, strlen(arg)));
	if (t != NULL)
		*t = v;
}

static const char *const run_cols[] = {
	"record", "run", "tool", "source", "started", "seconds", "in", "ok",
	"rejected", "outcome", "job",
};

static void
print_runs(struct status *s, int fmt)
{
	struct tab t;
	sqlite3_stmt *st;
	size_t i;

	if ((st = db_prepare(s->db, "SELECT r.tool, s.name, r.started_at, "
	    "r.seconds, r.rows_in, r.rows_ok, r.rows_rejected FROM run r "
	    "LEFT JOIN source s ON s.id = r.source_id WHERE r.id = ?",
	    &s->b)) == NULL)
		die(EXIT_FAIL, "run log: %s", s->b.buf);
	tab_init(&t, stdout, fmt, run_cols, 11);
	tab_table_cols(&t, "run started seconds in ok rejected outcome job");
	for (i = 0; i < s->nruns; i++) {
		sqlite3_bind_int64(st, 1, s->runs[i].id);
		if (sqlite3_step(st) == SQLITE_ROW) {
			tab_str(&t, "run");
			tab_int(&t, s->runs[i].id);
			tab_str(&t, (const char *)sqlite3_column_text(st, 0));
			tab_str(&t, (const char *)sqlite3_column_text(st, 1));
			tab_str(&t, (const char *)sqlite3_column_text(st, 2));
			if (sqlite3_column_type(st, 3) == SQLITE_NULL)
				tab_null(&t);
			else
				tab_real(&t, sqlite3_column_double(st, 3), 1);
			tab_int(&t, sqlite3_column_int64(st, 4));
			tab_int(&t, sqlite3_column_int64(st, 5));
			tab_int(&t, sqlite3_column_int64(st, 6));
			tab_str(&t, s->runs[i].outcome);
			tab_str(&t, s->runs[i].job);
			tab_row(&t);
		}
		sqlite3_reset(st);
	}
	sqlite3_finalize(st);
	tab_flush(&t);
	tab_release(&t);
}

static const char *const live_cols[] = {
	"record", "run", "source", "stored", "per_minute", "minutes",
};

static void
print_live(struct status *s, int fmt)
{
	struct tab t;
	size_t i;

	if (s->nlive == 0)
		return;
	if (fmt == TAB_TABLE)
		printf("\n%zu live ingest%s:\n", s->nlive, s->nlive == 1 ? "" :
		    "s");
	tab_init(&t, stdout, fmt, live_cols, 6);
	tab_table_cols(&t, "run source stored per_minute minutes");
	for (i = 0; i < s->nlive; i++) {
		tab_str(&t, "live");
		tab_int(&t, s->live[i].run);
		tab_str(&t, s->live[i].source);
		tab_int(&t, s->live[i].rows);
		tab_real(&t, s->live[i].per_minute, 1);
		tab_real(&t, s->live[i].minutes, 1);
		tab_row(&t);
	}
	tab_flush(&t);
	tab_release(&t);
}

static const char *const an_cols[] = {
	"record", "kind", "source", "run", "evidence",
};

static void
print_anomalies(struct status *s, int fmt)
{
	struct tab t;
	size_t i;

	if (fmt == TAB_TABLE) {
		if (s->nan == 0)
			printf("\nno anomalies\n");
		else
			printf("\n%zu anomal%s:\n", s->nan, s->nan == 1 ? "y" :
			    "ies");
	}
	tab_init(&t, stdout, fmt, an_cols, 5);
	tab_table_cols(&t, "kind source run evidence");
	for (i = 0; i < s->nan; i++) {
		tab_str(&t, "anomaly");
		tab_str(&t, s->an[i].kind);
		tab_str(&t, s->an[i].source);
		if (s->an[i].run > 0)
			tab_int(&t, s->an[i].run);
		else
			tab_null(&t);
		tab_str(&t, s->an[i].evidence);
		tab_row(&t);
	}
	if (s->nan > 0)
		tab_flush(&t);
	tab_release(&t);
}

/* clear RUN ...: each a failure, dealt with; logged as a run. */
static int
clear(const char *dbopt, int argc, char **argv)
{
	struct sbuf why, job, msg;
	struct run run;
	sqlite3 *db;
	const char *errstr;
	char **logargs;
	long long id;
	int i;

	if (argc < 2)
		usage();
	sb_init(&why);
	sb_init(&job);
	sb_init(&msg);
	for (i = 1; i < argc; i++)
		if (parse_ll(argv[i], 1, LLONG_MAX, &id, &errstr) == -1)
			die(EXIT_USAGE, "clear: run %s: %s", quote_value(argv[i],
			    strlen(argv[i])), errstr);
	if (db_open(db_path(dbopt), 0, &db, &why) == -1)
		die(EXIT_FAIL, "%s", why.buf);
	sb_adds(&msg, "cleared ");
	for (i = 1; i < argc; i++) {
		(void)parse_ll(argv[i], 1, LLONG_MAX, &id, &errstr);
		if (!status_failed(db, id, &job))
			die(EXIT_FAIL, "clear: run %lld is not a failure", id);
		sb_addf(&msg, "%s%s", i > 1 ? "; " : "", job.buf);
	}
	/* Logged as ["cdp-status", "clear", RUN...]: what the checks read. */
	logargs = xrealloc(NULL, ((size_t)argc + 1) * sizeof(*logargs));
	logargs[0] = "cdp-status";
	for (i = 0; i < argc; i++)
		logargs[i + 1] = argv[i];
	if (run_begin(&run, db, "cdp-status", argc + 1, logargs, 0,
	    &why) == -1 || run_end(&run, "ok", msg.buf, &why) == -1)
		die(EXIT_FAIL, "%s", why.buf);
	if (!quiet)
		fprintf(stderr, "%s: %s\n", progname, msg.buf);
	free(logargs);
	db_close(db);
	sb_release(&why);
	sb_release(&job);
	sb_release(&msg);
	return EXIT_OK;
}

/* expect SOURCE PERIOD|none: the source's declared cadence. */
static int
expect(const char *dbopt, int argc, char **argv)
{
	struct sbuf why;
	struct run run;
	sqlite3 *db;
	sqlite3_stmt *st;
	long long secs = 0, sid = 0;
	char *logargs[4];

	if (argc != 3)
		usage();
	if (strcmp(argv[2], "none") != 0 && status_period(argv[2], &secs) ==
	    -1)
		die(EXIT_USAGE, "expect: invalid period %s: a number and m, h, "
		    "d or w (30m, 12h, 1d, 1w), or none",
		    quote_value(argv[2], strlen(argv[2])));
	sb_init(&why);
	if (db_open(db_path(dbopt), 0, &db, &why) == -1)
		die(EXIT_FAIL, "%s", why.buf);
	if ((st = db_prepare(db, "SELECT id FROM source WHERE name = ?",
	    &why)) == NULL)
		die(EXIT_FAIL, "%s", why.buf);
	sqlite3_bind_text(st, 1, argv[1], -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW)
		sid = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	if (sid == 0)
		die(EXIT_FAIL, "expect: no source %s",
		    quote_value(argv[1], strlen(argv[1])));
	logargs[0] = "cdp-status";
	logargs[1] = argv[0];
	logargs[2] = argv[1];
	logargs[3] = argv[2];
	if (run_begin(&run, db, "cdp-status", 4, logargs, sid, &why) == -1 ||
	    (st = db_prepare(db, "UPDATE source SET cadence = ?1 WHERE id = "
	    "?2", &why)) == NULL)
		die(EXIT_FAIL, "%s", why.buf);
	if (secs > 0)
		sqlite3_bind_int64(st, 1, secs);
	sqlite3_bind_int64(st, 2, sid);
	if (sqlite3_step(st) != SQLITE_DONE) {
		sb_adds(&why, sqlite3_errmsg(db));
		sqlite3_finalize(st);
		(void)run_end(&run, "failed", why.buf, &why);
		die(EXIT_FAIL, "expect: %s", sqlite3_errmsg(db));
	}
	sqlite3_finalize(st);
	if (run_end(&run, "ok", NULL, &why) == -1)
		die(EXIT_FAIL, "%s", why.buf);
	db_close(db);
	sb_release(&why);
	return EXIT_OK;
}

int
main(int argc, char *argv[])
{
	static const struct option longopts[] = {
		{ "as-of", required_argument, NULL, 'A' },
		{ "since", required_argument, NULL, 'S' },
		CLI_LONGOPTS,
		{ NULL, 0, NULL, 0 }
	};
	struct status s;
	struct sbuf why, ts, asof;
	const char *dbopt = NULL;
	sqlite3 *db;
	time_t now = time(NULL);
	int ch, fmt = TAB_TABLE, rc;

	set_progname(argv[0]);
	sb_init(&why);
	sb_init(&ts);
	sb_init(&asof);
	status_init(&s, NULL, now);
	while ((ch = getopt_long(argc, argv, "+c:d:f:ho:V", longopts,
	    NULL)) != -1) {
		switch (ch) {
		case 'A':
			parse_date("--as-of", optarg, &asof, &s.now);
			break;
		case 'c':
			load_conf(&s, optarg);
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
			if (status_threshold(&s, optarg, &why) == -1)
				die(EXIT_USAGE, "%s", why.buf);
			break;
		case 'S':
			parse_date("--since", optarg, &ts, NULL);
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
	argc -= optind;
	argv += optind;
	if (argc > 0 && strcmp(argv[0], "clear") == 0)
		rc = clear(dbopt, argc, argv);
	else if (argc > 0 && strcmp(argv[0], "expect") == 0)
		rc = expect(dbopt, argc, argv);
	else if (argc != 0)
		usage();
	else {
		if (db_open(db_path(dbopt), DB_RDONLY, &db, &why) == -1)
			die(EXIT_FAIL, "%s", why.buf);
		s.db = db;
		if (status_check(&s, &why) == -1)
			die(EXIT_FAIL, "run log: %s", why.buf);
		/* The runs first, then the live ingests, then the anomalies. */
		print_runs(&s, fmt);
		print_live(&s, fmt);
		print_anomalies(&s, fmt);
		rc = s.nan > 0 ? EXIT_ANOMALY : EXIT_OK;
		db_close(db);
	}
	status_release(&s);
	sb_release(&why);
	sb_release(&ts);
	sb_release(&asof);
	check_stdout();
	return rc;
}
