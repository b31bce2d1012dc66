/*
 * cdp-match - identity resolution, first half: candidate pairs of
 * records that are the same person, with the evidence, one NDJSON line
 * per pair (match/pair_writer.h), for cdp-merge to cluster.
 *
 * Records come from the database (by default only those not yet
 * resolved, compared against every record) or from files (no database
 * at all).  Two kinds of links are written: deterministic ones, records
 * sharing a strong identifier, guarded against junk and shared values
 * (match/deterministic.h); and probabilistic ones, pairs the blocking rules
 * propose (match/blocking.h) scored by a Fellegi-Sunter model trained on the
 * data without labels (match/training.h, match/pair_score.h).  The run works in
 * memory: every value interned once (match/record_set.h), so that a million
 * records fit in a few hundred megabytes and a comparison costs mostly integer
 * compares.
 *
 * Output is sorted by the two records' rowids (input positions for
 * files) so that the same input always gives the same bytes
 * (match/match_output.h).
 */
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/cli.h"
#include "core/hash.h"
#include "io/output_check.h"
#include "io/record_reader.h"
#include "match/attr_ident.h"
#include "match/blocking.h"
#include "match/deterministic.h"
#include "match/match_config.h"
#include "match/match_output.h"
#include "match/pair_score.h"
#include "match/parallel.h"
#include "match/record_load.h"
#include "match/record_set.h"
#include "match/stored_keys.h"
#include "match/training.h"
#include "normalise/field_map.h"
#include "store/database.h"
#include "store/run_log.h"

#define MAX_MESSAGES	100	/* input diagnostics shown per file */
#define MAX_SKIPS	10	/* skipped blocks shown */

struct match {
	struct mcfg cfg;
	struct mset ms;
	struct mdet det;
	struct blk bk;
	struct msc sc;
	int	 trained;	/* the model can score */
	int	 incremental;	/* database mode without -a */
	int	 partial;	/* only the records the new ones can meet */
	int	 dbmode;	/* records are the store's, named by rowid */
	int	 tf_failed;	/* a term frequency could not be read */
	struct mkdb mk;		/* the stored keys (match/stored_keys.h) */
	struct mkey_inc inc;
	uint64_t fp;		/* the configuration's key fingerprint */
	double	 threshold;
	uint32_t part, nparts;	/* -p: this partition of the pairs, of */
	long long wm_rowid;	/* the records read: largest rowid */
	long long wm_run;	/* and largest record.run */

	struct mout out;	/* the pairs to write (match/match_output.h) */
	size_t	 scored;	/* candidate pairs compared */
	uint64_t *cand;		/* candidates to score, a << 32 | b */
	size_t	 ncand, capcand;
	size_t	 same;		/* candidates already joined by identifiers */
	size_t	 vetoed;	/* candidates of two distinct people */
	size_t	 nskips;
	int8_t	*lev;
	uint32_t *va, *vb;
	struct mdet_memo *memo;	/* the veto's */
	struct progress prog;	/* on a terminal (core/cli.h) */

	long	 nmsg;		/* diagnostics for the current file */
	long	 rejected;
	long	 warnings;
	struct sbuf why, tmp;
};

static void __attribute__((noreturn))
usage(void)
{
	fprintf(cli_usage_out(),
	    "usage: %s [-aPqv] [-d DB] [-j THREADS] [-t THRESHOLD] "
	    "[-C CONFIG] [-f csv|ndjson]\n"
	    "           [-s SOURCE] [-i ID_FIELD] "
	    "[-m CANON=FIELD | -m CANON:=VALUE]...\n"
	    "           [-M MAPFILE] [-c COUNTRY] [-T DATE_FORMAT] "
	    "[-p PART/PARTS] [FILE ...]\n", progname);
	cli_usage_exit();
}

static void
on_diag(void *arg, int rej, const char *file, long line, const char *reason,
    const char *raw, size_t rawlen)
{
	struct match *g = arg;

	(void)raw;
	(void)rawlen;
	if (rej)
		g->rejected++;
	else
		g->warnings++;
	if (++g->nmsg > MAX_MESSAGES) {
		if (g->nmsg == MAX_MESSAGES + 1)
			warnx_("%s: more problems not shown", file);
		return;
	}
	fprintf(stderr, "%s: %s:%ld: %s\n", progname, file, line, reason);
}

