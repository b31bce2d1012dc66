/*
 * cdp-segment - named dynamic segments: a condition in the language of
 * cdp-expr(7), stored with what it compiles to, evaluated on demand;
 * each evaluation records who entered and who left, so that exports and
 * campaigns act on the delta.
 *
 * An evaluation compiles every segment first (a bad definition changes
 * nothing), builds the aggregates they need in one pass, then, in one
 * transaction, compares each segment's new members with the stored ones
 * (both in profile order, so a merge) and writes the difference: the
 * reading and writing of the segment tables is in segment/segment.c.
 */
#include <getopt.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/cli.h"
#include "core/util.h"
#include "expr/expr.h"
#include "io/csv_options.h"
#include "io/csv_writer.h"
#include "io/json_writer.h"
#include "io/output_check.h"
#include "normalise/field_map.h"
#include "score/score.h"
#include "segment/segment.h"
#include "store/database.h"
#include "store/id_array.h"
#include "store/run_log.h"

static sqlite3 *db;
static struct run run;
static struct expr_env env;
static struct sbuf why;
static int ndjson;
static struct csvo csvopt;	/* -D, --bom, --crlf, --excel */
static char asof[11];

static void __attribute__((noreturn))
usage(void)
{
	fprintf(cli_usage_out(),
	    "usage: %s [-qv] [-d DB] define NAME EXPRESSION\n"
	    "       %s [-qv] [-d DB] [-f csv|ndjson] [--as-of DATE] "
	    CSVO_USAGE " preview EXPRESSION\n"
	    "       %s [-qv] [-d DB] [-f csv|ndjson] " CSVO_USAGE " list\n"
	    "       %s [-qv] [-d DB] [--as-of DATE] eval [NAME ...]\n"
	    "       %s [-qv] [-d DB] [-f csv|ndjson] " CSVO_USAGE
	    " members NAME\n"
	    "       %s [-qv] [-d DB] changes NAME [--run N]\n"
	    "       %s [-qv] [-d DB] drop NAME\n",
	    progname, progname, progname, progname, progname, progname,
	    progname);
	cli_usage_exit();
}

/* A failure after the run began: roll back, log it, exit 1. */
static void __attribute__((noreturn, format(printf, 1, 2)))
fail(const char *fmt, ...)
{
	va_list ap;
	char msg[1024];

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (db != NULL) {
		db_rollback(db);
		if (run.id > 0)
			run_end(&run, "failed", msg, &why);
	}
	die(EXIT_FAIL, "%s", msg);
}

static void __attribute__((noreturn))
dbfail(const char *what)
{
	fail("%s: %s", what, sqlite3_errmsg(db));
}

static sqlite3_stmt *
prep(const char *sql)
{
	sqlite3_stmt *st;

	if ((st = db_prepare(db, sql, &why)) == NULL)
		fail("%s", why.buf);
	return st;
}

static int
valid_name(const char *s)
{
	size_t i;

	if (!(*s >= 'a' && *s <= 'z') && *s != '_')
		return 0;
	for (i = 0; s[i] != '\0'; i++)
		if (!(s[i] >= 'a' && s[i] <= 'z') && !(s[i] >= '0' &&
		    s[i] <= '9') && s[i] != '_')
			return 0;
	return i <= 64;
}

/* The segments named, or all; sorted by name.  Unknown names: exit 1. */
static struct seg *
load(char **names, int n, size_t *count)
{
	struct seg *s;

	if (seg_load(db, &env, names, n, &s, count, &why) == -1)
		fail("%s", why.buf);
	return s;
}

/* Compile a definition as segment name; a message says where it failed. */
static void
compile(const char *name, const char *def, struct expr_prog *p)
{
	env.self = name;
	if (expr_compile(&env, def, strlen(def), 1, 1, p, &why) == -1)
		fail("%s", why.buf);
	env.self = NULL;
	if (p->type != ET_BOOL)
		fail("1:1: a segment is a condition, not %s",
		    p->type == ET_NUM ? "a number" : p->type == ET_TEXT ?
		    "text" : p->type == ET_DATE ? "a date" : "a value");
}

