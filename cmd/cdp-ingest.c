/*
 * cdp-ingest - collect CSV and NDJSON records into the profile database.
 *
 * Records come mapped and normalised from rin (common/io/record_reader.c); this
 * file batches them and reports rejects, and a writer thread stores each batch
 * (common/ingest/ingest_writer.c, where the rules of storing are).  A bad
 * record is rejected with file:line and the run goes on.
 *
 * Records are written in batches bounded in rows, bytes and age, and at
 * once when the input goes quiet, so a killed run loses at most the open
 * batch and a pipe fed by `tail -F` is visible within a second.  The
 * writer stores one batch while this thread reads and normalises the
 * next, so parsing costs no wall time on a machine with two cores.
 */
#include <errno.h>
#include <getopt.h>
#include <pthread.h>
#include <sys/stat.h>
#include <time.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "core/cli.h"
#include "core/hash.h"
#include "ingest/ingest.h"
#include "io/json_writer.h"
#include "store/database.h"

#define MAX_MESSAGES	100			/* diagnostics shown per file */
#define REJECT_RAW_MAX	(1024 * 1024)		/* raw bytes kept per reject */

static void __attribute__((noreturn))
usage(void)
{
	fprintf(cli_usage_out(),
	    "usage: %s [-qv] [-d DB] -s SOURCE [-f csv|ndjson] "
	    "[-D DELIM] [-E ENCODING]\n"
	    "           [-i ID_FIELD] [-m CANON=FIELD | -m CANON:=VALUE]... "
	    "[-M MAPFILE]\n"
	    "           [-c COUNTRY] [-T DATE_FORMAT] [-r REJECTS] "
	    "[FILE ...]\n", progname);
	cli_usage_exit();
}

/* Source names are data, but also directory names for cdp-run. */
static int
valid_source(const char *s)
{
	size_t n = strlen(s), i;

	if (n == 0 || n > 64 || s[0] == '.' || s[0] == '-')
		return 0;
	for (i = 0; i < n; i++)
		if (!(s[i] >= 'a' && s[i] <= 'z') && !(s[i] >= 'A' &&
		    s[i] <= 'Z') && !(s[i] >= '0' && s[i] <= '9') &&
		    s[i] != '_' && s[i] != '-' && s[i] != '.')
			return 0;
	return 1;
}

static long long
register_source(struct ingest *g)
{
	sqlite3_stmt *st;
	long long id = 0;

	now_iso(g->now, sizeof(g->now));
	st = db_prepare(g->db, "INSERT INTO source(name, created_at) "
	    "VALUES (?, ?) ON CONFLICT(name) DO NOTHING", &g->why);
	if (st == NULL)
		die(EXIT_FAIL, "%s", g->why.buf);
	sqlite3_bind_text(st, 1, g->source, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, g->now, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_DONE)
		die(EXIT_FAIL, "%s: %s", sqlite3_db_filename(g->db, "main"),
		    sqlite3_errmsg(g->db));
	sqlite3_finalize(st);
	st = db_prepare(g->db, "SELECT id FROM source WHERE name = ?",
	    &g->why);
	if (st == NULL)
		die(EXIT_FAIL, "%s", g->why.buf);
	sqlite3_bind_text(st, 1, g->source, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW)
		id = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	if (id == 0)
		die(EXIT_FAIL, "source: %s", sqlite3_errmsg(g->db));
	return id;
}

static void
progress(struct ingest *g, int final)
{
	double t;

	if (!g->progress)
		return;
	t = mono_now();
	if (!final && t - g->last_progress < 1.0)
		return;
	g->last_progress = t;
	if (final)
		fprintf(stderr, "\r\033[K");
	else
		fprintf(stderr, "\r%s: %s: %lld records\033[K", progname,
		    g->source, g->run.rows_in);
}

/*
 * Hand the current batch to the writer and go on with the other one,
 * waiting while the writer still stores the previous batch.
 */
static void
flush(struct ingest *g)
{
	struct batch *b = g->cur;

	if (b->npend == 0 && b->nrej == 0 && !cat_pending(b->cat))
		return;
	pthread_mutex_lock(&g->mu);
	while (g->full != NULL)
		pthread_cond_wait(&g->cv, &g->mu);
	g->full = b;
	g->cur = b == &g->bufs[0] ? &g->bufs[1] : &g->bufs[0];
	pthread_cond_broadcast(&g->cv);
	pthread_mutex_unlock(&g->mu);
	g->cur->t0 = mono_now();
}

