/*
 * cdp-score - compute indicators and scores for every profile and store
 * them with the run: the built-ins of common/score/score.c (recency,
 * frequency, monetary, RFM, CLV, ...) and the user's own scores from a
 * spec file, one "name = expression" a line, in the language of
 * cdp-expr(7).
 *
 * Everything is relative to the as-of date (today by default), so the
 * same data and --as-of give byte-identical output.  The scores of one
 * run are written in one transaction: a failure keeps the previous ones.
 */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/cli.h"
#include "core/util.h"
#include "expr/expr.h"
#include "io/csv_options.h"
#include "io/json_writer.h"
#include "normalise/field_map.h"
#include "score/score.h"
#include "score/score_state.h"
#include "store/database.h"
#include "store/run_log.h"

#define STEP_WEEKS	4.345	/* a month, as in lifetimes */

/* A score to compute: a built-in, or a line of the spec file. */
struct want {
	char	*name;
	int	 builtin;	/* enum score_id, or -1 for a spec score */
	char	*def;		/* spec: the expression */
	int	 line, col;	/* spec: where the expression starts */
	int	 type;		/* enum expr_type of its values */
	int	 need;		/* computed in this run */
	struct expr_prog prog;	/* spec: compiled */
	char	**refs;		/* spec: the scores it reads */
	size_t	 nrefs;
};

struct score {
	sqlite3	*db;
	struct run run;
	struct want *w;		/* what is computed, in order */
	size_t	 nw, capw;
	size_t	*out;		/* the columns of -o: indices into w */
	size_t	 nout;
	struct score_data sd;
	struct score_opts o;
	struct expr_env env;
	const char *spec;
	char	 asof[11];
	int	 output;	/* -o */
	int	 params;	/* -P */
	int	 fixed;		/* -F */
	int	 ndjson;	/* -f ndjson */
	struct csvo csv;	/* -D, --bom, --crlf, --excel (with -o) */
	struct clv_bgnbd bgfix;
	struct clv_gg ggfix;
	struct score_writer sw;
	long long *changed;	/* after score_compute_touched: the profiles
				   whose own values may have changed */
	size_t	 nchanged;
	long long stored;	/* values computed */
	struct sbuf why, tmp;
};

static struct score *S;		/* for fail() */

/* A failure: roll back, log the run as failed if it began, exit 1. */
static void __attribute__((noreturn, format(printf, 1, 2)))
fail(const char *fmt, ...)
{
	va_list ap;
	char msg[1024];

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (S != NULL && S->db != NULL) {
		db_rollback(S->db);
		if (S->run.id > 0)
			run_end(&S->run, "failed", msg, &S->why);
	}
	die(EXIT_FAIL, "%s", msg);
}

static void __attribute__((noreturn))
usage(void)
{
	fprintf(cli_usage_out(),
	    "usage: %s [-FoPqv] [-D DELIM] [-d DB] [-f csv|ndjson] "
	    "[-S SPECFILE] [--as-of DATE]\n"
	    "           [--bom] [--crlf] [--excel] [--horizon WEEKS] "
	    "[--discount RATE] [NAME ...]\n",
	    progname);
	cli_usage_exit();
}

static struct want *
want_add(struct score *s, const char *name, int builtin)
{
	struct want *w;

	if (s->nw == s->capw) {
		s->capw = s->capw ? 2 * s->capw : 32;
		s->w = xrealloc(s->w, s->capw * sizeof(*s->w));
	}
	w = &s->w[s->nw++];
	memset(w, 0, sizeof(*w));
	w->name = xstrdup(name);
	w->builtin = builtin;
	w->type = builtin >= 0 ? score_builtins[builtin].type : ST_NUM;
	return w;
}

static struct want *
want_find(struct score *s, const char *name)
{
	size_t i;

	for (i = 0; i < s->nw; i++)
		if (strcmp(s->w[i].name, name) == 0)
			return &s->w[i];
	return NULL;
}

