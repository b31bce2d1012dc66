/*
 * cdp-stream - follow the store as records are committed, resolve them
 * into profiles as cdp-match | cdp-merge would, in process, evaluate the
 * segments, and write one NDJSON line per segment change, each once
 * across crashes.
 *
 * The loop polls the highest record id (one index probe) every -p
 * milliseconds.  When it has grown, or the -T timer is due, a pass
 * resolves the new records in process (stream/stream_identity.h: the
 * same rules, model and guards as the batch, through the same library
 * code), then evaluates every segment, for the
 * profiles the pass touched (or every profile: the timer's, a new day,
 * changed segments), in one transaction that also fills the outbox and
 * moves the record cursor (stream/stream.c), then writes the outbox out
 * and moves the sent cursor.
 */
#include <sys/file.h>

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/cli.h"
#include "core/util.h"
#include "io/output_check.h"
#include "expr/expr.h"
#include "store/database.h"
#include "store/id_array.h"
#include "store/run_log.h"
#include "stream/stream.h"
#include "stream/stream_identity.h"
#include "stream/stream_output.h"

static sqlite3 *db;
static struct stream sm;
static struct sid sid;
static struct stream_out out;
static struct sbuf why;
static const char *dbfile;
static volatile sig_atomic_t stop;

static void __attribute__((noreturn))
usage(void)
{
	fprintf(cli_usage_out(), "usage: %s [-1qv] [-d DB] [-o FILE] "
	    "[-p MILLISECONDS] [-T SECONDS] [--as-of DATE]\n", progname);
	cli_usage_exit();
}

static void
on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

/*
 * The new records get their profiles in this process: cdp-match's
 * incremental run and cdp-merge's, by the same library code, logged as
 * theirs (stream/stream_identity.h).  A whole pass (the timer's) looks
 * for unresolved records over the whole record table.
 */
static void
resolve(int whole, const char *day, struct sid_stats *st)
{
	if (sid_resolve(&sid, whole, day, st, &why) == -1)
		die(EXIT_FAIL, "identity: %s", why.buf);
	if (verbose)
		warnx_("identity: %lld records loaded%s, %lld unresolved, "
		    "%lld pairs; %lld profiles created, %lld merged, %lld "
		    "records added; match %.3f s, merge %.3f s", st->records,
		    st->full ? " (every record)" : "", st->compared,
		    st->pairs, st->created, st->merged, st->added,
		    st->t_match, st->t_merge);
}

/*
 * Lines are written out every 64 KiB, but the cursor moves only after
 * the walk: a write inside its read transaction would fail at once
 * (SQLITE_BUSY_SNAPSHOT) whenever an ingest had committed since.
 */
static int
add_line(void *arg, long long seq, const char *line, size_t len)
{
	(void)arg;
	stream_out_add(&out, seq, line, len);
	if (out.buf.len < 65536)
		return 0;
	return stream_out_flush(&out, &why) == -1 ? -1 : 0;
}

/* Write out the changes after the sent cursor, then move it. */
static void
emit(void)
{
	int rc;

	out.last = 0;
	rc = stream_each(&sm, add_line, NULL, &why);
	if (rc == 0 && out.buf.len > 0 && stream_out_flush(&out, &why) == -1)
		rc = -1;
	if (rc == 0 && out.last > 0 && stream_ack(&sm, out.last, &why) == -1)
		rc = -2;
	if (rc == -1 && out.file)
		die(EXIT_FAIL, "output: %s", why.buf);
	if (rc == -1)
		die(EXIT_FAIL, "stdout: %s", why.buf);
	if (rc != 0)
		die(EXIT_FAIL, "%s", why.buf);
}

/*
 * One follower per database: a second would write the same changes
 * again from the same cursor.  flock(2) on the database file is apart
 * from SQLite's own (fcntl) locks, and goes with the process, killed or
 * not.
 */
static void
lock_store(void)
{
	int fd;

	if ((fd = open(dbfile, O_RDONLY | O_CLOEXEC)) == -1)
		die(EXIT_FAIL, "%s: %s", dbfile, strerror(errno));
	if (flock(fd, LOCK_EX | LOCK_NB) == -1)
		die(EXIT_FAIL, "%s: %s", dbfile, errno == EWOULDBLOCK ?
		    "another cdp-stream follows this database" :
		    strerror(errno));
}

/*
 * One evaluation: resolve what is new, evaluate, write the changes.
 * whole: of every profile (the timer's), else of those touched.
 */