/* Wait until every batch handed over is stored. */
static void
drain(struct ingest *g)
{
	flush(g);
	pthread_mutex_lock(&g->mu);
	g->done = 1;
	pthread_cond_broadcast(&g->cv);
	pthread_mutex_unlock(&g->mu);
	pthread_join(g->writer, NULL);
}

static void
idle_flush(void *arg)
{
	flush(arg);
}

static void
maybe_flush(struct ingest *g)
{
	struct batch *b = g->cur;

	if (b->npend >= (size_t)g->batch_max ||
	    b->arena.len >= g->batch_bytes ||
	    mono_now() - b->t0 >= g->batch_age)
		flush(g);
}

/* Fingerprint: the raw record and everything derived from it. */
static int64_t
fingerprint(const struct rin_rec *r)
{
	int64_t fp;
	uint8_t d[HASH_LEN];
	struct hash h;
	size_t i;
	int c;
	const char sep[2] = { 0x1f, 0x1e };

	hash_init(&h);
	hash_add(&h, r->raw, r->rawlen);
	for (c = 0; c < C_NCANON; c++) {
		if (r->have[c]) {
			hash_add(&h, &sep[0], 1);
			hash_add(&h, r->val[c].buf, r->val[c].len);
		} else
			hash_add(&h, &sep[1], 1);
	}
	for (i = 0; i < r->ncons; i++) {
		hash_add(&h, r->cons[i].purpose, strlen(r->cons[i].purpose));
		hash_add(&h, r->cons[i].granted ? "=1" : "=0", 2);
	}
	hash_final(&h, d);
	memcpy(&fp, d, sizeof(fp));
	return fp;
}

static void
put_slot(struct batch *b, struct pend *p, int s, const char *v, size_t n)
{
	if (v == NULL) {
		p->len[s] = NOVAL;
		return;
	}
	sb_add(&b->arena, v, n);
	p->len[s] = (uint32_t)n;
}

/* Queue a record of the input for the batch. */
static void
add(struct ingest *g, const struct rin_rec *r)
{
	struct batch *b = g->cur;
	struct pend *p;
	char hex[33];
	size_t i;
	int c;

	if (b->npend == b->cappend) {
		b->cappend = b->cappend ? 2 * b->cappend : 4096;
		b->pend = xrealloc(b->pend, b->cappend * sizeof(*b->pend));
	}
	p = &b->pend[b->npend];
	p->off = b->arena.len;
	p->seq = (uint32_t)b->npend;
	if (r->id != NULL)
		put_slot(b, p, S_ID, r->id, r->idlen);
	else {
		rin_content_id(r->raw, r->rawlen, hex);
		put_slot(b, p, S_ID, hex, 32);
	}
	put_slot(b, p, S_RAW, r->raw, r->rawlen);
	for (c = 0; c < C_NCANON; c++)
		put_slot(b, p, S_VAL + c, r->have[c] ? r->val[c].buf : NULL,
		    r->val[c].len);
	for (c = 0; c < 3; c++)
		put_slot(b, p, S_KEY + c, r->have[C_FIRST_NAME + c] &&
		    r->key[c].len > 0 ? r->key[c].buf : NULL, r->key[c].len);
	p->ncons = (uint32_t)r->ncons;
	for (i = 0; i < r->ncons; i++) {
		sb_adds(&b->arena, r->cons[i].purpose);
		sb_addc(&b->arena, '\0');
		sb_addc(&b->arena, r->cons[i].granted);
	}
	p->fp = fingerprint(r);
	{
		uint32_t n;
		const char *id = ingest_slot(b, p, S_ID, &n);

		p->h = idset_hash(id, n);
	}
	p->given = cat_add(b->cat, r, rin_map(g->rin));
	p->stored = 0;
	b->npend++;
	g->run.rows_in++;
	g->run.rows_ok++;
	maybe_flush(g);
	progress(g, 0);
}

/* Diagnostics. */

static void
message(struct ingest *g, const char *file, long line, const char *msg)
{
	if (++g->nmsg > MAX_MESSAGES) {
		if (g->nmsg == MAX_MESSAGES + 1)
			warnx_("%s: more problems not shown (see the reject "
			    "table, or -r)", file);
		return;
	}
	if (g->progress)
		fprintf(stderr, "\r\033[K");
	fprintf(stderr, "%s: %s:%ld: %s\n", progname, file, line, msg);
}