/* "did you mean" among the built-ins and the spec names */
static const char *
closest(struct score *s, const char *name)
{
	const char **cand = xcalloc(SC_N + s->nw, sizeof(*cand));
	const char *m;
	size_t i;

	for (i = 0; i < SC_N + s->nw; i++)
		cand[i] = i < SC_N ? score_builtins[i].name :
		    s->w[i - SC_N].name;
	m = expr_closest(name, cand, SC_N + s->nw);
	free(cand);
	return m;
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

/*
 * The spec file: "name = expression" a line; blank lines and lines
 * starting with '#' are skipped.  Names are checked here, expressions
 * when compiled.
 */
static void
read_spec(struct score *s)
{
	FILE *f;
	char *line = NULL, *p, *q, *eq;
	size_t cap = 0;
	ssize_t len;
	int ln = 0;
	struct want *w;

	if ((f = fopen(s->spec, "r")) == NULL)
		fail("%s: %s", s->spec, strerror(errno));
	while ((len = getline(&line, &cap, f)) != -1) {
		ln++;
		while (len > 0 && (line[len - 1] == '\n' ||
		    line[len - 1] == '\r'))
			line[--len] = '\0';
		if (utf8_check(line, (size_t)len) != -1)
			fail("%s:%d: invalid UTF-8", s->spec, ln);
		for (p = line; *p == ' ' || *p == '\t'; p++)
			;
		if (*p == '\0' || *p == '#')
			continue;
		if ((eq = strchr(p, '=')) == NULL)
			fail("%s:%d: expected \"name = expression\"",
			    s->spec, ln);
		for (q = eq; q > p && (q[-1] == ' ' || q[-1] == '\t'); q--)
			;
		*q = '\0';
		if (!valid_name(p))
			fail("%s:%d: invalid score name %s: lower-case "
			    "letters, digits and '_'", s->spec, ln,
			    quote_value(p, strlen(p)));
		if (score_builtin_lookup(p) >= 0)
			fail("%s:%d: %s is a built-in score", s->spec,
			    ln, quote_value(p, strlen(p)));
		if (want_find(s, p) != NULL)
			fail("%s:%d: score %s defined twice", s->spec,
			    ln, quote_value(p, strlen(p)));
		w = want_add(s, p, -1);
		w->def = xstrdup(eq + 1);
		w->line = ln;
		/* the column of the character after '=', in code points */
		w->col = 2;
		for (q = line; q < eq; q++)
			if ((*q & 0xc0) != 0x80)
				w->col++;
	}
	if (ferror(f))
		fail("%s: %s", s->spec, strerror(errno));
	free(line);
	fclose(f);
}

/* Every name asked for must exist; checked before the database is opened. */
static void
check_names(struct score *s, int argc, char **argv)
{
	const char *m;
	int j;

	for (j = 0; j < argc; j++) {
		if (!valid_name(argv[j]))
			die(EXIT_USAGE, "invalid score name %s",
			    quote_value(argv[j], strlen(argv[j])));
		if (want_find(s, argv[j]) != NULL ||
		    score_builtin_lookup(argv[j]) >= 0)
			continue;
		if ((m = closest(s, argv[j])) != NULL)
			die(EXIT_USAGE, "unknown score %s (did you mean "
			    "\"%s\"?)", quote_value(argv[j], strlen(argv[j])),
			    m);
		die(EXIT_USAGE, "unknown score %s",
		    quote_value(argv[j], strlen(argv[j])));
	}
}

/* Mark name needed, and what its expression reads, recursively. */
static void
need(struct score *s, int *bneed, const char *name)
{
	struct want *w;
	size_t i;
	int b;

	if ((b = score_builtin_lookup(name)) >= 0) {
		bneed[b] = 1;
		return;
	}
	if ((w = want_find(s, name)) == NULL || w->need)
		return;		/* a score of an earlier run: read as stored */
	w->need = 1;
	for (i = 0; i < w->nrefs; i++)
		need(s, bneed, w->refs[i]);
}

/*
 * What to compute: everything, or the names asked for and what they
 * read (a spec score using rfm_r gets rfm_r computed in the same run).
 * Built-ins come first, then the spec lines in file order; -o prints the
 * names asked for in the order asked.
 */
static void
select_names(struct score *s, int argc, char **argv)
{
	struct want *spec = s->w;
	size_t nspec = s->nw, i;
	int bneed[SC_N], b, j;

	for (b = 0; b < SC_N; b++)
		bneed[b] = argc == 0;
	for (i = 0; i < nspec; i++)
		spec[i].need = argc == 0;
	for (j = 0; j < argc; j++)
		need(s, bneed, argv[j]);
	s->w = NULL;
	s->nw = s->capw = 0;
	for (b = 0; b < SC_N; b++)
		if (bneed[b])
			want_add(s, score_builtins[b].name, b);
	for (i = 0; i < nspec; i++) {
		struct want *w;

		if (!spec[i].need) {
			free(spec[i].name);
			free(spec[i].def);
			expr_prog_release(&spec[i].prog);
			while (spec[i].nrefs > 0)
				free(spec[i].refs[--spec[i].nrefs]);
			free(spec[i].refs);
			continue;
		}
		w = want_add(s, spec[i].name, -1);
		free(w->name);
		*w = spec[i];
	}
	free(spec);
	s->out = xcalloc(s->nw + (size_t)argc + 1, sizeof(*s->out));
	if (argc == 0)
		for (i = 0; i < s->nw; i++)
			s->out[s->nout++] = i;
	for (j = 0; j < argc; j++) {
		for (i = 0; i < s->nout; i++)
			if (strcmp(s->w[s->out[i]].name, argv[j]) == 0)
				break;
		if (i == s->nout)
			s->out[s->nout++] = (size_t)(want_find(s, argv[j]) -
			    s->w);
	}
}

static void __attribute__((noreturn))
dbdie(struct score *s, const char *what)
{
	fail("%s: %s", what, sqlite3_errmsg(s->db));
}

/* -F: the parameters of the last fit, from the model table. */
static void
load_fixed(struct score *s)
{
	sqlite3_stmt *st;
	int rc;

	st = db_prepare(s->db, "SELECT json_extract(json, '$.r'), "
	    "json_extract(json, '$.alpha'), json_extract(json, '$.a'), "
	    "json_extract(json, '$.b') FROM model WHERE name = 'bgnbd'",
	    &s->why);
	if (st == NULL)
		fail("%s", s->why.buf);
	if ((rc = sqlite3_step(st)) != SQLITE_ROW)
		fail("-F: no stored BG/NBD model: run cdp-score "
		    "without -F first");
	s->bgfix.r = sqlite3_column_double(st, 0);
	s->bgfix.alpha = sqlite3_column_double(st, 1);
	s->bgfix.a = sqlite3_column_double(st, 2);
	s->bgfix.b = sqlite3_column_double(st, 3);
	sqlite3_finalize(st);
	s->o.bg_fixed = &s->bgfix;
	st = db_prepare(s->db, "SELECT json_extract(json, '$.p'), "
	    "json_extract(json, '$.q'), json_extract(json, '$.gamma') "
	    "FROM model WHERE name = 'gamma_gamma'", &s->why);
	if (st == NULL)
		fail("%s", s->why.buf);
	if (sqlite3_step(st) == SQLITE_ROW) {
		s->ggfix.p = sqlite3_column_double(st, 0);
		s->ggfix.q = sqlite3_column_double(st, 1);
		s->ggfix.gamma = sqlite3_column_double(st, 2);
		s->o.gg_fixed = &s->ggfix;
	}
	sqlite3_finalize(st);
}

/* The JSON of a fitted model: for the model table and for -P. */
static void
model_json(struct score *s, int gg, int withname, struct sbuf *out)
{
	const struct score_data *sd = &s->sd;
	const struct clv_fit *fit = gg ? &sd->ggfit : &sd->bgfit;
	struct jw w;

	sb_reset(out);
	jw_init(&w, out);
	jw_map_open(&w);
	if (withname) {
		jw_key(&w, "model", 5);
		jw_strz(&w, gg ? "gamma_gamma" : "bgnbd");
	}
	if (!gg) {
		jw_key(&w, "r", 1);
		jw_double(&w, sd->bg.r);
		jw_key(&w, "alpha", 5);
		jw_double(&w, sd->bg.alpha);
		jw_key(&w, "a", 1);
		jw_double(&w, sd->bg.a);
		jw_key(&w, "b", 1);
		jw_double(&w, sd->bg.b);
	} else {
		jw_key(&w, "p", 1);
		jw_double(&w, sd->gg.p);
		jw_key(&w, "q", 1);
		jw_double(&w, sd->gg.q);
		jw_key(&w, "gamma", 5);
		jw_double(&w, sd->gg.gamma);
	}
	jw_key(&w, "ll", 2);
	if (s->fixed || jw_double(&w, fit->ll) == -1)
		jw_null(&w);
	jw_key(&w, "n", 1);
	jw_double(&w, fit->n);
	jw_key(&w, "as_of", 5);
	jw_strz(&w, s->asof);
	jw_key(&w, "converged", 9);
	jw_bool(&w, gg ? sd->gg_conv : sd->bg_conv);
	jw_key(&w, "fixed", 5);
	jw_bool(&w, s->fixed);
	jw_map_close(&w);
	jw_release(&w);
}

static void
store_model(struct score *s, int gg)
{
	sqlite3_stmt *st;
	char now[32];

	model_json(s, gg, 0, &s->tmp);
	now_iso(now, sizeof(now));
	st = db_prepare(s->db, "INSERT OR REPLACE INTO model(name, json, run, "
	    "trained_at) VALUES (?, ?, ?, ?)", &s->why);
	if (st == NULL)
		fail("%s", s->why.buf);
	sqlite3_bind_text(st, 1, gg ? "gamma_gamma" : "bgnbd", -1,
	    SQLITE_STATIC);
	sqlite3_bind_text(st, 2, s->tmp.buf, (int)s->tmp.len, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, s->run.id);
	sqlite3_bind_text(st, 4, now, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_DONE)
		dbdie(s, "model");
	sqlite3_finalize(st);
}

static void score_def(struct score *, const struct want *);

/* Forget the previous values of a score and record what it is now. */
static void
score_begin(struct score *s, const struct want *w)
{
	if (score_writer_begin(&s->sw, w->name, &s->why) == -1)
		fail("%s", s->why.buf);
	score_def(s, w);
}

static void
score_def(struct score *s, const struct want *w)
{
	/* by enum expr_type; a condition's values are numbers */
	static const char *const tname[] = { "number", "text", "date",
	    "number", "any", "number" };
	sqlite3_stmt *st;

	st = db_prepare(s->db, "INSERT OR REPLACE INTO score_def(name, kind, "
	    "type, definition, run) VALUES (?, ?, ?, ?, ?)", &s->why);
	if (st == NULL)
		fail("%s", s->why.buf);
	sqlite3_bind_text(st, 1, w->name, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, w->builtin >= 0 ? "builtin" : "spec", -1,
	    SQLITE_STATIC);
	sqlite3_bind_text(st, 3, tname[w->type], -1, SQLITE_STATIC);
	if (w->def != NULL)
		sqlite3_bind_text(st, 4, w->def, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 5, s->run.id);
	if (sqlite3_step(st) != SQLITE_DONE)
		dbdie(s, "score_def");
	sqlite3_finalize(st);
}

static void
store_value(struct score *s, long long profile, const struct score_val *v)
{
	if (score_writer_put(&s->sw, profile, v, &s->why) == -1)
		fail("%s", s->why.buf);
	if (v->kind != SV_NULL)
		s->stored++;
}

static void
score_end(struct score *s)
{
	if (score_writer_end(&s->sw, &s->why) == -1)
		fail("%s", s->why.buf);
}

/*
 * A built-in: after score_compute_touched, a profile's own values are
 * written for the profiles recomputed or gone only (the others' are
 * those stored), the values from a ranking or a fit for every profile.
 */
static void
store_builtin(struct score *s, const struct want *w)
{
	struct score_val v;
	size_t i;
	int some = s->sd.fresh != NULL && score_builtin_own(w->builtin);

	if (some && score_state_stored(s->db, w->name, &some, &s->why) == -1)
		fail("%s", s->why.buf);
	if (!some) {
		score_begin(s, w);
		for (i = 0; i < s->sd.n; i++) {
			score_get(&s->sd, i, w->builtin, &v);
			store_value(s, s->sd.id[i], &v);
		}
		score_end(s);
		return;
	}
	if (score_writer_begin_some(&s->sw, w->name, s->changed, s->nchanged,
	    &s->why) == -1)
		fail("%s", s->why.buf);
	score_def(s, w);
	for (i = 0; i < s->sd.n; i++) {
		score_get(&s->sd, i, w->builtin, &v);
		if (s->sd.fresh[i])
			store_value(s, s->sd.id[i], &v);
		else if (v.kind != SV_NULL) {
			s->stored++;
			s->sw.unchanged++;
		}
	}
	score_end(s);
}

static size_t nskipped;	/* spec scores that failed, skipped */

/*
 * A spec score: its expression evaluated for every profile, in a
 * savepoint: one that fails (an overflow, a statement SQLite cannot
 * prepare) is said, rolled back and skipped, the others stored.
 */
static void
store_spec(struct score *s, struct want *w)
{
	sqlite3_stmt *st = NULL;
	struct score_val v;
	long long stored = s->stored, written = s->sw.written;
	long long unchanged = s->sw.unchanged, deleted = s->sw.deleted;
	int rc;

	if (db_exec(s->db, "SAVEPOINT spec", &s->why) == -1)
		fail("%s", s->why.buf);
	score_begin(s, w);
	if ((st = expr_prepare(&s->env, &w->prog, EXPR_VALUES,
	    &s->why)) == NULL)
		goto skip;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		switch (sqlite3_column_type(st, 1)) {
		case SQLITE_INTEGER:
			v.kind = SV_INT;
			v.i = sqlite3_column_int64(st, 1);
			break;
		case SQLITE_FLOAT:
			v.kind = SV_REAL;
			v.d = sqlite3_column_double(st, 1);
			break;
		case SQLITE_NULL:
			v.kind = SV_NULL;
			break;
		default:
			v.kind = SV_TEXT;
			v.s = (const char *)sqlite3_column_text(st, 1);
		}
		store_value(s, sqlite3_column_int64(st, 0), &v);
	}
	if (rc != SQLITE_DONE) {
		sb_reset(&s->why);
		sb_adds(&s->why, sqlite3_errmsg(s->db));
		goto skip;
	}
	sqlite3_finalize(st);
	score_end(s);
	if (db_exec(s->db, "RELEASE spec", &s->why) == -1)
		fail("%s", s->why.buf);
	return;
skip:
	sqlite3_finalize(st);
	warnx_("%s: %s; skipped, its values unchanged", w->name, s->why.buf);
	nskipped++;
	s->stored = stored;
	s->sw.written = written;
	s->sw.unchanged = unchanged;
	s->sw.deleted = deleted;
	if (db_exec(s->db, "ROLLBACK TO spec", &s->why) == -1 ||
	    db_exec(s->db, "RELEASE spec", &s->why) == -1)
		fail("%s", s->why.buf);
}