static void
cmd_define(const char *name, const char *def, int argc, char **argv)
{
	struct seg trial;
	struct seg_ids *ids;
	struct expr_prog p;
	struct sbuf sql, par;
	sqlite3_stmt *st;
	char now[32];
	size_t i;

	if (!valid_name(name))
		die(EXIT_USAGE, "invalid segment name %s: lower-case letters, "
		    "digits and '_', at most 64", quote_value(name,
		    strlen(name)));
	if (utf8_check(def, strlen(def)) != -1)
		die(EXIT_FAIL, "the definition is not valid UTF-8");
	memset(&trial, 0, sizeof(trial));
	expr_env_set_segment(&env, name, def);
	expr_prog_init(&p);
	compile(name, def, &p);
	/* the segments using this one must still compile with it */
	for (i = 0; i < env.nseg; i++) {
		struct expr_prog q;

		/* (only those that may name it: a broken one that does
		 * not stops no definition) */
		if (strcmp(env.seg[i], name) == 0 ||
		    strstr(env.segdef[i], name) == NULL)
			continue;
		expr_prog_init(&q);
		env.self = env.seg[i];
		if (expr_compile(&env, env.segdef[i], strlen(env.segdef[i]),
		    1, 1, &q, &why) == -1)
			fail("segment \"%s\" would no longer work: %s",
			    env.seg[i], why.buf);
		env.self = NULL;
		expr_prog_release(&q);
	}
	/*
	 * Evaluated once on this store before it is stored: a definition
	 * SQLite cannot run (an overflow, a statement too deep) is refused
	 * now, not at every eval.
	 */
	trial.name = (char *)name;
	trial.prog = p;
	if (expr_materialize(&env, &why) == -1 ||
	    (ids = seg_members_now(&env, &trial, 1, &why)) == NULL)
		die(EXIT_FAIL, "%s: refused: it fails on this store: %s", name,
		    why.buf);
	free(ids[0].v);
	free(ids);
	sb_init(&sql);
	sb_init(&par);
	expr_explain(&env, &p, EXPR_FILTER, &sql, &par);
	if (run_begin(&run, db, "cdp-segment", argc, argv, 0, &why) == -1)
		fail("run log: %s", why.buf);
	now_iso(now, sizeof(now));
	st = prep("INSERT INTO segment(name, definition, compiled, params, "
	    "created_at, created_run) VALUES (?1, ?2, ?3, ?4, ?5, ?6) "
	    "ON CONFLICT(name) DO UPDATE SET definition = ?2, compiled = ?3, "
	    "params = ?4");
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, def, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, sql.buf, (int)sql.len, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, par.buf, (int)par.len, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, now, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 6, run.id);
	if (sqlite3_step(st) != SQLITE_DONE)
		dbfail("segment");
	sqlite3_finalize(st);
	run_end(&run, "ok", NULL, &why);
	if (!quiet)
		fprintf(stderr, "%s: %s defined\n", progname, name);
	sb_release(&sql);
	sb_release(&par);
	expr_prog_release(&p);
}

static void
cmd_list(void)
{
	sqlite3_stmt *st;
	struct csvw cw;
	struct sbuf line;
	struct jw jw;
	static const char *const cols[] = { "name", "size", "evaluated_run",
	    "evaluated_at", "as_of", "definition" };
	int rc, i;

	st = prep("SELECT name, size, last_eval_run, last_eval_at, as_of, "
	    "definition FROM segment ORDER BY name");
	csvo_writer(&csvopt, &cw, stdout);
	sb_init(&line);
	jw_init(&jw, &line);
	if (!ndjson) {
		for (i = 0; i < 6; i++)
			csvw_str(&cw, cols[i]);
		csvw_end(&cw);
	}
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		jw_reset(&jw);
		jw_map_open(&jw);
		for (i = 0; i < 6; i++) {
			const char *v = (const char *)sqlite3_column_text(st, i);
			int t = sqlite3_column_type(st, i);

			if (!ndjson) {
				csvw_str(&cw, v);
				continue;
			}
			jw_key(&jw, cols[i], strlen(cols[i]));
			if (t == SQLITE_NULL)
				jw_null(&jw);
			else if (t == SQLITE_INTEGER)
				jw_int(&jw, sqlite3_column_int64(st, i));
			else
				jw_strz(&jw, v);
		}
		if (!ndjson) {
			if (csvw_end(&cw) == -1)
				break;
			continue;
		}
		jw_map_close(&jw);
		sb_addc(&line, '\n');
		if (fwrite(line.buf, 1, line.len, stdout) != line.len)
			break;
	}
	sqlite3_finalize(st);
	csvw_release(&cw);
	jw_release(&jw);
	sb_release(&line);
}

