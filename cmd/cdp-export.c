/*
 * cdp-export - write what the profile database knows, for other tools.
 *
 * Each WHAT is one function (a verb) that runs one query and hands its
 * rows to the output layer below, which writes them as CSV (a header,
 * then RFC 4180 rows through csvw) or NDJSON (one object a row, null
 * values left out, through jw).  Rows stream: sqlite steps one row at
 * a time and each row is written at once, so memory stays flat however
 * many profiles there are.  With -o the output goes to a file created
 * with mode 0600 (it holds personal data) under a temporary name and
 * renamed into place once complete, so a reader never sees half of it.
 *
 * To add a verb: write a function like ex_members and add it to verbs[].
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "csvw.h"
#include "db.h"
#include "golden.h"
#include "jw.h"
#include "util.h"

enum { FMT_CSV, FMT_NDJSON };

struct export {
	sqlite3	*db;
	FILE	*out;
	const char *outname;	/* for diagnostics */
	int	 format;	/* FMT_* */
	struct csvw csv;
	struct jw jw;
	struct sbuf line;	/* the NDJSON line being built */
	const char *const *cols;	/* column names, NULL-terminated */
	int	 col;		/* the next column of the row */
	long long rows;		/* data rows written */
	int	 werr;		/* a write failed */
	struct sbuf why;
};

static void __attribute__((noreturn))
usage(void)
{
	fprintf(stderr, "usage: %s [-qv] [-d DB] [-f csv|ndjson] [-o FILE] "
	    "WHAT\n", progname);
	exit(EXIT_USAGE);
}

/*
 * The output layer: ex_header once with the column names (CSV writes
 * them, NDJSON keeps them as keys), then per row ex_begin, one ex_str
 * or ex_int per column in header order, ex_end.
 */

static void
ex_header(struct export *e, const char *const *cols)
{
	size_t i;

	e->cols = cols;
	if (e->format != FMT_CSV)
		return;
	for (i = 0; cols[i] != NULL; i++)
		csvw_str(&e->csv, cols[i]);
	if (csvw_end(&e->csv) == -1)
		e->werr = 1;
}

static void
ex_begin(struct export *e)
{
	e->col = 0;
	if (e->format == FMT_NDJSON) {
		jw_reset(&e->jw);
		jw_map_open(&e->jw);
	}
}

static void
ex_str(struct export *e, const char *s, size_t n)
{
	const char *name = e->cols[e->col++];

	if (e->format == FMT_CSV) {
		csvw_field(&e->csv, s, n);
		return;
	}
	if (s == NULL)
		return;
	jw_key(&e->jw, name, strlen(name));
	if (jw_str(&e->jw, s, n) == -1)
		jw_null(&e->jw);
}

static void
ex_int(struct export *e, long long v)
{
	const char *name = e->cols[e->col++];

	if (e->format == FMT_CSV) {
		csvw_int(&e->csv, v);
		return;
	}
	jw_key(&e->jw, name, strlen(name));
	jw_int(&e->jw, v);
}

/* Column i of a row: text, or NULL. */
static void
ex_col(struct export *e, sqlite3_stmt *st, int i)
{
	if (sqlite3_column_type(st, i) == SQLITE_NULL)
		ex_str(e, NULL, 0);
	else
		ex_str(e, (const char *)sqlite3_column_text(st, i),
		    (size_t)sqlite3_column_bytes(st, i));
}

static void
ex_end(struct export *e)
{
	e->rows++;
	if (e->format == FMT_CSV) {
		if (csvw_end(&e->csv) == -1)
			e->werr = 1;
		return;
	}
	jw_map_close(&e->jw);
	sb_addc(&e->line, '\n');
	if (fwrite(e->line.buf, 1, e->line.len, e->out) != e->line.len)
		e->werr = 1;
}

/* Step st through its rows, each written by row(); 0 or -1. */
static int
ex_rows(struct export *e, sqlite3_stmt *st,
    void (*row)(struct export *, sqlite3_stmt *))
{
	int rc = SQLITE_DONE;

	while (!e->werr && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		ex_begin(e);
		row(e, st);
		ex_end(e);
	}
	if (e->werr) {
		sb_reset(&e->why);
		sb_addf(&e->why, "%s: %s", e->outname, strerror(errno));
		return -1;
	}
	if (rc != SQLITE_DONE) {
		sb_reset(&e->why);
		sb_adds(&e->why, sqlite3_errmsg(e->db));
		return -1;
	}
	return 0;
}

/* Verbs. */

static void
member_row(struct export *e, sqlite3_stmt *st)
{
	ex_int(e, sqlite3_column_int64(st, 0));
	ex_col(e, st, 1);
	ex_col(e, st, 2);
}

/*
 * members: which profile each record belongs to.  sqlite walks
 * member_profile in order and sorts only within a profile ("temp b-tree
 * for right part of order by"), so this streams too.
 */
static int
ex_members(struct export *e)
{
	static const char *const cols[] = {
		"profile_id", "source", "record_id", NULL
	};
	sqlite3_stmt *st;
	int rc;

	st = db_prepare(e->db, "SELECT m.profile, s.name, r.record_id "
	    "FROM member m JOIN record r ON r.id = m.record "
	    "JOIN source s ON s.id = r.source_id "
	    "ORDER BY m.profile, s.name, r.record_id", &e->why);
	if (st == NULL)
		return -1;
	ex_header(e, cols);
	rc = ex_rows(e, st, member_row);
	sqlite3_finalize(st);
	return rc;
}

