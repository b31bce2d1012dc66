/*
 * cdp-merge - turn the pairs of cdp-match into persistent profiles.
 *
 * This file reads the command line and prints; the pairs are read by
 * merge/merge_input.c (each line parsed by merge/pair_reader.c).  The
 * clustering is merge/clustering.c, the run in the database
 * merge/merge_apply.c, the configuration merge/merge_config.c, the profile
 * store merge/profile.c (golden records), merge/profile_graph.c (split, never)
 * and merge/explain.c.  With -o no database is opened: the records are numbered
 * by merge/record_numbers.c and their clusters go to a CSV file.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/cli.h"
#include "core/util.h"
#include "io/csv_options.h"
#include "io/csv_writer.h"
#include "io/output_file.h"
#include "merge/clustering.h"
#include "merge/golden_record.h"
#include "merge/merge_config.h"
#include "merge/merge_input.h"
#include "merge/profile.h"
#include "merge/record_numbers.h"
#include "merge/union_find.h"
#include "store/database.h"
#include "store/run_log.h"
#include "store/statements.h"

#define MAX_CONFIG	(1024 * 1024)

static struct csvo csvopt;	/* -o: -D, --bom, --crlf, --excel */

static void __attribute__((noreturn))
usage(void)
{
	fprintf(cli_usage_out(),
	    "usage: %s [-aPqv] [-C CONFIG] [-d DB] [-t THRESHOLD] "
	    "[-o FILE [-D DELIM] [--bom] [--crlf] [--excel]] [FILE ...]\n"
	    "       %s [-qv] [-d DB] explain PROFILE_ID | RECORD\n"
	    "       %s [-qv] [-C CONFIG] [-d DB] split | unsplit RECORD\n"
	    "       %s [-qv] [-C CONFIG] [-d DB] never RECORD RECORD\n",
	    progname, progname, progname, progname);
	cli_usage_exit();
}

/* Configuration. */

static char *
read_file(const char *path, struct sbuf *why)
{
	struct sbuf sb;
	char buf[8192], *text;
	ssize_t n;
	int fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1) {
		sb_reset(why);
		sb_addf(why, "%s: %s", path, strerror(errno));
		return NULL;
	}
	sb_init(&sb);
	while ((n = read(fd, buf, sizeof(buf))) > 0 && sb.len < MAX_CONFIG)
		sb_add(&sb, buf, (size_t)n);
	close(fd);
	if (n < 0 || sb.len >= MAX_CONFIG) {
		sb_reset(why);
		sb_addf(why, "%s: %s", path, n < 0 ? strerror(errno) :
		    "too large");
		sb_release(&sb);
		return NULL;
	}
	text = sb_detach(&sb);
	sb_release(&sb);
	return text;
}

/* Diagnostics. */

/* A refused or bad link: -q keeps them to the merge log and the count. */
static void
note(void *arg, const char *msg)
{
	(void)arg;
	if (!quiet)
		warnx_("%s", msg);
}

/* File mode. */