static void
pass(long long last, int whole, const char *asofopt, int argc, char **argv)
{
	struct run run;
	struct sid_stats st;
	long long n, prev = sm.record, nprof;
	char asof[11], now[32], *msg;
	double t0 = mono_now(), t1;

	now_iso(now, sizeof(now));
	memcpy(asof, asofopt != NULL ? asofopt : now, 10);
	asof[10] = '\0';
	memset(&st, 0, sizeof(st));
	if (last > sm.record)
		resolve(whole, asof, &st);
	t1 = mono_now();
	if (run_begin(&run, db, "cdp-stream", argc, argv, 0, &why) == -1)
		die(EXIT_FAIL, "run log: %s", why.buf);
	if ((n = stream_eval(&sm, run.id, asof, last, whole, &nprof,
	    &why)) == -1) {
		msg = sb_detach(&why);
		run_end(&run, "failed", msg, &why);
		die(EXIT_FAIL, "%s", msg);
	}
	run.rows_in = last > prev ? last - prev : 0;
	run.inserted = n;
	sb_reset(&why);
	sb_addf(&why, "as of %s: %lld new records, %lld changes", asof,
	    run.rows_in, n);
	if (nprof >= 0)
		sb_addf(&why, ", %lld profiles evaluated", nprof);
	else
		sb_adds(&why, ", every profile evaluated");
	msg = sb_detach(&why);
	run_end(&run, "ok", msg, &why);
	if (verbose)
		fprintf(stderr, "%s: %s in %.3f s (resolving %.3f s)\n",
		    progname, msg, mono_now() - t0, t1 - t0);
	free(msg);
	emit();
}

static void
nap(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	(void)nanosleep(&ts, NULL);
}

int
main(int argc, char *argv[])
{
	static const struct option longopts[] = {
		{ "as-of", required_argument, NULL, 'A' },
		{ "once", no_argument, NULL, '1' },
		CLI_LONGOPTS,
		{ NULL, 0, NULL, 0 }
	};
	const char *dbopt = NULL, *asofopt = NULL, *outpath = NULL, *errstr;
	long long poll = 100, timer = 300, fileseq, last;
	struct sigaction sa;
	double next;
	int ch, once = 0, due;
	char asof[11];
	long day;

	set_progname(argv[0]);
	run_log_usage(argc, argv);
	sb_init(&why);
	while ((ch = getopt_long(argc, argv, "1d:ho:p:qT:Vv", longopts,
	    NULL)) != -1) {
		switch (ch) {
		case '1':
			once = 1;
			break;
		case 'A':
			asofopt = optarg;
			if (expr_as_of(optarg, asof, &day, &why) == -1)
				die(EXIT_USAGE, "%s", why.buf);
			break;
		case 'd':
			dbopt = optarg;
			break;
		case 'h':
			cli_help = 1;
			usage();
		case 'o':
			outpath = optarg;
			break;
		case 'p':
			if (parse_ll(optarg, 1, 3600000, &poll, &errstr) == -1)
				die(EXIT_USAGE, "-p %s: %s", quote_value(optarg,
				    strlen(optarg)), errstr);
			break;
		case 'q':
			quiet = 1;
			break;
		case 'T':
			if (parse_ll(optarg, 0, 31622400, &timer, &errstr) ==
			    -1)
				die(EXIT_USAGE, "-T %s: %s", quote_value(optarg,
				    strlen(optarg)), errstr);
			break;
		case 'V':
			printf("cdp-stream %s\n", CDP_VERSION);
			return EXIT_OK;
		case 'v':
			verbose = 1;
			break;
		default:
			usage();
		}
	}
	if (optind != argc)
		usage();

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sa.sa_flags = SA_RESTART;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	oc_ignore_sigpipe();

	dbfile = db_path(dbopt);
	if (db_open(dbfile, 0, &db, &why) == -1)
		die(EXIT_FAIL, "%s", why.buf);
	lock_store();
	db_exec(db, DB_MMAP_SQL, NULL);
	if (idvtab_register(db) == -1)
		die(EXIT_FAIL, "cdp_ids: %s", sqlite3_errmsg(db));
	if (stream_out_open(&out, outpath, &fileseq, &why) == -1)
		die(EXIT_FAIL, "%s", why.buf);
	if (stream_open(&sm, db, &why) == -1)
		die(EXIT_FAIL, "%s", why.buf);
	if (sid_open(&sid, db, argc, argv, &why) == -1)
		die(EXIT_FAIL, "%s", why.buf);
	/* the file holds lines the store did not hear were written */
	if (fileseq > sm.sent && stream_ack(&sm, fileseq, &why) == -1)
		die(EXIT_FAIL, "%s", why.buf);
	emit();
	/* the last evaluation of every profile is in the store: the
	 * timer's first is due a period after the start */
	next = mono_now() + (double)timer;
	while (!stop) {
		if (stream_last_record(&sm, &last, &why) == -1)
			die(EXIT_FAIL, "%s", why.buf);
		due = timer > 0 && mono_now() >= next;
		if (once || last > sm.record || due) {
			pass(last, due, asofopt, argc, argv);
			if (due)
				next = mono_now() + (double)timer;
		}
		if (once)
			break;
		nap((long)poll);
	}
	sid_close(&sid);
	stream_close(&sm);
	stream_out_close(&out);
	db_close(db);
	sb_release(&why);
	return EXIT_OK;
}