/*
 * Wall and CPU seconds since t (then reset), for -v: on a shared
 * machine the CPU time is the steadier measure.
 */
static const char *
lap(double t[2])
{
	static char buf[64];
	struct timespec ts;
	double w = mono_now(), c;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	c = (double)ts.tv_sec + ts.tv_nsec / 1e9;
	snprintf(buf, sizeof(buf), "%.2f s (%.2f s CPU)", w - t[0], c - t[1]);
	t[0] = w;
	t[1] = c;
	return buf;
}

static int
by_id(const void *a, const void *b)
{
	const struct seg *x = *(struct seg *const *)a;
	const struct seg *y = *(struct seg *const *)b;

	return x->id < y->id ? -1 : x->id > y->id;
}

static size_t nskipped;	/* segments eval skipped: they failed */

/*
 * Segment i of s[0..*count) failed: say so, and take it out of the
 * evaluation (its members and changes stay as they were).
 */
static void
skip(struct seg *s, size_t *count, size_t i, const char *msg)
{
	struct seg t = s[i];

	warnx_("%s: %s; skipped, its members unchanged", s[i].name, msg);
	nskipped++;
	memmove(&s[i], &s[i + 1], (*count - i - 1) * sizeof(*s));
	s[*count - 1] = t;	/* seg_free still frees it */
	(*count)--;
}

/*
 * The statement of every segment at once failed: one segment at a
 * time, skipping those that fail, so one bad definition does not stop
 * the others.
 */
static struct seg_ids *
members_one_by_one(struct seg *s, size_t *count)
{
	struct seg_ids *now_in, *one;
	size_t i = 0, n = *count;

	now_in = xcalloc(n + 1, sizeof(*now_in));
	while (i < *count) {
		if ((one = seg_members_now(&env, &s[i], 1, &why)) == NULL) {
			skip(s, count, i, why.buf);
			continue;
		}
		now_in[i] = one[0];
		free(one);
		i++;
	}
	return now_in;
}