static void
on_skip(void *arg, size_t rule, uint32_t rec, size_t size)
{
	struct match *g = arg;

	if (quiet || ++g->nskips > MAX_SKIPS)
		return;
	/*
	 * The key is personal data (a name, a postal code): the record
	 * that holds it names it, by number, or by input position.
	 */
	warnx_("block %s: the key of %srecord %lld has %zu records, over "
	    "block-cap %ld: skipped", g->cfg.block[rule].text,
	    g->dbmode ? "" : "input ", (long long)g->ms.rowid[rec] +
	    !g->dbmode, size, g->cfg.block_cap);
}

/*
 * -p: the partition a 64-bit key falls in.  A model pair belongs to the
 * block that found it (its rule and key: blocking finds each pair in
 * one rule only), an identifier pair to the value's first holder (the
 * star's centre), so each pair of the run is in exactly one partition
 * and the partitions' pairs together are the run's.
 */
static int
in_part(const struct match *g, uint64_t key)
{
	if (g->nparts <= 1)
		return 1;
	key = hash_fnv(HASH_FNV0, &key, sizeof(key));
	return (uint32_t)((key ^ (key >> 32)) % g->nparts) == g->part;
}

/* "PART/PARTS", 0 <= PART < PARTS; -1 when it is not. */
static int
parse_part(const char *s, uint32_t *part, uint32_t *nparts)
{
	const char *slash = strchr(s, '/'), *errstr;
	char buf[32];
	long long p, n;

	if (slash == NULL || (size_t)(slash - s) >= sizeof(buf))
		return -1;
	memcpy(buf, s, (size_t)(slash - s));
	buf[slash - s] = '\0';
	if (parse_ll(slash + 1, 1, 65536, &n, &errstr) == -1 ||
	    parse_ll(buf, 0, n - 1, &p, &errstr) == -1)
		return -1;
	*part = (uint32_t)p;
	*nparts = (uint32_t)n;
	return 0;
}

/* A candidate pair from the blocking rules: kept unless settled already. */
static void
candidate(void *arg, uint32_t a, uint32_t b, size_t rule)
{
	struct match *g = arg;

	if (!in_part(g, g->bk.key[rule][a] ^ (uint64_t)rule << 56))
		return;
	if (mdet_find(&g->det, a) == mdet_find(&g->det, b)) {
		g->same++;
		return;
	}
	if ((mdet_conflict(g->memo, &g->cfg, &g->ms, a, b) &&
	    !msc_docs_outweigh(&g->sc, a, b, g->lev, g->va, g->vb)) ||
	    mdet_bridge(&g->det, &g->cfg, &g->ms, a, b)) {
		g->vetoed++;
		return;
	}
	if (g->ncand == g->capcand) {
		g->capcand = g->capcand ? 2 * g->capcand : 65536;
		g->cand = xrealloc(g->cand, g->capcand * sizeof(*g->cand));
	}
	g->cand[g->ncand++] = (uint64_t)a << 32 | b;
	if ((g->ncand & 0xffff) == 1)
		progress_step(&g->prog, g->ncand);
}

/* Score the candidates gathered: the comparisons proper. */
static void
score(struct match *g)
{
	progress_init(&g->prog, "pairs scored");
	mout_score(&g->out, &g->sc, g->cand, g->ncand, g->threshold,
	    &g->prog);
	progress_done(&g->prog);
	g->scored += g->ncand;
}

/* CPU seconds used by the process so far. */
static double
cpu_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void
report_training(const struct match *g, const struct mtr_stats *st)
{
	size_t r;

	warnx_("model: %zu records, %zu random pairs for u, lambda %.3g, "
	    "%.0f matching pairs estimated", st->records, st->random_pairs,
	    st->lambda, st->matches);
	for (r = 0; r < st->nrule; r++)
		warnx_("model: block %s: %zu pairs, %zu sampled, EM %d "
		    "iterations, match share %.3g, recall %.3g",
		    g->cfg.block[r].text, st->rule[r].pairs,
		    st->rule[r].sampled, st->rule[r].iterations,
		    st->rule[r].lambda, st->rule[r].recall);
}