static void
file_mode(struct merge *g)
{
	struct keytab *t = &g->kt;
	struct uf u;
	struct csvw w;
	struct mg_link *l;
	FILE *out;
	struct ofile of;
	uint32_t *cid, *cnt, *order, x, r, i;
	size_t k;

	uf_init(&u, t->n);
	u.max_contacts = g->opts.max_contacts;
	u.bd_mode = g->opts.bd_mode;
	if (g->opts.name_guard)
		uf_name_guard(&u);
	/* Without the records, each one counts as a contact of its own. */
	for (x = 0; x < t->n; x++) {
		uf_set_sig(&u, x, (uint64_t)x + 1);
		if (x < g->bd.n)
			uf_set_bdate(&u, x, g->bd.d[x]);
		if (x < g->nm.n)
			uf_set_name(&u, x, &g->nm.v[x]);
	}
	g->m.npop = g->opts.names_only ? t->n : 0;
	mg_cluster(&g->m, &u, NULL);
	for (k = 0; k < g->m.nref; k++) {
		l = &g->m.lk[g->m.ref[k].link];
		sb_reset(&g->why);
		/* By its place in the input, not the records' ids. */
		sb_addf(&g->why, "pair %llu: link refused: ",
		    (unsigned long long)l->spool);
		mg_why_text(&g->m.ref[k].why, g->opts.max_contacts, &g->why);
		if (quiet)
			continue;
		if (k < MAX_MESSAGES)
			warnx_("%s", g->why.buf);
		else if (k == MAX_MESSAGES)
			warnx_("%zu more refused links not shown",
			    g->m.nref - MAX_MESSAGES);
	}
	/* A cluster is named by its first record in input order; rows go
	 * out by cluster, then input order (a counting sort). */
	cid = xmalloc((t->n + 1) * sizeof(*cid));
	cnt = xcalloc(t->n + 1, sizeof(*cnt));
	order = xmalloc((t->n + 1) * sizeof(*order));
	memset(cid, 0xff, (t->n + 1) * sizeof(*cid));
	for (x = 0; x < t->n; x++) {
		r = uf_find(&u, x);
		if (cid[r] == UINT32_MAX)
			cid[r] = x;
		cnt[cid[r] + 1]++;
	}
	for (i = 1; i <= t->n; i++)
		cnt[i] += cnt[i - 1];
	for (x = 0; x < t->n; x++)
		order[cnt[cid[uf_find(&u, x)]]++] = x;
	if (strcmp(g->outpath, "-") == 0)
		out = stdout;
	else if (of_open(&of, g->outpath, &g->why) == -1)
		die(EXIT_FAIL, "%s", g->why.buf);
	else
		out = of.f;
	csvo_writer(&csvopt, &w, out);
	csvw_str(&w, "cluster_id");
	csvw_str(&w, "source");
	csvw_str(&w, "record_id");
	csvw_end(&w);
	for (i = 0; i < t->n; i++) {
		x = order[i];
		csvw_int(&w, (long long)cid[uf_find(&u, x)] + 1);
		csvw_str(&w, kt_source(t, x));
		csvw_str(&w, kt_record_id(t, x));
		if (csvw_end(&w) == -1)
			die(EXIT_FAIL, "%s: %s", g->outpath, strerror(errno));
	}
	csvw_release(&w);
	if (out != stdout && of_commit(&of, &g->why) == -1)
		die(EXIT_FAIL, "%s", g->why.buf);
	if (!quiet) {
		for (x = 0, r = 0; x < t->n; x++)
			r += uf_find(&u, x) == x;
		fprintf(stderr, "%s: %lld pairs read, %lld kept, %lld below "
		    "the threshold, %lld rejected; %u records in %u "
		    "clusters, %zu links refused\n", progname, g->nread,
		    g->nkept, g->nbelow, g->nrejected, t->n, r, g->m.nref);
	}
	free(cid);
	free(cnt);
	free(order);
	uf_release(&u);
}

/* Database mode. */

static sqlite3 *
open_db(const char *dbopt, int flags)
{
	sqlite3 *db;
	struct sbuf why;

	sb_init(&why);
	if (db_open(db_path(dbopt), flags, &db, &why) == -1)
		die(EXIT_FAIL, "%s", why.buf);
	sb_release(&why);
	/*
	 * The golden records read each touched profile's records, in
	 * profile order: all over the record table once it outgrows the
	 * page cache.  Mapped, a page is read from the file once, not
	 * copied in by a system call at each visit (a quarter of a first
	 * night's merge at 100,000 people).
	 */
	(void)db_exec(db, DB_MMAP_SQL, NULL);
	return db;
}

static void
load_config(struct merge *g, const char *confpath)
{
	char *text;

	if (confpath != NULL) {
		if ((text = read_file(confpath, &g->why)) == NULL)
			die(EXIT_USAGE, "%s", g->why.buf);
		if (mergecf_parse(&g->conf, text, confpath, &g->why) == -1)
			die(EXIT_USAGE, "%s", g->why.buf);
		g->conftext = text;
	} else if (g->db != NULL && (text = mergecf_stored(g->db)) != NULL) {
		if (mergecf_parse(&g->conf, text, "stored configuration",
		    &g->why) == -1)
			die(EXIT_FAIL, "%s", g->why.buf);
		free(text);
	}
	g->opts.max_contacts = g->conf.max_contacts;
	g->opts.bd_mode = g->conf.bd_mode;
	g->opts.name_guard = g->conf.name_guard;
	g->opts.names_only = g->conf.names_only;
}