/* Raw bytes made safe for a JSON string: invalid UTF-8 becomes U+FFFD. */
static void
safe_utf8(const char *s, size_t n, struct sbuf *out)
{
	long bad;

	sb_reset(out);
	while (n > 0) {
		if ((bad = utf8_check(s, n)) < 0) {
			sb_add(out, s, n);
			break;
		}
		sb_add(out, s, (size_t)bad);
		sb_adds(out, "\xef\xbf\xbd");
		s += bad + 1;
		n -= (size_t)bad + 1;
	}
}

static void
write_reject_file(struct ingest *g, const char *file, long line,
    const char *reason, const char *raw, size_t rawlen)
{
	struct sbuf out, safe;
	struct jw jw;

	sb_init(&out);
	sb_init(&safe);
	jw_init(&jw, &out);
	jw_map_open(&jw);
	jw_key(&jw, "file", 4);
	jw_strz(&jw, file);
	jw_key(&jw, "line", 4);
	jw_int(&jw, line);
	jw_key(&jw, "reason", 6);
	jw_strz(&jw, reason);
	jw_key(&jw, "raw", 3);
	if (raw != NULL) {
		safe_utf8(raw, rawlen, &safe);
		jw_str(&jw, safe.buf, safe.len);
	} else
		jw_null(&jw);
	jw_map_close(&jw);
	sb_addc(&out, '\n');
	if (fwrite(out.buf, 1, out.len, g->rejects) != out.len)
		g->badinput = 1;
	jw_release(&jw);
	sb_release(&out);
	sb_release(&safe);
}

static void
on_diag(void *arg, int rej, const char *file, long line, const char *reason,
    const char *raw, size_t rawlen)
{
	struct ingest *g = arg;
	struct batch *b = g->cur;
	struct prej *r;

	/* A rejected line of an erased person is neither shown nor kept. */
	if (rej && raw != NULL && g->supp.n > 0 && priv_text_suppressed(
	    &g->supp, g->salt, raw, rawlen, g->opts.country)) {
		g->run.rows_in++;
		g->supp_rej++;
		return;
	}
	/*
	 * A CSV header that is not UTF-8: a spreadsheet's export in its
	 * own code page, most likely (bad bytes in the records alone are
	 * as likely to be damage, and are reported as they are).
	 */
	if (g->opts.encoding == NULL && strncmp(reason,
	    "bad header: invalid UTF-8", 25) == 0) {
		struct sbuf m;

		sb_init(&m);
		sb_addf(&m, "%s (not UTF-8? name the file's encoding with -E, "
		    "e.g. -E WINDOWS-1252 for Excel in Western Europe)",
		    reason);
		message(g, file, line, m.buf);
		sb_release(&m);
	} else
		message(g, file, line, reason);
	if (!rej) {
		g->run.warnings++;
		return;
	}
	g->run.rows_in++;
	g->run.rejected++;
	if (rawlen > REJECT_RAW_MAX)
		rawlen = REJECT_RAW_MAX;
	if (g->rejects != NULL)
		write_reject_file(g, file, line, reason, raw, rawlen);
	if (b->nrej == b->caprej) {
		b->caprej = b->caprej ? 2 * b->caprej : 64;
		b->rej = xrealloc(b->rej, b->caprej * sizeof(*b->rej));
	}
	r = &b->rej[b->nrej++];
	r->line = line;
	r->file = b->arena.len;
	sb_add(&b->arena, file, strlen(file) + 1);
	r->reason = b->arena.len;
	sb_add(&b->arena, reason, strlen(reason) + 1);
	r->hasraw = raw != NULL;
	r->raw = b->arena.len;
	r->rawlen = raw != NULL ? rawlen : 0;
	if (raw != NULL)
		sb_add(&b->arena, raw, rawlen);
	maybe_flush(g);
}

/*
 * The cause of a failed file, for the run log, so that cdp-status says why
 * (the messages name files and fields, never a record's values).
 */
static void
fail_cause(struct ingest *g, const char *file, const char *why)
{
	if (g->fail.len >= 1024)
		return;
	if (g->fail.len > 0)
		sb_adds(&g->fail, "; ");
	if (file != NULL)
		sb_addf(&g->fail, "%s: ", file);
	sb_adds(&g->fail, why);
}