/* Train, or reuse the stored model when it fits; 0 when it can score. */
static int
model(struct match *g, sqlite3 *db, int all, int *trained_now)
{
	struct mtr_stats st;
	struct fs_model fm;
	double t0 = mono_now(), c0 = cpu_now();
	size_t k;

	*trained_now = 0;
	if (db != NULL && !all && mtr_model_load(db, &fm, &g->why) == 0) {
		if (msc_model_fits(&g->sc, &fm)) {
			for (k = 0; k < fm.nfields; k++)
				g->sc.fm.field[k] = fm.field[k];
			g->sc.fm.lambda = fm.lambda;
			g->sc.fm.floor = fm.floor;
			g->sc.fm.tf_floor = fm.tf_floor;
			fs_model_update(&g->sc.fm);
			fs_model_release(&fm);
			if (verbose)
				warnx_("model: stored model reused");
			return 0;
		}
		fs_model_release(&fm);
		if (verbose)
			warnx_("model: stored model does not fit the "
			    "configuration: training");
	}
	if (mtr_train(&g->sc, &g->bk, &st) == -1) {
		if (verbose)
			warnx_("model: too little data to train: "
			    "identifiers only");
		mtr_stats_release(&st);
		return -1;
	}
	if (verbose) {
		report_training(g, &st);
		warnx_("model: trained in %.2f s, %.2f s CPU", mono_now() - t0,
		    cpu_now() - c0);
	}
	mtr_stats_release(&st);
	*trained_now = 1;
	return 0;
}

/* Everything main holds, released (safe on parts never set up). */
static void
release(struct match *g, struct map *map)
{
	if (g->bk.key != NULL)
		blk_release(&g->bk);
	if (g->sc.cfg != NULL)
		msc_release(&g->sc);
	mdet_release(&g->det);
	if (g->ms.ol != NULL)
		mset_release(&g->ms);
	mcfg_release(&g->cfg);
	map_release(map);
	mout_release(&g->out);
	free(g->cand);
	free(g->lev);
	free(g->va);
	free(g->vb);
	free(g->memo);
	mkdb_close(&g->mk);
	mkey_inc_release(&g->inc);
	sb_release(&g->why);
	sb_release(&g->tmp);
}

static uint32_t
tf_fetch(void *arg, size_t k, const char *v, size_t n)
{
	struct match *g = arg;
	long long c;

	if ((c = mkdb_tf(&g->mk, MKEY_TF + (int)k, mkey_hash(v, n))) < 0) {
		g->tf_failed = 1;
		return 0;
	}
	return (uint32_t)c;
}

/*
 * Whether an incremental run can load only part of the records: the
 * stored keys fit the configuration and so does the stored model (a
 * model to train needs every record).
 */
static int
can_be_partial(struct match *g, sqlite3 *db)
{
	struct fs_model fm;
	struct msc sc;
	int ok;

	if (mkdb_valid(&g->mk, g->fp, &g->why) != 1)
		return 0;
	if (mtr_model_load(db, &fm, &g->why) == -1)
		return 0;
	msc_init(&sc, &g->cfg, &g->ms);
	ok = msc_model_fits(&sc, &fm);
	msc_release(&sc);
	fs_model_release(&fm);
	return ok;
}