/*
 * Compile every spec line, in order, before anything is written: a bad
 * line stops the run at once.  A line may use the lines before it only,
 * never its own name or a later one, whatever an earlier run left in
 * score_def.
 */
static void
compile_spec(struct score *s)
{
	size_t i, k;

	for (i = 0; i < s->nw; i++)
		expr_env_forget_score(&s->env, s->w[i].name);
	for (i = 0; i < s->nw; i++) {
		struct want *w = &s->w[i];

		expr_prog_init(&w->prog);
		if (expr_compile(&s->env, w->def, strlen(w->def), w->line,
		    w->col, &w->prog, &s->why) == -1)
			fail("%s:%s", s->spec, s->why.buf);
		w->type = w->prog.type == ET_BOOL ? ET_NUM : w->prog.type;
		w->refs = xcalloc(s->env.nrefs + 1, sizeof(*w->refs));
		for (k = 0; k < s->env.nrefs; k++)
			w->refs[w->nrefs++] = xstrdup(s->env.refs[k]);
		expr_env_add_score(&s->env, w->name, w->type);
	}
}

static void
store_run(struct score *s)
{
	sqlite3_stmt *st;
	struct jw w;
	size_t i;

	sb_reset(&s->tmp);
	jw_init(&w, &s->tmp);
	jw_array_open(&w);
	for (i = 0; i < s->nw; i++)
		jw_strz(&w, s->w[i].name);
	jw_array_close(&w);
	jw_release(&w);
	st = db_prepare(s->db, "INSERT INTO score_run(run, as_of, horizon, "
	    "discount, profiles, names) VALUES (?, ?, ?, ?, ?, ?)", &s->why);
	if (st == NULL)
		fail("%s", s->why.buf);
	sqlite3_bind_int64(st, 1, s->run.id);
	sqlite3_bind_text(st, 2, s->asof, -1, SQLITE_STATIC);
	sqlite3_bind_double(st, 3, s->o.horizon);
	sqlite3_bind_double(st, 4, s->o.discount);
	sqlite3_bind_int64(st, 5, (long long)s->sd.n);
	sqlite3_bind_text(st, 6, s->tmp.buf, (int)s->tmp.len, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_DONE)
		dbdie(s, "score_run");
	sqlite3_finalize(st);
}