static int
db_mode(struct merge *g, int argc, char **argv, char **argv0, int argc0)
{
	struct prof_store ps;
	struct mg_stats st;
	const char *outcome;
	double t0, t1;
	int failed = 0;

	if (run_begin(&g->run, g->db, "cdp-merge", argc0, argv0, 0,
	    &g->why) == -1)
		die(EXIT_FAIL, "run log: %s", g->why.buf);

	t0 = mono_now();
	mergein_read(g, argc, argv);
	t1 = mono_now();
	/* Records past the watermark arrived after cdp-match read the
	 * store: they stay unresolved for the next run. */
	if (verbose && !g->badinput && g->opts.bounded)
		warnx_("pairs of cdp-match run %lld: records up to rowid %lld "
		    "(run %lld) resolved", g->match_run, g->opts.watermark,
		    g->opts.watermark_run);
	memset(&st, 0, sizeof(st));
	if (g->badinput)
		failed = 1;
	else if (db_begin(g->db, &g->why) == -1) {
		warnx_("begin: %s", g->why.buf);
		failed = 1;
	} else if (prof_open(&ps, g->db, g->run.id, &g->golden) == -1) {
		warnx_("%s", ps.why.buf);
		sb_release(&ps.why);
		db_rollback(g->db);
		failed = 1;
	} else {
		if (mg_apply(&g->m, &ps, &g->opts, &st) == -1 ||
		    (g->conftext != NULL && mergecf_store(g->db, g->conftext,
		    &ps.why) == -1)) {
			warnx_("%s", ps.why.len ? ps.why.buf : g->why.buf);
			failed = 1;
		}
		prof_close(&ps);
		if (failed)
			db_rollback(g->db);
		else if (db_commit(g->db, &g->why) == -1) {
			warnx_("commit: %s", g->why.buf);
			db_rollback(g->db);
			failed = 1;
		}
	}
	if (verbose)
		fprintf(stderr, "%s: seconds: %.2f reading pairs, %.2f reading "
		    "the database, %.2f clustering, %.2f writing (%.2f links), "
		    "%.2f golden records, %.2f commit\n", progname, t1 - t0,
		    st.t_load, st.t_cluster, st.t_write, st.t_links,
		    st.t_golden, mono_now() - t1 - st.t_load - st.t_cluster -
		    st.t_write - st.t_golden);
	g->nrejected += st.bad;
	g->run.rows_in = g->nread;
	g->run.rows_ok = g->nkept - st.bad;
	g->run.rejected = g->nrejected;
	g->run.inserted = st.created;
	g->run.updated = st.touched;
	g->run.warnings = st.refused;
	outcome = failed ? "failed" : g->nrejected ? "rejects" : "ok";
	if (g->failure.len > 0 && !quiet)
		warnx_("input refused: nothing changed");
	/* A merge the run log does not show is a failure: status, and
	 * the next match, read what the log says. */
	if (run_end(&g->run, outcome, g->failure.len ? g->failure.buf : NULL,
	    &g->why) == -1) {
		warnx_("run log: %s", g->why.buf);
		failed = 1;
	}
	sqlite3_finalize(g->sel_key);
	if (!quiet && !failed)
		fprintf(stderr, "%s: %lld pairs read, %lld kept, %lld below "
		    "the threshold, %lld rejected; %lld profiles created, "
		    "%lld merged, %lld records added, %lld refused\n",
		    progname, g->nread, g->nkept - st.bad, g->nbelow,
		    g->nrejected, st.created, st.merged, st.added,
		    st.refused);
	if (failed)
		return EXIT_FAIL;
	return g->nrejected ? EXIT_REJECTS : EXIT_OK;
}

/* Verbs. */