/* Records of the database: all, or those an incremental run needs. */
static int
load_db(struct match *g, sqlite3 *db, int all)
{
	uint64_t off;

	g->fp = mkey_fingerprint(&g->cfg);
	if (mkdb_open(&g->mk, db, &g->why) == -1)
		return -1;
	g->partial = !all && can_be_partial(g, db);
	if (!g->partial)
		return db_exec(db, "BEGIN", &g->why) == -1 ||
		    mload_watermark(db, &g->wm_rowid, &g->wm_run,
		    &g->why) == -1 ||
		    mload_db(&g->ms, &g->cfg, db, all, &g->why) == -1 ||
		    db_exec(db, "COMMIT", &g->why) == -1 ? -1 : 0;
	/*
	 * The records read are scattered over most of the table's pages:
	 * mapped, they are not copied page by page into the cache.
	 */
	if (db_exec(db, "PRAGMA mmap_size = 4294967296", &g->why) == -1)
		return -1;
	if (db_begin(db, &g->why) == -1)
		return -1;
	/* The rules the full run left out pair nobody: their blocks unread. */
	if (mkdb_rules_get(&g->mk, g->fp, &off, &g->why) != 1)
		off = 0;
	if (mload_watermark(db, &g->wm_rowid, &g->wm_run, &g->why) == -1 ||
	    mkey_load_incremental(&g->mk, &g->ms, &g->cfg, off, &g->inc,
	    &g->why) == -1) {
		db_rollback(db);
		return -1;
	}
	if (verbose)
		warnx_("%zu unresolved records (keys stored for %zu), %zu "
		    "records they can meet", g->inc.unresolved, g->inc.keyed,
		    g->ms.n - g->inc.unresolved);
	return db_commit(db, &g->why);
}

/* After a full load: the stored keys rewritten from it. */
static int
store_keys(struct match *g, sqlite3 *db)
{
	double t0 = mono_now(), c0 = cpu_now();

	if (db_begin(db, &g->why) == -1)
		return -1;
	if (mkey_rebuild(&g->mk, &g->ms, &g->sc, g->fp, g->bk.off,
	    &g->why) == -1) {
		db_rollback(db);
		return -1;
	}
	if (db_commit(db, &g->why) == -1)
		return -1;
	if (verbose)
		warnx_("keys stored for %zu records in %.2f s, %.2f s CPU",
		    g->ms.n, mono_now() - t0, cpu_now() - c0);
	return 0;
}

/* The blocks over the cap in the database, for the records loaded. */
static void
set_sizes(struct match *g)
{
	size_t i, lo, hi, mid;

	for (i = 0; i < g->inc.nover; i++) {
		for (lo = 0, hi = g->ms.n; lo < hi; ) {
			mid = lo + (hi - lo) / 2;
			if (g->ms.rowid[mid] < g->inc.over[i].key)
				lo = mid + 1;
			else
				hi = mid;
		}
		if (lo < g->ms.n && g->ms.rowid[lo] == g->inc.over[i].key)
			blk_set_size(&g->bk, g->inc.over[i].rule,
			    (uint32_t)lo, g->inc.over[i].size);
	}
}

/* The records the model can compare, flagged; their number. */
static size_t
flag_eligible(struct match *g)
{
	size_t r, count = 0;
	int n;

	for (r = 0; r < g->ms.n; r++)
		if ((n = msc_nfields(&g->sc, r)) >= g->cfg.min_fields && n > 0) {
			g->ms.flag[r] |= MSET_FS;
			count++;
		}
	return count;
}

/* The attr.NAME of the compare lines of conf, space separated, in out. */
static const char *
found_names(const struct sbuf *conf, struct sbuf *out)
{
	const char *s = conf->buf, *e;

	sb_reset(out);
	while ((s = strstr(s, "compare ")) != NULL) {
		s += 8;
		e = strchr(s, '\n');
		if (out->len > 0)
			sb_addc(out, ' ');
		sb_add(out, s, e ? (size_t)(e - s) : strlen(s));
	}
	return out->buf;
}

/* Whether no blocking rule pairs any two records (a model untrained). */
static int
no_candidates(struct match *g)
{
	size_t r;

	for (r = 0; r < g->cfg.nblock; r++)
		if (blk_count(&g->bk, r, g->cfg.link == MCFG_LINK_ONLY) > 0)
			return 0;
	return 1;
}

/*
 * The blocking rules for the data at hand (blk_choose): a full run
 * measures them and keeps its choice for the incremental runs, which
 * see only part of the records and reuse it.
 */