static void
cmd_eval(char **names, int n, int argc, char **argv)
{
	struct seg_ids *now_in = NULL;
	const struct expr_prog **progs;
	struct seg_writes w;
	struct seg **order;
	struct seg *s;
	size_t count, total, i;
	double t0[2] = { 0, 0 };
	long long exited = 0;	/* exits of this evaluation, for the run log */
	char *msg;

	s = load(names, n, &count);
	total = count;
	/* A segment that does not compile is skipped, the others go on. */
	for (i = 0; i < count; ) {
		env.self = s[i].name;
		if (expr_compile(&env, s[i].def, strlen(s[i].def), 1, 1,
		    &s[i].prog, &why) == -1) {
			env.self = NULL;
			skip(s, &count, i, why.buf);
			continue;
		}
		env.self = NULL;
		i++;
	}
	if (run_begin(&run, db, "cdp-segment", argc, argv, 0, &why) == -1)
		fail("run log: %s", why.buf);
	lap(t0);
	/* The scores are read on the other core while the events are. */
	progs = xcalloc(count + 1, sizeof(*progs));
	for (i = 0; i < count; i++)
		progs[i] = &s[i].prog;
	(void)expr_pivot_start(&env, progs, count);
	free(progs);
	if (expr_materialize(&env, &why) == -1)
		fail("%s", why.buf);
	if (verbose)
		fprintf(stderr, "%s: event aggregates of %zu segments in %s\n",
		    progname, count, lap(t0));
	if (db_begin(db, &why) == -1)
		fail("%s", why.buf);
	lap(t0);
	if (count > 0 && (now_in = seg_members_now(&env, s, count,
	    &why)) == NULL)
		now_in = members_one_by_one(s, &count);
	if (verbose)
		fprintf(stderr, "%s: members of %zu segments in %s\n",
		    progname, count, lap(t0));
	lap(t0);
	if (seg_writes_prepare(&w, db, &env, run.id, asof, &why) == -1)
		fail("%s", why.buf);
	/* in the order of the ids, which is the order of the keys of
	 * segment_member and segment_change: on a first evaluation every
	 * row is then appended, where writing a segment's range between
	 * two others splits page after page */
	order = xcalloc(count + 1, sizeof(*order));
	for (i = 0; i < count; i++)
		order[i] = &s[i];
	qsort(order, count, sizeof(*order), by_id);
	for (i = 0; i < count; i++) {
		if (seg_apply(&w, order[i], &now_in[order[i] - s], &why) == -1)
			fail("%s", why.buf);
		run.rows_ok += order[i]->size;
		run.inserted += (long long)order[i]->entered;
		exited += (long long)order[i]->exited;
		free(now_in[order[i] - s].v);
	}
	free(order);
	free(now_in);
	for (i = 0; i < count && !quiet; i++)
		fprintf(stderr, "%s: %s: %lld members, %zu entered, %zu "
		    "exited\n", progname, s[i].name, s[i].size, s[i].entered,
		    s[i].exited);
	seg_writes_finalize(&w);
	if (db_commit(db, &why) == -1)
		fail("%s", why.buf);
	if (verbose)
		fprintf(stderr, "%s: changes written in %s\n", progname,
		    lap(t0));
	sb_reset(&why);
	sb_addf(&why, "as of %s: %zu segments, %lld members, %lld entered, "
	    "%lld exited", asof, count, run.rows_ok, run.inserted, exited);
	if (nskipped > 0)
		sb_addf(&why, "; %zu failed and skipped", nskipped);
	msg = sb_detach(&why);
	run_end(&run, nskipped > 0 ? "failed" : "ok", msg, &why);
	free(msg);
	seg_free(s, total);
	if (nskipped > 0)
		exit(EXIT_FAIL);
}

#define PREVIEW_SAMPLE	10	/* members shown by preview */

/*
 * preview EXPRESSION: how many profiles the condition holds now and the
 * first few of them, nothing stored: the analyst's loop before define.
 */