/* The rowid of RECORD (SOURCE:RECORD_ID), dying when there is none. */
static long long
record_arg(sqlite3 *db, const char *key)
{
	struct sbuf why;
	long long rowid = 0;
	int rc;

	sb_init(&why);
	if ((rc = prof_lookup(db, key, &rowid, &why)) == -1)
		die(strchr(key, ':') == NULL ? EXIT_USAGE : EXIT_FAIL, "%s",
		    why.buf);
	if (rc == 0)
		die(EXIT_FAIL, "no record %s", key);
	sb_release(&why);
	return rowid;
}

static long long
profile_of(sqlite3 *db, long long rowid, const char *key)
{
	long long p = 0;
	int rc = prof_of(db, rowid, &p);

	if (rc == -1)
		die(EXIT_FAIL, "member: %s", sqlite3_errmsg(db));
	if (rc == 0)
		die(EXIT_FAIL, "%s is in no profile yet: run cdp-merge first",
		    key);
	return p;
}

static int
verb_explain(struct merge *g, const char *arg)
{
	struct sbuf why;
	const char *errstr;
	long long p, rec = 0;

	sb_init(&why);
	if (strchr(arg, ':') == NULL) {
		if (parse_ll(arg, 1, INT64_MAX, &p, &errstr) == -1)
			die(EXIT_USAGE, "%s is neither a profile id nor a "
			    "record (SOURCE:RECORD_ID)",
			    quote_value(arg, strlen(arg)));
	} else {
		rec = record_arg(g->db, arg);
		p = profile_of(g->db, rec, arg);
	}
	if (prof_explain(g->db, p, rec, stdout, &why) == -1)
		die(EXIT_FAIL, "%s", why.buf);
	sb_release(&why);
	return EXIT_OK;
}

/* split, unsplit and never: one transaction, logged as a run. */
enum { V_NEVER, V_SPLIT, V_UNSPLIT };