static int
choose_rules(struct match *g, sqlite3 *db)
{
	struct blk_choice *ch;
	uint64_t mask;
	size_t r;
	int got;

	if (g->partial) {
		if ((got = mkdb_rules_get(&g->mk, g->fp, &mask, &g->why)) ==
		    -1)
			return -1;
		if (got == 1)
			blk_leave_out(&g->bk, mask);
		return 0;
	}
	if (g->cfg.block_budget <= 0)
		return 0;
	ch = xcalloc(g->cfg.nblock + 1, sizeof(*ch));
	blk_choose(&g->bk, (double)g->cfg.block_budget,
	    g->cfg.link == MCFG_LINK_ONLY, ch);
	for (r = 0; verbose && r < g->cfg.nblock; r++) {
		if (ch[r].keyed == 0)
			warnx_("blocking: %s: no record has its fields",
			    g->cfg.block[r].text);
		else if (ch[r].over)
			warnx_("blocking: %s: %zu records keyed, %zu "
			    "comparisons, over block-budget %ld a record: "
			    "left out", g->cfg.block[r].text, ch[r].keyed,
			    ch[r].pairs, g->cfg.block_budget);
		else
			warnx_("blocking: %s: %zu records keyed, %zu "
			    "comparisons", g->cfg.block[r].text, ch[r].keyed,
			    ch[r].pairs);
	}
	free(ch);
	if (db != NULL && mkdb_rules_put(&g->mk, g->fp, g->bk.off,
	    &g->why) == -1)
		return -1;
	return 0;
}