static void
cmd_preview(const char *def)
{
	static const char *const cols[] = {
		"profile_id", "email", "first_name", "last_name", "city", NULL
	};
	const struct expr_prog *progs[2];
	struct seg_ids *now_in;
	struct seg *s;
	sqlite3_stmt *st;
	struct csvw cw;
	struct sbuf line;
	struct jw jw;
	long long total = 0;
	size_t i, n;
	int c;

	s = xcalloc(1, sizeof(*s));
	s->name = xstrdup("preview");
	s->def = xstrdup(def);
	compile(s->name, def, &s->prog);
	progs[0] = &s->prog;
	progs[1] = NULL;
	(void)expr_pivot_start(&env, progs, 1);
	if (expr_materialize(&env, &why) == -1)
		fail("%s", why.buf);
	if ((now_in = seg_members_now(&env, s, 1, &why)) == NULL)
		fail("%s", why.buf);
	st = prep("SELECT count(*) FROM profile");
	if (sqlite3_step(st) == SQLITE_ROW)
		total = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	n = now_in[0].n;
	st = prep("SELECT id, email, first_name, last_name, city FROM profile "
	    "WHERE id = ?");
	csvo_writer(&csvopt, &cw, stdout);
	sb_init(&line);
	jw_init(&jw, &line);
	if (ndjson) {
		jw_map_open(&jw);
		jw_key(&jw, "count", 5);
		jw_int(&jw, (long long)n);
		jw_key(&jw, "profiles", 8);
		jw_int(&jw, total);
		jw_key(&jw, "sample", 6);
		jw_array_open(&jw);
	} else if (csvo_any(&csvopt)) {
		/* A file for a spreadsheet: the CSV alone on stdout. */
		fprintf(stderr, "%s: %zu of %lld profiles (%.1f%%)\n",
		    progname, n, total, total > 0 ? 100.0 * (double)n /
		    (double)total : 0.0);
		for (c = 0; cols[c] != NULL; c++)
			csvw_str(&cw, cols[c]);
		csvw_end(&cw);
	} else {
		printf("%zu of %lld profiles (%.1f%%)\n\n", n, total,
		    total > 0 ? 100.0 * (double)n / (double)total : 0.0);
		for (c = 0; cols[c] != NULL; c++)
			csvw_str(&cw, cols[c]);
		csvw_end(&cw);
	}
	for (i = 0; i < n && i < PREVIEW_SAMPLE; i++) {
		sqlite3_reset(st);
		sqlite3_bind_int64(st, 1, now_in[0].v[i]);
		if (sqlite3_step(st) != SQLITE_ROW)
			continue;
		if (ndjson)
			jw_map_open(&jw);
		for (c = 0; cols[c] != NULL; c++) {
			const char *v = (const char *)sqlite3_column_text(st, c);

			if (!ndjson) {
				csvw_str(&cw, v);
				continue;
			}
			if (v == NULL)
				continue;
			jw_key(&jw, cols[c], strlen(cols[c]));
			if (c == 0)
				jw_int(&jw, sqlite3_column_int64(st, 0));
			else
				jw_str(&jw, v, strlen(v));
		}
		if (ndjson)
			jw_map_close(&jw);
		else
			csvw_end(&cw);
	}
	if (ndjson) {
		jw_array_close(&jw);
		jw_map_close(&jw);
		sb_addc(&line, '\n');
		fwrite(line.buf, 1, line.len, stdout);
	}
	sqlite3_finalize(st);
	csvw_release(&cw);
	jw_release(&jw);
	sb_release(&line);
	free(now_in[0].v);
	free(now_in);
	seg_free(s, 1);
}

static void
cmd_members(const char *name)
{
	sqlite3_stmt *st;
	struct seg *s;
	struct csvw cw;
	struct sbuf line;
	struct jw jw;
	size_t n;
	int rc;

	s = load((char **)&name, 1, &n);
	st = prep("SELECT profile, since_run FROM segment_member "
	    "WHERE segment = ? ORDER BY profile");
	sqlite3_bind_int64(st, 1, s[0].id);
	csvo_writer(&csvopt, &cw, stdout);
	sb_init(&line);
	jw_init(&jw, &line);
	if (!ndjson) {
		csvw_str(&cw, "profile");
		csvw_str(&cw, "since_run");
		csvw_end(&cw);
	}
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (!ndjson) {
			csvw_int(&cw, sqlite3_column_int64(st, 0));
			csvw_int(&cw, sqlite3_column_int64(st, 1));
			if (csvw_end(&cw) == -1)
				break;
			continue;
		}
		jw_reset(&jw);
		jw_map_open(&jw);
		jw_key(&jw, "profile", 7);
		jw_int(&jw, sqlite3_column_int64(st, 0));
		jw_key(&jw, "since_run", 9);
		jw_int(&jw, sqlite3_column_int64(st, 1));
		jw_map_close(&jw);
		sb_addc(&line, '\n');
		if (fwrite(line.buf, 1, line.len, stdout) != line.len)
			break;
	}
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		dbfail("segment_member");
	sqlite3_finalize(st);
	csvw_release(&cw);
	jw_release(&jw);
	sb_release(&line);
	seg_free(s, n);
}