static void
ingest_file(struct ingest *g, const char *path)
{
	struct rin *r;
	struct rin_rec *rec;
	struct stat sb;
	long long ok0 = g->run.rows_ok, rej0 = g->run.rejected;
	int res = 0;

	g->nmsg = 0;
	g->fname = path == NULL || strcmp(path, "-") == 0 ? "stdin" : path;
	if ((r = rin_open(path, &g->opts, on_diag, g)) == NULL) {
		warnx_("%s: %s", g->fname, strerror(errno));
		fail_cause(g, g->fname, strerror(errno));
		g->badinput = 1;
		return;
	}
	rin_set_idle(r, idle_flush, g);
	g->rin = r;
	while (!g->failed && (res = rin_next(r, &rec)) == 1) {
		if (verbose && rec->line <= 1 + (rin_format(r) == RIN_CSV)) {
			sb_reset(&g->tmp);
			map_format(rin_map(r), &g->tmp);
			fprintf(stderr, "%s: %s: map in force:\n%s", progname,
			    g->fname, g->tmp.buf);
		}
		add(g, rec);
	}
	if (!g->failed && res == -1) {
		warnx_("%s", rin_error(r));
		fail_cause(g, NULL, rin_error(r));
		g->badinput = 1;
	}
	g->skipped += rin_skipped(r);
	g->lastfmt = rin_format(r);
	/* Provenance: run_file, committed with the file's last batch. */
	if (!g->failed)
		cat_file(g->cur->cat, g->fname, g->lastfmt == RIN_CSV ? "csv" :
		    "ndjson", path != NULL && strcmp(path, "-") != 0 &&
		    stat(path, &sb) == 0 ? (long long)sb.st_size : 0,
		    g->run.rows_ok - ok0, g->run.rejected - rej0);
	g->rin = NULL;
	rin_close(r);
}

static void
update_source(struct ingest *g)
{
	sqlite3_stmt *st;

	sb_reset(&g->tmp);
	map_format(&g->map, &g->tmp);
	st = db_prepare(g->db, "UPDATE source SET last_run = ?, "
	    "format = coalesce(?, format), mapping = ? WHERE id = ?", &g->why);
	if (st == NULL) {
		warnx_("%s", g->why.buf);
		return;
	}
	sqlite3_bind_int64(st, 1, g->run.id);
	if (g->lastfmt != RIN_GUESS)
		sqlite3_bind_text(st, 2, g->lastfmt == RIN_CSV ? "csv" :
		    "ndjson", -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, g->tmp.buf, (int)g->tmp.len, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, g->source_id);
	/*
	 * Every record is committed by now: a source row not updated (a
	 * full disk) is a warning, not a failure that would send the
	 * file to failed/ with its records stored.
	 */
	if (sqlite3_step(st) != SQLITE_DONE) {
		warnx_("warning: source: %s (the records are stored)",
		    sqlite3_errmsg(g->db));
	}
	sqlite3_finalize(st);
}

static void
release(struct ingest *g)
{
	rin_opts_release(&g->opts);
	map_release(&g->map);
	int i;

	for (i = 0; i < 2; i++) {
		sb_release(&g->bufs[i].arena);
		free(g->bufs[i].pend);
		free(g->bufs[i].rej);
		cat_free(g->bufs[i].cat);
	}
	sb_release(&g->why);
	sb_release(&g->tmp);
	sb_release(&g->fail);
	free(g->ids);
	idset_release(&g->seen);
}

static long
env_long(const char *name, long def, long min, long max)
{
	const char *e = getenv(name), *errstr;
	long long v;

	if (e == NULL || *e == '\0')
		return def;
	if (parse_ll(e, min, max, &v, &errstr) == -1)
		die(EXIT_USAGE, "%s %s: %s", name, quote_value(e, strlen(e)),
		    errstr);
	return (long)v;
}

/*
 * Load in bulk (store/bulk_load.h) when the store is empty and every input is a
 * regular file: a pipe may stay open for days, and the indexes cannot
 * wait that long.  CDP_BULK=0 turns it off.
 */