/* -o: the values just stored, read back. */
static void
output(struct score *s)
{
	const char **names = xcalloc(s->nout + 1, sizeof(*names));
	size_t i;

	for (i = 0; i < s->nout; i++)
		names[i] = s->w[s->out[i]].name;
	if (score_print(s->db, names, s->nout, s->ndjson, &s->csv, stdout,
	    &s->why) == -1)
		fail("%s", s->why.buf);
	free(names);
}

/*
 * The indicators: when the last run kept its state at the same as-of
 * date, only the events of the profiles touched since are read
 * (score/score_state.h), else every event; the values are the same.
 */
static void
compute(struct score *s)
{
	long long since, *touched = NULL;
	size_t nt = 0;
	int rc;

	if (score_state_since(s->db, &s->o, &since, &s->why) == -1)
		fail("%s", s->why.buf);
	if (since > 0) {
		if (score_touched(s->db, since, &touched, &nt, &s->why) == -1)
			fail("%s", s->why.buf);
		rc = score_compute_touched(s->db, &s->o, touched, nt, &s->sd,
		    &s->why);
		free(touched);
		if (rc == 0)
			s->nchanged = score_state_changed(&s->sd, &s->changed);
	} else
		rc = score_compute(s->db, &s->o, &s->sd, &s->why);
	if (rc == -1)
		fail("%s", s->why.buf);
}