static void
profile_row(struct export *e, sqlite3_stmt *st)
{
	int c;

	ex_int(e, sqlite3_column_int64(st, 0));
	ex_int(e, sqlite3_column_int64(st, 1));
	for (c = 2; c < 4 + GC_N; c++)
		ex_col(e, st, c);
}

/* profiles: the golden records, by profile id. */
static int
ex_profiles(struct export *e)
{
	static const char *cols[4 + GC_N + 1] = {
		"profile_id", "nrecords", "first_seen", "last_seen"
	};
	struct sbuf sql;
	sqlite3_stmt *st;
	int c, rc;

	sb_init(&sql);
	sb_adds(&sql, "SELECT id, nrecords, first_seen, last_seen");
	for (c = 0; c < GC_N; c++) {
		cols[4 + c] = golden_col_name(c);
		sb_addf(&sql, ", %s", golden_col_name(c));
	}
	sb_adds(&sql, " FROM profile ORDER BY id");
	st = db_prepare(e->db, sql.buf, &e->why);
	sb_release(&sql);
	if (st == NULL)
		return -1;
	ex_header(e, cols);
	rc = ex_rows(e, st, profile_row);
	sqlite3_finalize(st);
	return rc;
}

static const struct verb {
	const char *name;
	int	(*fn)(struct export *);
} verbs[] = {
	{ "members", ex_members },
	{ "profiles", ex_profiles },
};

/* Output to a file: a temporary name, renamed once complete. */
static char *
open_out(struct export *e, const char *path)
{
	char *tmp;
	size_t n = strlen(path) + 32;
	int fd;

	tmp = xmalloc(n);
	snprintf(tmp, n, "%s.tmp%ld", path, (long)getpid());
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd == -1 || (e->out = fdopen(fd, "w")) == NULL)
		die(EXIT_FAIL, "%s: %s", tmp, strerror(errno));
	return tmp;
}

int
main(int argc, char *argv[])
{
	struct export e;
	const char *dbopt = NULL, *outpath = NULL;
	const struct verb *v = NULL;
	char *tmp = NULL;
	size_t i;
	int ch, rc;

	set_progname(argv[0]);
	memset(&e, 0, sizeof(e));
	e.format = FMT_CSV;
	while ((ch = getopt(argc, argv, "d:f:ho:qVv")) != -1) {
		switch (ch) {
		case 'd':
			dbopt = optarg;
			break;
		case 'f':
			if (strcmp(optarg, "csv") == 0)
				e.format = FMT_CSV;
			else if (strcmp(optarg, "ndjson") == 0)
				e.format = FMT_NDJSON;
			else
				die(EXIT_USAGE, "format must be csv or ndjson");
			break;
		case 'o':
			outpath = optarg;
			break;
		case 'q':
			quiet = 1;
			break;
		case 'V':
			printf("cdp-export %s\n", CDP_VERSION);
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
	if (argc != 1)
		usage();
	for (i = 0; i < sizeof(verbs) / sizeof(verbs[0]); i++)
		if (strcmp(argv[0], verbs[i].name) == 0)
			v = &verbs[i];
	if (v == NULL) {
		warnx_("unknown WHAT %s: members or profiles",
		    quote_value(argv[0], strlen(argv[0])));
		usage();
	}
	sb_init(&e.why);
	sb_init(&e.line);
	if (db_open(db_path(dbopt), DB_RDONLY, &e.db, &e.why) == -1)
		die(EXIT_FAIL, "%s", e.why.buf);
	e.out = stdout;
	e.outname = "stdout";
	if (outpath != NULL && strcmp(outpath, "-") != 0) {
		tmp = open_out(&e, outpath);
		e.outname = outpath;
	}
	csvw_init(&e.csv, e.out, ',');
	jw_init(&e.jw, &e.line);
	/* A read transaction: one consistent snapshot for the whole file. */
	if (db_exec(e.db, "BEGIN", &e.why) == -1)
		die(EXIT_FAIL, "%s", e.why.buf);
	rc = v->fn(&e);
	db_exec(e.db, "COMMIT", NULL);
	if (rc == -1)
		warnx_("%s: %s", v->name, e.why.buf);
	if (tmp != NULL) {
		if (fclose(e.out) == EOF && rc == 0) {
			warnx_("%s: %s", outpath, strerror(errno));
			rc = -1;
		}
		if (rc == 0 && rename(tmp, outpath) == -1) {
			warnx_("%s: %s", outpath, strerror(errno));
			rc = -1;
		}
		if (rc == -1)
			unlink(tmp);
		free(tmp);
	}
	if (rc == 0 && !quiet)
		fprintf(stderr, "%s: %s: %lld rows\n", progname, v->name,
		    e.rows);
	csvw_release(&e.csv);
	jw_release(&e.jw);
	sb_release(&e.line);
	sb_release(&e.why);
	db_close(e.db);
	check_stdout();
	return rc == 0 ? EXIT_OK : EXIT_FAIL;
}