static void
start_bulk(struct ingest *g, int argc, char *argv[])
{
	sqlite3_stmt *st;
	struct stat sb;
	int i, rc, want = 1;

	if (env_long("CDP_BULK", 1, 0, 1) == 0)
		want = 0;
	if (argc == 0 && (fstat(0, &sb) == -1 || !S_ISREG(sb.st_mode)))
		want = 0;
	for (i = 0; i < argc && want; i++)
		if ((strcmp(argv[i], "-") == 0 ? fstat(0, &sb) :
		    stat(argv[i], &sb)) == -1 || !S_ISREG(sb.st_mode))
			want = 0;
	/* also when not wanted: record_key may have gone since db_open */
	if ((rc = bulk_begin(g->db, want, g->run.id, &g->why)) == -1)
		die(EXIT_FAIL, "%s", g->why.buf);
	if (rc == 0)
		return;
	g->bulk = 1;
	idset_init(&g->seen, (size_t)env_long("CDP_BULK_ROWS", 3000000, 1,
	    IDSET_MAX));
	/* Appending needs few pages: the memory goes to smaller batches'
	 * worth of cache, so it does not grow with the input. */
	if (getenv("CDP_BATCH_ROWS") == NULL)
		g->batch_max = 50000;
	st = db_prepare(g->db, "PRAGMA cache_size", &g->why);
	if (st == NULL || sqlite3_step(st) != SQLITE_ROW)
		die(EXIT_FAIL, "cache_size: %s", sqlite3_errmsg(g->db));
	g->cache = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	if (db_exec(g->db, "PRAGMA cache_size = -32768", &g->why) == -1)
		die(EXIT_FAIL, "%s", g->why.buf);
}