int
main(int argc, char *argv[])
{
	static const struct option longopts[] = {
		CLI_LONGOPTS,
		{ NULL, 0, NULL, 0 }
	};
	struct match g;
	struct map map;
	struct rin_opts opts = { 0 };
	struct blk_opts bo;
	struct run run;
	struct mpair_trailer tr;
	char tbuf[64];
	sqlite3 *db = NULL;
	const char *dbopt = NULL, *cfgpath = NULL, *source = NULL;
	const char *country = NULL, *datefmt = NULL;
	char **maps, **mapfiles;
	size_t nmaps = 0, nmapfiles = 0, i, r, nnew = 0, neligible;
	int ch, all = 0, printm = 0, fmt = RIN_GUESS, have_t = 0, dbmode;
	int trained_now = 0, failed = 0;
	char *outerr = NULL;
	double t0 = mono_now(), t1, c1, tval = 0;
	long long nthreads = par_ncpu();
	const char *errstr;

	set_progname(argv[0]);
	run_log_usage(argc, argv);
	oc_ignore_sigpipe();
	memset(&g, 0, sizeof(g));
	memset(&run, 0, sizeof(run));
	sb_init(&g.why);
	sb_init(&g.tmp);
	map_init(&map);
	maps = xcalloc((size_t)argc + 1, sizeof(*maps));
	mapfiles = xcalloc((size_t)argc + 1, sizeof(*mapfiles));
	while ((ch = getopt_long(argc, argv, "aC:c:d:f:hi:j:M:m:Pp:qs:T:t:Vv",
	    longopts, NULL)) != -1) {
		switch (ch) {
		case 'a':
			all = 1;
			break;
		case 'C':
			cfgpath = optarg;
			break;
		case 'c':
			country = optarg;
			break;
		case 'd':
			dbopt = optarg;
			break;
		case 'f':
			if ((fmt = map_parse_format(optarg, RIN_CSV,
			    RIN_NDJSON)) == -1)
				die(EXIT_USAGE, MAP_FORMAT_ERR);
			break;
		case 'h':
			cli_help = 1;
			usage();
		case 'i':
			free(map.id_field);
			map.id_field = xstrdup(optarg);
			break;
		case 'j':
			if (parse_ll(optarg, 1, 256, &nthreads, &errstr) == -1)
				die(EXIT_USAGE, "-j %s: a number of threads "
				    "from 1 to 256", quote_value(optarg,
				    strlen(optarg)));
			break;
		case 'M':
			mapfiles[nmapfiles++] = optarg;
			break;
		case 'm':
			maps[nmaps++] = optarg;
			break;
		case 'P':
			printm = 1;
			break;
		case 'p':
			if (parse_part(optarg, &g.part, &g.nparts) == -1)
				die(EXIT_USAGE, "-p %s: a partition PART/PARTS, "
				    "0 <= PART < PARTS <= 65536",
				    quote_value(optarg, strlen(optarg)));
			break;
		case 'q':
			quiet = 1;
			break;
		case 's':
			source = optarg;
			break;
		case 'T':
			datefmt = optarg;
			break;
		case 't':
			if (sscanf(optarg, "%lf", &tval) != 1 || !(tval >= 0 &&
			    tval <= 1) || strspn(optarg, "0123456789.") !=
			    strlen(optarg))
				die(EXIT_USAGE, "threshold %s: a probability "
				    "from 0 to 1", quote_value(optarg,
				    strlen(optarg)));
			have_t = 1;
			break;
		case 'V':
			printf("cdp-match %s\n", CDP_VERSION);
			free(maps);
			free(mapfiles);
			map_release(&map);
			sb_release(&g.why);
			sb_release(&g.tmp);
			return 0;
		case 'v':
			verbose = 1;
			break;
		default:
			usage();
		}
	}
	argc -= optind;
	argv += optind;
	dbmode = argc == 0;
	if (dbmode && (source || nmaps || nmapfiles || country || datefmt ||
	    map.id_field))
		die(EXIT_USAGE, "-s, -i, -m, -M, -c and -T apply to input "
		    "files");
	if (!dbmode && all)
		die(EXIT_USAGE, "-a applies to the database");

	if (!dbmode) {
		if (rin_opts_init(&opts, &map, mapfiles, nmapfiles, maps,
		    nmaps, country, datefmt, 0, fmt, &g.why) == -1)
			die(EXIT_USAGE, "%s", g.why.buf);
		/* Identifier columns the map leaves unmapped: compared. */
		for (i = 0; i < (size_t)argc; i++)
			(void)mattr_find(argv[i], &opts, &g.tmp);
	} else if (db_open(db_path(dbopt), DB_RDONLY, &db, &g.why) == 0) {
		/* The same over the store, source by source. */
		if (mattr_find_db(db, &g.tmp, &g.why) == -1)
			die(EXIT_FAIL, "%s", g.why.buf);
		db_close(db);
		db = NULL;
	}
	if (verbose && g.tmp.len > 0)
		warnx_("attributes compared as identifiers, found in the "
		    "data: %s", found_names(&g.tmp, &g.why));
	if (mcfg_load_with(&g.cfg, cfgpath, g.tmp.len ? g.tmp.buf : NULL,
	    &g.why) == -1)
		die(EXIT_USAGE, "%s", g.why.buf);
	sb_reset(&g.tmp);
	g.threshold = have_t ? tval : g.cfg.threshold;
	mpair_num(tbuf, sizeof(tbuf), g.threshold, 5);
	if (verbose)
		warnx_("threshold %s, from %s", tbuf,
		    have_t ? "-t" : cfgpath != NULL ? cfgpath :
		    "the default configuration");

	if (dbmode && printm) {
		struct fs_model fm;

		if (db_open(db_path(dbopt), DB_RDONLY, &db, &g.why) == -1)
			die(EXIT_FAIL, "%s", g.why.buf);
		if (mtr_model_load(db, &fm, &g.why) == -1)
			die(EXIT_FAIL, "%s", g.why.buf);
		mout_model(&fm, fmt);
		fs_model_release(&fm);
		db_close(db);
		free(maps);
		free(mapfiles);
		release(&g, &map);
		check_stdout();
		return EXIT_OK;
	}

	mset_init(&g.ms, g.cfg.nslot);
	g.dbmode = dbmode;
	if (dbmode) {
		if (db_open(db_path(dbopt), 0, &db, &g.why) == -1)
			die(EXIT_FAIL, "%s", g.why.buf);
		if (run_begin(&run, db, "cdp-match", argc + optind,
		    argv - optind, 0, &g.why) == -1)
			die(EXIT_FAIL, "run log: %s", g.why.buf);
		if (load_db(&g, db, all) == -1) {
			warnx_("%s", g.why.buf);
			run_end(&run, "failed", g.why.buf, &g.tmp);
			die(EXIT_FAIL, "cannot read the records");
		}
		g.incremental = !all;
	} else {
		for (i = 0; i < (size_t)argc; i++) {
			const char *src = source ? source :
			    strcmp(argv[i], "-") == 0 ? "stdin" : argv[i];

			g.nmsg = 0;
			if (mload_file(&g.ms, &g.cfg, argv[i], src, &opts,
			    on_diag, &g, &g.why) == -1) {
				warnx_("%s", g.why.buf);
				failed = 1;
			}
		}
	}
	free(maps);
	free(mapfiles);
	if (verbose)
		warnx_("%zu records read in %.2f s, %.2f s CPU, %u distinct "
		    "values", g.ms.n, mono_now() - t0, cpu_now(),
		    g.ms.nval - 1);

	/* Identifiers: junk cleared first, so nothing else sees it. */
	t1 = mono_now();
	c1 = cpu_now();
	mload_fold(&g.ms, &g.cfg);
	mdet_init(&g.det, g.ms.n);
	mdet_aliases(&g.cfg, &g.ms);
	mdet_clear_junk(&g.det, &g.cfg, &g.ms);
	msc_init(&g.sc, &g.cfg, &g.ms);
	g.sc.threads = (int)nthreads;
	neligible = flag_eligible(&g);
	if (g.partial)
		msc_fetch_tf(&g.sc, g.inc.den, tf_fetch, &g);
	else
		msc_count_tf(&g.sc);
	mdet_links(&g.det, &g.cfg, &g.ms, g.incremental);
	if (verbose)
		warnx_("identifiers: %zu junk values cleared from %zu "
		    "records, %zu shared values, %zu linking values, %zu "
		    "links, in %.2f s, %.2f s CPU", g.det.st.junk_values,
		    g.det.st.junk_records, g.det.st.shared_values,
		    g.det.st.linking_values, g.det.npair, mono_now() - t1,
		    cpu_now() - c1);

	t1 = mono_now();
	c1 = cpu_now();
	blk_init(&g.bk, &g.cfg, &g.ms);
	set_sizes(&g);
	if (choose_rules(&g, db) == -1) {
		warnx_("blocking rules: %s", g.why.buf);
		failed = 1;
	}
	if (verbose)
		warnx_("blocking keys computed in %.2f s, %.2f s CPU",
		    mono_now() - t1, cpu_now() - c1);
	g.lev = xmalloc(g.sc.K + 1);
	g.va = xmalloc((g.sc.K + 1) * sizeof(uint32_t));
	g.vb = xmalloc((g.sc.K + 1) * sizeof(uint32_t));
	g.memo = xcalloc(1, sizeof(*g.memo));
	g.trained = model(&g, db, all, &trained_now) == 0;
	if (printm) {
		if (!g.trained)
			die(EXIT_FAIL, "too little data to train a model");
		/* -f was the input's format: the model as a table. */
		mout_model(&g.sc.fm, RIN_GUESS);
		release(&g, &map);
		rin_opts_release(&opts);
		check_stdout();
		return EXIT_OK;
	}

	for (r = 0; r < g.ms.n; r++)
		nnew += (g.ms.flag[r] & MSET_NEW) != 0;
	if (g.trained) {
		double t2, c2;

		t1 = mono_now();
		c1 = cpu_now();
		memset(&bo, 0, sizeof(bo));
		bo.only_new = g.incremental;
		bo.first_rule = 1;
		bo.link_only = g.cfg.link == MCFG_LINK_ONLY;
		bo.skip = on_skip;
		progress_init(&g.prog, "candidate pairs");
		for (r = 0; r < g.cfg.nblock; r++)
			blk_pairs(&g.bk, r, &bo, candidate, &g);
		progress_done(&g.prog);
		if (!quiet && g.nskips > MAX_SKIPS)
			warnx_("%zu more blocks over block-cap skipped",
			    g.nskips - MAX_SKIPS);
		t2 = mono_now();
		c2 = cpu_now();
		score(&g);
		t1 = fmax(t2 - t1, 1e-9);
		c1 = fmax(c2 - c1, 1e-9);
		t2 = fmax(mono_now() - t2, 1e-9);
		c2 = fmax(cpu_now() - c2, 1e-9);
		/* Rates per CPU second: a busy machine slows the wall clock. */
		if (verbose)
			warnx_("candidates: %zu pairs in %.2f s, %.2f s CPU "
			    "(%.0f pairs/s): %zu vetoed, %zu already joined by "
			    "identifiers; %zu scored in %.2f s, %.2f s CPU "
			    "(%.0f pairs/s)", g.scored + g.vetoed + g.same,
			    t1, c1, (g.scored + g.vetoed + g.same) / c1,
			    g.vetoed, g.same, g.scored, t2, c2, g.scored / c2);
	}
	/*
	 * Records the model could compare, and not one pair to compare:
	 * the fields mapped give the blocking rules nothing to key on.
	 * Not an empty result: a failure to say so.
	 */
	if (!g.incremental && neligible >= 2 && g.sc.K > 0 &&
	    g.scored + g.vetoed + g.same == 0 && no_candidates(&g)) {
		warnx_("no candidate pairs: no blocking rule pairs two of the "
		    "%zu records the model can compare; map more fields or "
		    "write block rules (cdp-match.conf(5))", neligible);
		failed = 1;
	}
	for (i = 0; i < g.det.npair; i++)
		if (in_part(&g, (uint64_t)g.ms.rowid[g.det.pair[i].a]))
			mout_add(&g.out, g.det.pair[i].a, g.det.pair[i].b,
			    (int32_t)g.det.pair[i].ident, 1);
	mout_write(&g.out, &g.cfg, &g.ms, g.trained ? &g.sc : NULL, dbmode);
	/*
	 * The reader gone (| head): the pairs were not delivered.  Nothing
	 * of the run is kept, as when a signal ended it, and it is logged.
	 */
	if (oc_check(stdout, "stdout", &g.why) == -1) {
		warnx_("%s", g.why.buf);
		outerr = xstrdup(g.why.buf);
		failed = 1;
	}

	if (dbmode && trained_now && outerr == NULL &&
	    mtr_model_store(db, &g.sc.fm, run.id, &g.why) == -1) {
		warnx_("storing the model: %s", g.why.buf);
		failed = 1;
	}
	if (g.tf_failed) {
		warnx_("term frequencies: %s", sqlite3_errmsg(db));
		failed = 1;
	}
	if (dbmode && !g.partial && outerr == NULL &&
	    store_keys(&g, db) == -1) {
		warnx_("storing the match keys: %s", g.why.buf);
		failed = 1;
	}
	if (verbose)
		warnx_("total %.2f s, %.2f s CPU", mono_now() - t0, cpu_now());
	if (!quiet)
		warnx_("%zu records, %zu compared, %zu candidate pairs "
		    "scored, %zu pairs written (%zu by identifiers)",
		    g.ms.n, nnew, g.scored, g.out.written,
		    g.out.written_ident);
	if (dbmode) {
		run.rows_in = (long long)g.ms.n;
		run.rows_ok = (long long)nnew;
		run.inserted = (long long)g.out.written;
		if (run_end(&run, failed ? "failed" : "ok", outerr,
		    &g.why) == -1) {
			warnx_("run log: %s", g.why.buf);
			failed = 1;
		}
		mkdb_close(&g.mk);
		db_close(db);
	}
	/* Last, once the run's outcome is known and committed. */
	memset(&tr, 0, sizeof(tr));
	tr.run = dbmode ? run.id : 0;
	tr.pairs = g.out.written;
	tr.threshold = g.threshold;
	tr.threshold_from = have_t ? "option" : "config";
	tr.watermark = dbmode ? g.wm_rowid : -1;
	tr.watermark_run = dbmode ? g.wm_run : -1;
	tr.status = failed ? "failed" : g.rejected ? "rejects" : "ok";
	if (outerr == NULL) {
		mout_trailer(&tr);
		check_stdout();
	}
	free(outerr);
	release(&g, &map);
	rin_opts_release(&opts);
	if (failed)
		return EXIT_FAIL;
	return g.rejected ? EXIT_REJECTS : EXIT_OK;
}