static double
parse_num(const char *opt, const char *s, double min, double max)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (end == s || *end != '\0' || errno != 0 || !isfinite(v) ||
	    v < min || v > max)
		die(EXIT_USAGE, "%s %s: expected a number from %g to %g", opt,
		    quote_value(s, strlen(s)), min, max);
	return v;
}

int
main(int argc, char *argv[])
{
	static const struct option longopts[] = {
		{ "as-of", required_argument, NULL, 'A' },
		{ "discount", required_argument, NULL, 'R' },
		{ "horizon", required_argument, NULL, 'H' },
		CSVO_LONGOPTS,
		CLI_LONGOPTS,
		{ NULL, 0, NULL, 0 }
	};
	struct score s;
	const char *dbopt = NULL, *asof = NULL;
	int ch, nargc, clv = 0, builtin = 0, rc;
	long long removed;
	char *msg;
	double t1;
	char **nargv;
	size_t k;
	long day;

	set_progname(argv[0]);
	run_log_usage(argc, argv);
	memset(&s, 0, sizeof(s));
	S = &s;
	sb_init(&s.why);
	sb_init(&s.tmp);
	s.o.horizon = 52;
	s.o.step = STEP_WEEKS;
	s.o.discount = 0.01;
	while ((ch = getopt_long(argc, argv, "D:d:Ff:hoPqS:Vv", longopts,
	    NULL)) != -1) {
		if ((rc = csvo_option(&s.csv, ch, optarg)) == -1)
			die(EXIT_USAGE, MAP_DELIM_ERR);
		if (rc == 1)
			continue;
		switch (ch) {
		case 'A':
			asof = optarg;
			break;
		case 'd':
			dbopt = optarg;
			break;
		case 'F':
			s.fixed = 1;
			break;
		case 'f':
			if ((s.ndjson = map_parse_format(optarg, 0, 1)) == -1)
				die(EXIT_USAGE, MAP_FORMAT_ERR);
			break;
		case 'H':
			s.o.horizon = parse_num("--horizon", optarg, 0, 5200);
			break;
		case 'h':
			cli_help = 1;
			usage();
		case 'o':
			s.output = 1;
			break;
		case 'P':
			s.params = 1;
			break;
		case 'q':
			quiet = 1;
			break;
		case 'R':
			s.o.discount = parse_num("--discount", optarg, 0, 0.99);
			break;
		case 'S':
			s.spec = optarg;
			break;
		case 'V':
			printf("cdp-score %s\n", CDP_VERSION);
			check_stdout();
			exit(0);
		case 'v':
			verbose = 1;
			break;
		default:
			usage();
		}
	}
	nargc = argc - optind;
	nargv = argv + optind;
	if (s.output && s.params)
		die(EXIT_USAGE, "-o and -P both write on stdout: choose one");
	if (csvo_any(&s.csv) && (!s.output || s.ndjson))
		die(EXIT_USAGE, "-D, --bom, --crlf and --excel are for -o in "
		    "CSV");
	if (expr_as_of(asof, s.asof, &day, &s.why) == -1)
		die(EXIT_USAGE, "%s", s.why.buf);
	s.o.asof = day;
	if (s.spec != NULL)
		read_spec(&s);
	check_names(&s, nargc, nargv);

	if (db_open(db_path(dbopt), 0, &s.db, &s.why) == -1)
		fail("%s", s.why.buf);
	/* the scans read the whole file: map it instead of copying pages */
	db_exec(s.db, DB_MMAP_SQL, NULL);
	if (expr_env_init(&s.env, s.db, s.asof, &s.why) == -1 ||
	    expr_env_load(&s.env, &s.why) == -1)
		fail("%s", s.why.buf);
	compile_spec(&s);
	select_names(&s, nargc, nargv);
	if (s.fixed)
		load_fixed(&s);
	for (k = 0; k < s.nw; k++) {
		if (s.w[k].builtin >= 0)
			builtin = 1;
		if (s.w[k].builtin >= 0 && score_builtins[s.w[k].builtin].clv)
			clv = 1;
	}
	s.o.clv = clv || s.params;

	if (run_begin(&s.run, s.db, "cdp-score", argc, argv, 0, &s.why) == -1)
		fail("run log: %s", s.why.buf);
	if (builtin || s.params)
		compute(&s);
	t1 = mono_now();
	if (verbose)
		fprintf(stderr, "%s: read %zu events of %zu profiles of %zu "
		    "and computed the indicators in %.2f s, CLV in %.2f s\n",
		    progname, s.sd.events, s.sd.recomputed, s.sd.n,
		    s.sd.t_read, s.sd.t_clv);
	if (s.o.clv && !s.sd.bg_ok)
		warnx_("BG/NBD: no fit on %zu customers: CLV scores left out",
		    s.sd.customers);
	else if (s.o.clv && !s.sd.gg_ok)
		warnx_("Gamma-Gamma: no fit: expected_spend and clv left out");
	if (s.o.clv && !s.fixed && s.sd.bg_ok && !s.sd.bg_conv)
		warnx_("BG/NBD: the fit stopped near the maximum, short of "
		    "full convergence");
	if (s.o.clv && !s.fixed && s.sd.gg_ok && !s.sd.gg_conv)
		warnx_("Gamma-Gamma: the fit stopped near the maximum, short "
		    "of full convergence");
	if (expr_materialize(&s.env, &s.why) == -1)
		fail("%s", s.why.buf);

	if (db_begin(s.db, &s.why) == -1)
		fail("%s", s.why.buf);
	if (score_writer_init(&s.sw, s.db, s.run.id, &s.why) == -1)
		fail("%s", s.why.buf);
	for (k = 0; k < s.nw; k++) {
		if (s.w[k].builtin >= 0)
			store_builtin(&s, &s.w[k]);
		else
			store_spec(&s, &s.w[k]);
	}
	if ((builtin || s.params) && score_state_save(s.db, &s.sd, s.run.id,
	    &s.why) == -1)
		fail("%s", s.why.buf);
	if (s.o.clv && !s.fixed && s.sd.bg_ok)
		store_model(&s, 0);
	if (s.o.clv && !s.fixed && s.sd.gg_ok)
		store_model(&s, 1);
	store_run(&s);
	s.run.rows_in = (long long)s.sd.events;
	s.run.rows_ok = s.stored;
	s.run.inserted = s.sw.written;
	s.run.unchanged = s.sw.unchanged;
	sb_reset(&s.tmp);
	sb_addf(&s.tmp, "as of %s: %zu scores, %lld values: %lld written, "
	    "%lld unchanged, %lld removed", s.asof, s.nw, s.stored,
	    s.sw.written, s.sw.unchanged, s.sw.deleted);
	if (nskipped > 0)
		sb_addf(&s.tmp, "; %zu failed and skipped", nskipped);
	msg = xstrdup(s.tmp.buf);
	removed = s.sw.deleted;
	score_writer_release(&s.sw);
	if (db_commit(s.db, &s.why) == -1)
		fail("%s", s.why.buf);
	if (verbose)
		fprintf(stderr, "%s: aggregates and storage of %lld values "
		    "(%lld written, %lld unchanged, %lld removed) in %.2f s\n",
		    progname, s.stored, s.run.inserted, s.run.unchanged,
		    removed, mono_now() - t1);

	if (s.params) {
		if (s.sd.bg_ok) {
			model_json(&s, 0, 1, &s.tmp);
			printf("%s\n", s.tmp.buf);
		}
		if (s.sd.gg_ok) {
			model_json(&s, 1, 1, &s.tmp);
			printf("%s\n", s.tmp.buf);
		}
	}
	if (s.output)
		output(&s);
	if (run_end(&s.run, nskipped > 0 ? "failed" : "ok", msg,
	    &s.why) == -1)
		warnx_("run log: %s", s.why.buf);
	if (!quiet && (builtin || s.params))
		fprintf(stderr, "%s: as of %s: %zu profiles, %zu customers, "
		    "%zu events, %zu scores, %lld values\n", progname, s.asof,
		    s.sd.n, s.sd.customers, s.sd.events, s.nw, s.stored);
	else if (!quiet)
		fprintf(stderr, "%s: as of %s: %zu scores, %lld values\n",
		    progname, s.asof, s.nw, s.stored);
	for (k = 0; k < s.nw; k++) {
		expr_prog_release(&s.w[k].prog);
		while (s.w[k].nrefs > 0)
			free(s.w[k].refs[--s.w[k].nrefs]);
		free(s.w[k].refs);
		free(s.w[k].name);
		free(s.w[k].def);
	}
	rc = (s.params && (!s.sd.bg_ok || !s.sd.gg_ok)) || nskipped > 0 ?
	    EXIT_FAIL : EXIT_OK;
	free(s.w);
	free(s.out);
	free(s.changed);
	free(msg);
	score_data_release(&s.sd);
	expr_env_release(&s.env);
	db_close(s.db);
	sb_release(&s.why);
	sb_release(&s.tmp);
	check_stdout();
	return rc;
}