/* The delta of one run (the last evaluation by default), as NDJSON. */
static void
cmd_changes(const char *name, long long runid)
{
	sqlite3_stmt *st;
	struct seg *s;
	struct sbuf line;
	struct jw jw;
	size_t n;
	int rc;

	s = load((char **)&name, 1, &n);
	if (runid == 0) {
		st = prep("SELECT last_eval_run FROM segment WHERE id = ?");
		sqlite3_bind_int64(st, 1, s[0].id);
		if (sqlite3_step(st) == SQLITE_ROW)
			runid = sqlite3_column_int64(st, 0);
		sqlite3_finalize(st);
	}
	st = prep("SELECT run, profile, change FROM segment_change "
	    "WHERE segment = ? AND run = ? ORDER BY change, profile");
	sqlite3_bind_int64(st, 1, s[0].id);
	sqlite3_bind_int64(st, 2, runid);
	sb_init(&line);
	jw_init(&jw, &line);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		jw_reset(&jw);
		jw_map_open(&jw);
		jw_key(&jw, "segment", 7);
		jw_strz(&jw, s[0].name);
		jw_key(&jw, "run", 3);
		jw_int(&jw, sqlite3_column_int64(st, 0));
		jw_key(&jw, "change", 6);
		jw_strz(&jw, (const char *)sqlite3_column_text(st, 2));
		jw_key(&jw, "profile", 7);
		jw_int(&jw, sqlite3_column_int64(st, 1));
		jw_map_close(&jw);
		sb_addc(&line, '\n');
		if (fwrite(line.buf, 1, line.len, stdout) != line.len)
			break;
	}
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		dbfail("segment_change");
	sqlite3_finalize(st);
	jw_release(&jw);
	sb_release(&line);
	seg_free(s, n);
}

static void
cmd_drop(const char *name, int argc, char **argv)
{
	static const char *const del[] = {
		"DELETE FROM segment_member WHERE segment = ?",
		"DELETE FROM segment_change WHERE segment = ?",
		"DELETE FROM segment WHERE id = ?",
	};
	sqlite3_stmt *st;
	struct seg *s;
	size_t n, i;

	s = load((char **)&name, 1, &n);
	/* a segment another one uses stays: in_segment would break */
	expr_env_forget_segment(&env, name);
	for (i = 0; i < env.nseg; i++) {
		struct expr_prog q;

		expr_prog_init(&q);
		env.self = env.seg[i];
		if (expr_compile(&env, env.segdef[i], strlen(env.segdef[i]),
		    1, 1, &q, &why) == -1)
			fail("segment \"%s\" is used by \"%s\": drop or "
			    "redefine that one first", name, env.seg[i]);
		env.self = NULL;
		expr_prog_release(&q);
	}
	if (run_begin(&run, db, "cdp-segment", argc, argv, 0, &why) == -1)
		fail("run log: %s", why.buf);
	if (db_begin(db, &why) == -1)
		fail("%s", why.buf);
	for (i = 0; i < sizeof(del) / sizeof(del[0]); i++) {
		st = prep(del[i]);
		sqlite3_bind_int64(st, 1, s[0].id);
		if (sqlite3_step(st) != SQLITE_DONE)
			dbfail("segment");
		sqlite3_finalize(st);
	}
	if (db_commit(db, &why) == -1)
		fail("%s", why.buf);
	run_end(&run, "ok", NULL, &why);
	if (!quiet)
		fprintf(stderr, "%s: %s dropped (%lld members)\n", progname,
		    name, s[0].size);
	seg_free(s, n);
}