static int
verb_change(struct merge *g, int verb, char **keys, int argc0, char **argv0)
{
	struct prof_store ps;
	struct sbuf reason;
	long long r[2], p[2] = { 0, 0 }, other = 0;
	char name[2][32], **args;
	int i, rc, nnew = 0, nbridge = 0, fresh = 0, failed = 1, one;

	one = verb != V_NEVER;
	sb_init(&reason);
	r[0] = record_arg(g->db, keys[0]);
	r[1] = one ? 0 : record_arg(g->db, keys[1]);
	if (!one && r[0] == r[1])
		die(EXIT_USAGE, "a record cannot be kept apart from itself");
	/*
	 * From here on a record is named by its number: the messages, the
	 * run log and merge_log name no one (cdp-privacy(1)).
	 */
	for (i = 0; i < 2; i++)
		snprintf(name[i], sizeof(name[i]), "record %lld", r[i]);
	args = xcalloc((size_t)argc0 + 1, sizeof(*args));
	for (i = 0; i < argc0; i++)
		args[i] = argv0[i] == keys[0] ? name[0] : !one &&
		    argv0[i] == keys[1] ? name[1] : argv0[i];
	if (one)
		(void)profile_of(g->db, r[0], name[0]);
	if (verb == V_UNSPLIT) {
		char *ev;
		long long id;

		if ((rc = prof_last_split(g->db, r[0], &id, &ev,
		    &g->why)) == -1)
			die(EXIT_FAIL, "merge_log: %s", g->why.buf);
		free(ev);
		if (rc == 0)
			die(EXIT_FAIL, "no split of %s to undo", name[0]);
	}
	if (run_begin(&g->run, g->db, "cdp-merge", argc0, args, 0,
	    &g->why) == -1)
		die(EXIT_FAIL, "run log: %s", g->why.buf);
	free(args);
	if (db_begin(g->db, &g->why) == -1)
		die(EXIT_FAIL, "begin: %s", g->why.buf);
	if (prof_open(&ps, g->db, g->run.id, &g->golden) == -1)
		die(EXIT_FAIL, "%s", ps.why.buf);
	for (i = 0; i < 2 - one; i++)
		if ((rc = prof_of(g->db, r[i], &p[i])) == -1)
			goto out;
	if (verb == V_SPLIT) {
		sb_addf(&reason, "%s split off by request", name[0]);
		if (prof_split(&ps, p[0], r[0], reason.buf, &other,
		    &nbridge) == -1)
			goto out;
		nnew = other != 0;
	} else if (verb == V_UNSPLIT) {
		sb_addf(&reason, "split of %s undone by request", name[0]);
		if ((fresh = prof_unsplit(&ps, r[0], reason.buf, &other)) ==
		    -1)
			goto out;
		if (fresh == 0) {
			sb_addf(&ps.why, "no split of %s to undo", name[0]);
			goto out;
		}
	} else {
		sb_addf(&reason, "never-link %s and %s", name[0], name[1]);
		if ((fresh = prof_never(&ps, r[0], r[1])) == -1)
			goto out;
		if (fresh && prof_log(&ps, "never", p[0], p[1], r[0],
		    reason.buf, NULL, 0) == -1)
			goto out;
		if (fresh && p[0] != 0 && p[0] == p[1] &&
		    prof_recluster(&ps, p[0], 0, reason.buf, &nnew) == -1)
			goto out;
	}
	if (prof_finish(&ps) == -1)
		goto out;
	failed = 0;
out:
	if (failed)
		warnx_("%s", ps.why.len ? ps.why.buf : sqlite3_errmsg(g->db));
	prof_close(&ps);
	if (failed)
		db_rollback(g->db);
	else if (db_commit(g->db, &g->why) == -1) {
		warnx_("commit: %s", g->why.buf);
		db_rollback(g->db);
		failed = 1;
	}
	g->run.inserted = nnew;
	if (run_end(&g->run, failed ? "failed" : "ok", NULL, &g->why) == -1) {
		warnx_("run log: %s", g->why.buf);
		failed = 1;
	}
	if (!failed && !quiet) {
		if (verb == V_SPLIT && nnew == 0)
			fprintf(stderr, "%s: %s is alone in profile %lld "
			    "already\n", progname, name[0], p[0]);
		else if (verb == V_SPLIT && nbridge > 0)
			fprintf(stderr, "%s: %s split off profile %lld into "
			    "profile %lld; %d bridge link%s keep%s the rest "
			    "together\n", progname, name[0], p[0], other,
			    nbridge, nbridge == 1 ? "" : "s", nbridge == 1 ?
			    "s" : "");
		else if (verb == V_SPLIT)
			fprintf(stderr, "%s: %s split off profile %lld into "
			    "profile %lld\n", progname, name[0], p[0], other);
		else if (verb == V_UNSPLIT)
			fprintf(stderr, "%s: split of %s undone: it is in "
			    "profile %lld\n", progname, name[0], other);
		else if (!fresh)
			fprintf(stderr, "%s: %s and %s are a never-link "
			    "already\n", progname, name[0], name[1]);
		else if (nnew > 0)
			fprintf(stderr, "%s: never-link %s and %s: profile "
			    "%lld split (%d new profile%s)\n", progname,
			    name[0], name[1], p[0], nnew, nnew == 1 ? "" : "s");
		else
			fprintf(stderr, "%s: never-link %s and %s\n", progname,
			    name[0], name[1]);
	}
	sb_release(&reason);
	return failed ? EXIT_FAIL : EXIT_OK;
}