int
main(int argc, char *argv[])
{
	static const struct option longopts[] = {
		CLI_LONGOPTS,
		{ NULL, 0, NULL, 0 }
	};
	struct ingest g;
	const char *dbopt = NULL, *outcome, *country = NULL, *datefmt = NULL;
	const char *encoding = NULL;
	int encoding_given = 0;
	static char **maps, **mapfiles;	/* static: roots for leak checkers */
	size_t nmaps = 0, nmapfiles = 0, i;
	int ch, delim = 0, format = RIN_GUESS;
	double t0;

	set_progname(argv[0]);
	run_log_usage(argc, argv);
	memset(&g, 0, sizeof(g));
	map_init(&g.map);
	sb_init(&g.why);
	sb_init(&g.tmp);
	sb_init(&g.fail);
	maps = xcalloc((size_t)argc, sizeof(*maps));
	mapfiles = xcalloc((size_t)argc, sizeof(*mapfiles));
	while ((ch = getopt_long(argc, argv, "c:D:d:E:f:hi:M:m:qr:s:T:Vv",
	    longopts, NULL)) != -1) {
		switch (ch) {
		case 'c':
			country = optarg;
			break;
		case 'D':
			if ((delim = map_parse_delim(optarg)) == -1)
				die(EXIT_USAGE, MAP_DELIM_ERR);
			break;
		case 'd':
			dbopt = optarg;
			break;
		case 'E':
			if (!lr_encoding_known(optarg))
				die(EXIT_USAGE, "unknown encoding %s (iconv -l "
				    "lists them)", quote_value(optarg,
				    strlen(optarg)));
			encoding_given = 1;
			if (strcasecmp(optarg, "UTF-8") != 0 &&
			    strcasecmp(optarg, "UTF8") != 0)
				encoding = optarg;
			break;
		case 'f':
			if ((format = map_parse_format(optarg, RIN_CSV,
			    RIN_NDJSON)) == -1)
				die(EXIT_USAGE, MAP_FORMAT_ERR);
			break;
		case 'h':
			cli_help = 1;
			usage();
		case 'i':
			free(g.map.id_field);
			g.map.id_field = xstrdup(optarg);
			break;
		case 'M':
			mapfiles[nmapfiles++] = optarg;
			break;
		case 'm':
			maps[nmaps++] = optarg;
			break;
		case 'q':
			quiet = 1;
			break;
		case 'r':
			g.rejects_path = optarg;
			break;
		case 's':
			g.source = optarg;
			break;
		case 'T':
			datefmt = optarg;
			break;
		case 'V':
			printf("cdp-ingest %s\n", CDP_VERSION);
			free(maps);
			free(mapfiles);
			map_release(&g.map);
			sb_release(&g.why);
			sb_release(&g.tmp);
			sb_release(&g.fail);
			check_stdout();
			return 0;
		case 'v':
			verbose = 1;
			break;
		default:
			usage();
		}
	}
	if (g.source == NULL)
		usage();
	if (!valid_source(g.source))
		die(EXIT_USAGE, "invalid source name %s: letters, digits, "
		    "'_', '-' and '.', at most 64", quote_value(g.source,
		    strlen(g.source)));

	if (rin_opts_init(&g.opts, &g.map, mapfiles, nmapfiles, maps, nmaps,
	    country, datefmt, delim, format, &g.why) == -1)
		die(EXIT_USAGE, "%s", g.why.buf);
	if (encoding_given)	/* -E over the map's @encoding */
		g.opts.encoding = encoding;
	free(maps);
	free(mapfiles);
	g.batch_max = env_long("CDP_BATCH_ROWS", 200000, 1, 100000000);
	g.batch_bytes = (size_t)env_long("CDP_BATCH_MB", 128, 1, 4096) <<
	    20;
	g.batch_age = (double)env_long("CDP_BATCH_MS", 1000, 1, 3600000) /
	    1000.0;

	if (g.rejects_path != NULL) {
		int fd = open(g.rejects_path, O_WRONLY | O_CREAT | O_APPEND |
		    O_CLOEXEC, 0600);

		if (fd == -1 || (g.rejects = fdopen(fd, "a")) == NULL)
			die(EXIT_FAIL, "%s: %s", g.rejects_path,
			    strerror(errno));
	}
	g.timing = (int)env_long("CDP_TIMING", 0, 0, 1);
	t0 = mono_now();
	if (db_open(db_path(dbopt), DB_CREATE, &g.db, &g.why) == -1)
		die(EXIT_FAIL, "%s", g.why.buf);
	g.source_id = register_source(&g);
	if (run_begin(&g.run, g.db, "cdp-ingest", argc, argv, g.source_id,
	    &g.why) == -1)
		die(EXIT_FAIL, "run log: %s", g.why.buf);
	argc -= optind;
	argv += optind;
	start_bulk(&g, argc, argv);
	ingest_prepare(&g);
	ingest_prepare_suppression(&g);
	sb_init(&g.bufs[0].arena);
	sb_init(&g.bufs[1].arena);
	g.bufs[0].cat = cat_new();
	g.bufs[1].cat = cat_new();
	g.cur = &g.bufs[0];
	g.cur->t0 = mono_now();
	g.progress = !quiet && isatty(2);
	pthread_mutex_init(&g.mu, NULL);
	pthread_cond_init(&g.cv, NULL);
	if ((errno = pthread_create(&g.writer, NULL, ingest_writer, &g)) != 0)
		die(EXIT_FAIL, "thread: %s", strerror(errno));

	/* An unreadable file does not stop the others; a database error does. */
	if (argc == 0)
		ingest_file(&g, NULL);
	for (i = 0; i < (size_t)argc && !g.failed; i++)
		ingest_file(&g, argv[i]);
	drain(&g);
	if (g.timing)
		fprintf(stderr, "%s: timing: load %.2f s, CPU reader %.2f s, "
		    "writer %.2f s\n", progname, mono_now() - t0, ingest_thread_cpu(),
		    g.writer_cpu);
	if (g.bulk)
		ingest_end_bulk(&g);
	progress(&g, 1);

	if (g.rejects != NULL && fclose(g.rejects) == EOF) {
		warnx_("%s: %s", g.rejects_path, strerror(errno));
		g.badinput = 1;
	}
	if (!g.failed)
		update_source(&g);
	outcome = g.failed || g.badinput ? "failed" : g.run.rejected ?
	    "rejects" : "ok";
	/* Suppressed (erased) records were valid but are not kept. */
	g.run.rows_ok -= g.lost + g.run.suppressed;
	g.run.suppressed += g.supp_rej;
	/* The records are committed: a run log not written is a warning. */
	if (run_end(&g.run, outcome, g.fail.len ? g.fail.buf : NULL,
	    &g.why) == -1)
		warnx_("warning: run log: %s (the records are stored)",
		    g.why.buf);
	if (!quiet) {
		fprintf(stderr, "%s: %s: %lld read, %lld inserted, %lld updated,"
		    " %lld unchanged, %lld rejected", progname, g.source,
		    g.run.rows_in, g.run.inserted, g.run.updated,
		    g.run.unchanged, g.run.rejected);
		if (g.run.warnings)
			fprintf(stderr, ", %lld invalid values",
			    g.run.warnings);
		if (g.run.suppressed)
			fprintf(stderr, ", %lld suppressed (erased)",
			    g.run.suppressed);
		if (g.skipped)
			fprintf(stderr, ", %lld skipped by the map",
			    g.skipped);
		fputc('\n', stderr);
	}
	ingest_finalize(&g);
	db_close(g.db);
	release(&g);
	if (g.failed || g.badinput)
		return EXIT_FAIL;
	return g.run.rejected ? EXIT_REJECTS : EXIT_OK;
}