int
main(int argc, char *argv[])
{
	static const struct option longopts[] = {
		{ "as-of", required_argument, NULL, 'A' },
		{ "run", required_argument, NULL, 'R' },
		CSVO_LONGOPTS,
		CLI_LONGOPTS,
		{ NULL, 0, NULL, 0 }
	};
	const char *dbopt = NULL, *asofopt = NULL, *verb, *errstr;
	long long runid = 0;
	int ch, ac;
	char **av;
	long day;

	set_progname(argv[0]);
	run_log_usage(argc, argv);
	oc_ignore_sigpipe();	/* | head: said, exit 1 */
	sb_init(&why);
	/* '+': options end at the verb, so an expression may start with -
	 * ("-x"); changes takes --run after its operand */
	while ((ch = getopt_long(argc, argv, "+D:d:f:hqVv", longopts,
	    NULL)) != -1) {
		if ((ac = csvo_option(&csvopt, ch, optarg)) == -1)
			die(EXIT_USAGE, MAP_DELIM_ERR);
		if (ac == 1)
			continue;
		switch (ch) {
		case 'A':
			asofopt = optarg;
			break;
		case 'd':
			dbopt = optarg;
			break;
		case 'f':
			if ((ndjson = map_parse_format(optarg, 0, 1)) == -1)
				die(EXIT_USAGE, MAP_FORMAT_ERR);
			break;
		case 'h':
			cli_help = 1;
			usage();
		case 'q':
			quiet = 1;
			break;
		case 'V':
			printf("cdp-segment %s\n", CDP_VERSION);
			return 0;
		case 'v':
			verbose = 1;
			break;
		default:
			usage();
		}
	}
	ac = argc - optind;
	av = argv + optind;
	if (ac < 1)
		usage();
	verb = av[0];
	if (strcmp(verb, "changes") == 0) {
		optind = 0;	/* glibc: start afresh, av[0] is the verb */
		while ((ch = getopt_long(ac, av, "", longopts, NULL)) != -1) {
			if (ch != 'R')
				usage();
			if (parse_ll(optarg, 1, LLONG_MAX, &runid,
			    &errstr) == -1)
				die(EXIT_USAGE, "--run %s: %s",
				    quote_value(optarg, strlen(optarg)),
				    errstr);
		}
		ac -= optind - 1;
		av += optind - 1;
	}
	if (csvo_any(&csvopt) && (ndjson || (strcmp(verb, "list") != 0 &&
	    strcmp(verb, "members") != 0 && strcmp(verb, "preview") != 0)))
		die(EXIT_USAGE, "-D, --bom, --crlf and --excel are for CSV "
		    "(list, members, preview)");
	if (asofopt != NULL && strcmp(verb, "eval") != 0 &&
	    strcmp(verb, "preview") != 0)
		usage();
	if (expr_as_of(asofopt, asof, &day, &why) == -1)
		die(EXIT_USAGE, "%s", why.buf);
	if (!strcmp(verb, "define") ? ac != 3 : !strcmp(verb, "preview") ?
	    ac != 2 : !strcmp(verb, "list") ?
	    ac != 1 : !strcmp(verb, "eval") ? 0 : !strcmp(verb, "members") ||
	    !strcmp(verb, "changes") || !strcmp(verb, "drop") ? ac != 2 : 1)
		usage();

	if (db_open(db_path(dbopt), 0, &db, &why) == -1)
		die(EXIT_FAIL, "%s", why.buf);
	db_exec(db, DB_MMAP_SQL, NULL);
	if (idvtab_register(db) == -1)
		dbfail("cdp_ids");
	if (expr_env_init(&env, db, asof, &why) == -1 ||
	    expr_env_load(&env, &why) == -1)
		die(EXIT_FAIL, "%s", why.buf);
	if (!strcmp(verb, "define"))
		cmd_define(av[1], av[2], argc, argv);
	else if (!strcmp(verb, "list"))
		cmd_list();
	else if (!strcmp(verb, "preview"))
		cmd_preview(av[1]);
	else if (!strcmp(verb, "eval"))
		cmd_eval(av + 1, ac - 1, argc, argv);
	else if (!strcmp(verb, "members"))
		cmd_members(av[1]);
	else if (!strcmp(verb, "changes"))
		cmd_changes(av[1], runid);
	else
		cmd_drop(av[1], argc, argv);
	expr_env_release(&env);
	db_close(db);
	sb_release(&why);
	check_stdout();
	return EXIT_OK;
}