int
main(int argc, char *argv[])
{
	static const struct option longopts[] = {
		CSVO_LONGOPTS,
		CLI_LONGOPTS,
		{ NULL, 0, NULL, 0 }
	};
	struct merge g;
	const char *dbopt = NULL, *confpath = NULL, *verb = NULL;
	char *end;
	int ch, rc, argc0 = argc;
	char **argv0 = argv;

	set_progname(argv[0]);
	run_log_usage(argc, argv);
	memset(&g, 0, sizeof(g));
	kt_init(&g.kt);
	sb_init(&g.why);
	sb_init(&g.json);
	sb_init(&g.failure);
	golden_init(&g.golden);
	mergecf_init(&g.conf, &g.golden);
	g.threshold = 0.5;
	g.opts.note = note;
	while ((ch = getopt_long(argc, argv, "aC:D:d:ho:Pqt:Vv",
	    longopts, NULL)) != -1) {
		if ((rc = csvo_option(&csvopt, ch, optarg)) == -1)
			die(EXIT_USAGE, MAP_DELIM_ERR);
		if (rc == 1)
			continue;
		switch (ch) {
		case 'a':
			g.opts.rebuild = 1;
			break;
		case 'P':
			g.notrailer = 1;
			break;
		case 'C':
			confpath = optarg;
			break;
		case 'd':
			dbopt = optarg;
			break;
		case 'h':
			cli_help = 1;
			usage();
		case 'o':
			g.outpath = optarg;
			break;
		case 'q':
			quiet = 1;
			break;
		case 't':
			errno = 0;
			g.threshold = strtod(optarg, &end);
			if (errno || end == optarg || *end != '\0' ||
			    !(g.threshold >= 0 && g.threshold <= 1))
				die(EXIT_USAGE, "threshold %s is not a number "
				    "in [0, 1]", quote_value(optarg,
				    strlen(optarg)));
			g.have_t = 1;
			break;
		case 'V':
			printf("cdp-merge %s\n", CDP_VERSION);
			check_stdout();
			exit(0);
		case 'v':
			verbose = 1;
			break;
		default:
			usage();
		}
	}
	argc -= optind;
	argv += optind;
	if (argc > 0 && (strcmp(argv[0], "explain") == 0 ||
	    strcmp(argv[0], "split") == 0 || strcmp(argv[0], "unsplit") == 0 ||
	    strcmp(argv[0], "never") == 0)) {
		verb = argv[0];
		if (g.outpath != NULL || argc != (verb[0] == 'n' ? 3 : 2) ||
		    (verb[0] == 'e' && confpath != NULL))
			usage();
	}
	if (g.opts.rebuild && (verb != NULL || g.outpath != NULL))
		usage();
	if (csvo_any(&csvopt) && (verb != NULL || g.outpath == NULL))
		die(EXIT_USAGE, "-D, --bom, --crlf and --excel are for -o");
	if (verb == NULL && g.outpath != NULL) {
		/* File mode: no database at all. */
		load_config(&g, confpath);
		if (mg_init(&g.m, 0) == -1)
			die(EXIT_FAIL, "spool: %s", strerror(errno));
		g.pr = pair_reader_new();
		mergein_read(&g, argc, argv);
		/* Clusters of part of the input would be wrong: none. */
		if (!g.badinput)
			file_mode(&g);
		else if (g.failure.len > 0 && !quiet)
			warnx_("input refused: no clusters written");
		rc = g.badinput ? EXIT_FAIL : g.nrejected ? EXIT_REJECTS :
		    EXIT_OK;
	} else if (verb != NULL && strcmp(verb, "explain") == 0) {
		g.db = open_db(dbopt, DB_RDONLY);
		rc = verb_explain(&g, argv[1]);
	} else {
		g.db = open_db(dbopt, 0);
		load_config(&g, confpath);
		if (verb != NULL)
			rc = verb_change(&g, verb[0] == 's' ? V_SPLIT :
			    verb[0] == 'u' ? V_UNSPLIT : V_NEVER, argv + 1, argc0,
			    argv0);
		else {
			if (mg_init(&g.m, 1) == -1)
				die(EXIT_FAIL, "spool: %s", strerror(errno));
			g.pr = pair_reader_new();
			rc = db_mode(&g, argc, argv, argv0, argc0);
		}
	}
	if (g.db != NULL)
		db_close(g.db);
	mg_release(&g.m);
	pair_reader_free(g.pr);
	golden_release(&g.golden);
	kt_release(&g.kt);
	free(g.bd.d);
	free(g.nm.v);
	free(g.conftext);
	while (g.nsrc > 0)
		free(g.srcname[--g.nsrc]);
	free(g.srcname);
	free(g.srcid);
	sb_release(&g.why);
	sb_release(&g.json);
	sb_release(&g.failure);
	check_stdout();
	return rc;
}
