/*
 * cdp-export - write what the profile database knows, for other tools.
 *
 * Each WHAT is one function (a verb) that runs one query and hands its
 * rows to the output layer (common/export/export_output.c, export/export.h),
 * which writes them as CSV (a header, then RFC 4180 rows through csvw) or
 * NDJSON (one object a row, null values left out, through jw).  Rows stream:
 * sqlite steps one row at a time and each row is written at once, so memory
 * stays flat however many profiles there are.  With -o the output goes to a
 * file created with mode 0600 (it holds personal data) under a temporary name
 * and renamed into place once complete, so a reader never sees half of it.
 *
 * profiles, segment NAME and changes NAME share one query built from
 * the field list (export/export_fields.h: -F, else every profile column), each
 * field an SQL expression over the profile row p.  profile ID is one JSON
 * document built by SQLite (export/view360.h).  The verbs read on e->db, a
 * read-only connection whose snapshot is taken under the write lock of e->wdb,
 * where every export is logged (export/export_log.h) by a second thread while
 * this one formats.
 *
 * To add a verb: write a function like ex_members and add it to verbs[].
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/cli.h"
#include "core/hash.h"
#include "core/util.h"
#include "export/export.h"
#include "export/export_fields.h"
#include "export/export_log.h"
#include "export/view360.h"
#include "io/csv_options.h"
#include "io/csv_writer.h"
#include "io/json_writer.h"
#include "io/output_check.h"
#include "io/output_file.h"
#include "merge/golden_record.h"
#include "normalise/field_map.h"
#include "normalise/normalise.h"
#include "store/database.h"
#include "store/run_log.h"

static void __attribute__((noreturn))
usage(void)
{
	fprintf(cli_usage_out(),
	    "usage: %s [-qv] [-c PURPOSE] [-D DELIM] [-d DB] [-F FIELDS] "
	    "[-f csv|ndjson] [-H hash]\n"
	    "           [-o FILE] [--bom] [--crlf] [--excel] [--dest DEST] "
	    "[--raw] "
	    "[--since TS] WHAT [NAME]\n", progname);
	cli_usage_exit();
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

/* Field f of a row as its SQL type says: a number stays a number. */
static void
field_col(struct export *e, sqlite3_stmt *st, size_t f)
{
	char hex[2 * HASH_LEN + 1];
	int hk = e->xf.v[f].hk;
	sqlite3_value *v = sqlite3_column_value(st, e->off + (int)f);

	switch (sqlite3_value_type(v)) {
	case SQLITE_INTEGER:
		if (e->xf.v[f].money)
			ex_money(e, sqlite3_value_double(v));
		else
			ex_int(e, sqlite3_value_int64(v));
		return;
	case SQLITE_FLOAT:
		if (e->xf.v[f].money)
			ex_money(e, sqlite3_value_double(v));
		else if (e->xf.v[f].kind == XF_SCORE)
			ex_score(e, sqlite3_value_double(v));
		else
			ex_double(e, sqlite3_value_double(v));
		return;
	case SQLITE_NULL:
		ex_str(e, NULL, 0);
		return;
	}
	if (e->hash == 0 || hk == XF_HNONE) {
		ex_val(e, v);
		return;
	}
	if (xf_hash(hk, e->hash == 2, (const char *)sqlite3_value_text(v),
	    (size_t)sqlite3_value_bytes(v), &e->scratch, hex) == -1) {
		e->unhashable++;
		ex_str(e, NULL, 0);
		return;
	}
	ex_str(e, hex, 2 * HASH_LEN);
}

/*
 * The row of a CSV export without -H straight into csvw: most of the
 * rows of the big exports, worth a loop without the output layer's
 * per-field dispatch.
 */
static void
csv_row(struct export *e, sqlite3_stmt *st)
{
	sqlite3_value *v;
	int i, n = e->off + (int)e->xf.n;

	for (i = 1; i < n; i++) {
		v = sqlite3_column_value(st, i);
		switch (sqlite3_value_type(v)) {
		case SQLITE_INTEGER:
			if (i >= e->off && e->xf.v[i - e->off].money)
				csvw_fixed(&e->csv, sqlite3_value_double(v), 2);
			else
				csvw_int(&e->csv, sqlite3_value_int64(v));
			break;
		case SQLITE_FLOAT:
			if (i >= e->off && e->xf.v[i - e->off].money)
				csvw_fixed(&e->csv, sqlite3_value_double(v), 2);
			else if (i >= e->off &&
			    e->xf.v[i - e->off].kind == XF_SCORE)
				csvw_round(&e->csv, sqlite3_value_double(v),
				    SCORE_DECIMALS);
			else
				csvw_double(&e->csv, sqlite3_value_double(v));
			break;
		case SQLITE_NULL:
			csvw_field(&e->csv, NULL, 0);
			break;
		default:
			csvw_field(&e->csv, (const char *)sqlite3_value_text(v),
			    (size_t)sqlite3_value_bytes(v));
		}
	}
}

static void
field_row(struct export *e, sqlite3_stmt *st)
{
	size_t i;

	if (e->format == FMT_CSV && e->hash == 0) {
		csv_row(e, st);
		return;
	}
	if (e->off > 1)		/* changes: the change column first */
		ex_col(e, st, 1);
	for (i = 0; i < e->xf.n; i++)
		field_col(e, st, i);
}

/* Bind :purpose, :seg and the fields' :fN that the statement uses. */
static void
bind_named(struct export *e, sqlite3_stmt *st, long long seg)
{
	int k;

	if ((k = sqlite3_bind_parameter_index(st, ":purpose")) > 0)
		sqlite3_bind_text(st, k, e->purpose, -1, SQLITE_STATIC);
	if ((k = sqlite3_bind_parameter_index(st, ":seg")) > 0)
		sqlite3_bind_int64(st, k, seg);
	if ((k = sqlite3_bind_parameter_index(st, ":again")) > 0)
		sqlite3_bind_int64(st, k, e->again);
	if ((k = sqlite3_bind_parameter_index(st, ":name")) > 0)
		sqlite3_bind_text(st, k, e->arg, -1, SQLITE_STATIC);
	if ((k = sqlite3_bind_parameter_index(st, ":dest")) > 0)
		sqlite3_bind_text(st, k, e->dest, -1, SQLITE_STATIC);
	xf_bind(&e->xf, st);
}

/*
 * The FROM ... WHERE of profiles (seg 0) or of one segment's members,
 * with the consent filter: keep (1), or count those it leaves out (0).
 */
static void
from_sql(struct export *e, struct sbuf *sql, long long seg, int keep)
{
	sb_adds(sql, " FROM profile p");
	if (seg > 0)
		sb_adds(sql, " JOIN segment_member sm ON sm.profile = p.id "
		    "AND sm.segment = :seg");
	if (e->purpose != NULL)
		sb_addf(sql, " WHERE p.id %sIN (SELECT profile FROM "
		    "profile_consent WHERE purpose = :purpose AND granted)",
		    keep ? "" : "NOT ");
}

static int
ex_golden(struct export *e, long long seg)
{
	struct sbuf sql;
	sqlite3_stmt *st;
	int rc;

	sb_init(&sql);
	if (e->purpose != NULL) {
		sb_adds(&sql, "SELECT count(*)");
		from_sql(e, &sql, seg, 0);
		st = db_prepare(e->db, sql.buf, &e->why);
		if (st == NULL) {
			sb_release(&sql);
			return -1;
		}
		bind_named(e, st, seg);
		if (sqlite3_step(st) != SQLITE_ROW) {
			sb_reset(&e->why);
			sb_adds(&e->why, sqlite3_errmsg(e->db));
			sqlite3_finalize(st);
			sb_release(&sql);
			return -1;
		}
		if (!quiet && sqlite3_column_int64(st, 0) > 0)
			fprintf(stderr, "%s: %lld profiles left out: no "
			    "consent for %s\n", progname,
			    sqlite3_column_int64(st, 0), e->purpose);
		sqlite3_finalize(st);
		sb_reset(&sql);
	}
	sb_adds(&sql, "SELECT p.id");	/* for export_item, not written */
	e->pcol = 0;
	e->off = 1;
	xf_sql(&e->xf, &sql);
	from_sql(e, &sql, seg, 1);
	sb_adds(&sql, " ORDER BY p.id");
	st = db_prepare(e->db, sql.buf, &e->why);
	sb_release(&sql);
	if (st == NULL)
		return -1;
	bind_named(e, st, seg);
	ex_header(e, e->xf.names);
	rc = ex_rows(e, st, field_row);
	sqlite3_finalize(st);
	if (rc == 0 && e->unhashable > 0 && !quiet)
		fprintf(stderr, "%s: %lld values left empty: not a valid "
		    "email or E.164 phone\n", progname, e->unhashable);
	return rc;
}

/* profiles: the golden records, by profile id. */
static int
ex_profiles(struct export *e)
{
	return ex_golden(e, 0);
}


/* The value of a one-row, one-column query (0 when NULL), or -1. */
static int
query_ll(struct export *e, const char *sql, long long seg, long long *v)
{
	sqlite3_stmt *st;
	int k, rc = 0;

	if ((st = db_prepare(e->db, sql, &e->why)) == NULL)
		return -1;
	bind_named(e, st, seg);
	if ((k = sqlite3_bind_parameter_index(st, ":cursor")) > 0)
		sqlite3_bind_int64(st, k, e->cursor_run);
	if ((k = sqlite3_bind_parameter_index(st, ":since")) > 0)
		sqlite3_bind_int64(st, k, e->consent_run);
	*v = 0;
	switch (sqlite3_step(st)) {
	case SQLITE_ROW:
		*v = sqlite3_column_int64(st, 0);
		break;
	case SQLITE_DONE:
		break;
	default:
		sb_reset(&e->why);
		sb_adds(&e->why, sqlite3_errmsg(e->db));
		rc = -1;
	}
	sqlite3_finalize(st);
	return rc;
}

/* The id of segment NAME, or -1 (with why) when there is none. */
static long long
segment_id(struct export *e)
{
	long long seg;

	if (query_ll(e, "SELECT id FROM segment WHERE name = :name", 0,
	    &seg) == -1)
		return -1;
	if (seg == 0) {
		sb_reset(&e->why);
		sb_addf(&e->why, "no segment %s",
		    quote_value(e->arg, strlen(e->arg)));
		return -1;
	}
	return seg;
}

/*
 * The changes since the cursor, one row per profile: its latest change
 * (a profile that entered and left since the last export comes out as
 * an exit).  Exits are written whatever the consent, but only for a
 * profile the destination was given (export_key): the destination must
 * drop the profile, under the values it was given, whatever became of
 * the profile since (merged, erased, its fields changed).
 */
#define CHANGES_CTE "WITH c0 AS (SELECT profile, change FROM (SELECT " \
	"profile, change, row_number() OVER (PARTITION BY profile " \
	"ORDER BY run DESC) AS rn FROM segment_change WHERE segment = :seg " \
	"AND (run > :cursor OR profile IN (SELECT profile FROM export_item " \
	"WHERE export = :again))) WHERE rn = 1), "
/*
 * With -c, consent is a change too: a member the destination holds (it
 * was given the entry and not the exit: export_key) leaves it when it
 * has not the consent now ("is_now"), and a member it does not hold
 * enters when it has.  Before a first export there is nothing to
 * compare (:since 0).
 */
#define CHANGES_CONSENT_CTE "was AS (SELECT profile FROM export_key " \
	"WHERE segment = :name AND dest = :dest AND (exited IS NULL OR " \
	"exited = :again)), is_now AS (SELECT profile FROM " \
	"profile_consent WHERE purpose = :purpose AND granted), " \
	"c AS (SELECT * FROM c0 " \
	"UNION ALL SELECT sm.profile, CASE WHEN sm.profile IN (SELECT " \
	"profile FROM was) THEN 'exit' ELSE 'enter' END FROM " \
	"segment_member sm WHERE :since > 0 AND sm.segment = :seg AND " \
	"sm.profile NOT IN (SELECT profile FROM c0) AND (sm.profile IN " \
	"(SELECT profile FROM was)) != (sm.profile IN (SELECT profile " \
	"FROM is_now))) "
#define CHANGES_PLAIN_CTE "c AS (SELECT * FROM c0) "
#define CHANGES_CONSENT "c.profile IN (SELECT profile FROM " \
	"profile_consent WHERE purpose = :purpose AND granted)"

/* A change row, and what it gives the destination (export_keys.h). */
static void
change_row(struct export *e, sqlite3_stmt *st)
{
	int j = e->off + (int)e->xf.n;

	field_row(e, st);
	xkeys_add(&e->keys, sqlite3_column_int64(st, 0),
	    strcmp((const char *)sqlite3_column_text(st, 1), "exit") == 0,
	    (const char *)sqlite3_column_text(st, j),
	    (size_t)sqlite3_column_bytes(st, j));
}

/* changes NAME --dest DEST: who entered or left since the last export. */
static int
ex_changes(struct export *e)
{
	struct sbuf sql;
	sqlite3_stmt *st;
	const char **names;
	long long seg, n, left, last;
	size_t i;
	int k, rc;

	if ((seg = segment_id(e)) == -1)
		return -1;
	if (query_ll(e, "SELECT run FROM export_cursor WHERE segment = :name "
	    "AND dest = :dest", seg, &e->cursor_run) == -1)
		return -1;
	/*
	 * -o names the file the last export delivered, still as it was:
	 * its reader may never have seen it (a retry after a commit its
	 * caller missed).  Deliver it again, with anything new: the file
	 * is never replaced by less than it held.
	 */
	if (e->outfile != NULL && e->outfile->existed) {
		if (query_ll(e, "SELECT export FROM export_cursor WHERE "
		    "segment = :name AND dest = :dest", seg, &last) == -1)
			return -1;
		if (last > 0 && xlog_delivered(e->db, last, e->outfile->path))
			e->again = last;
	}
	if (query_ll(e, "SELECT l.run FROM export_cursor x JOIN export_log l "
	    "ON l.id = x.export WHERE x.segment = :name AND x.dest = :dest",
	    seg, &e->consent_run) == -1)
		return -1;
	/* Read before the rows, in the same snapshot: nothing is skipped. */
	if (query_ll(e, "SELECT max(run) FROM segment_change WHERE "
	    "segment = :seg", seg, &n) == -1)
		return -1;
	if (e->purpose != NULL) {
		if (query_ll(e, CHANGES_CTE CHANGES_CONSENT_CTE
		    "SELECT count(*) FROM c WHERE "
		    "c.change = 'enter' AND NOT " CHANGES_CONSENT, seg,
		    &left) == -1)
			return -1;
		if (!quiet && left > 0)
			fprintf(stderr, "%s: %lld profiles left out: no "
			    "consent for %s\n", progname, left, e->purpose);
	}
	e->cursor = 1;
	sb_init(&sql);
	sb_adds(&sql, CHANGES_CTE);
	sb_adds(&sql, e->purpose != NULL ? CHANGES_CONSENT_CTE :
	    CHANGES_PLAIN_CTE);
	/*
	 * A profile gone since (erased, merged) keeps its id in the row:
	 * the destination knows it by that.  (Not through a CTE of c
	 * joined to c again: SQLite scans it once per row, quadratic.)
	 */
	e->xf.id = "c.profile";
	sb_adds(&sql, " SELECT c.profile, c.change");
	/*
	 * An exit has the identifying values of the entry and nothing
	 * else; an entry keeps its own.
	 */
	xf_sql_keyed(&e->xf, &sql, "(CASE WHEN c.change = 'exit' THEN "
	    "k.keys END)", "c.change = 'exit'");
	sb_adds(&sql, ", CASE WHEN c.change = 'enter' THEN ");
	xf_sql_object(&e->xf, &sql);
	sb_adds(&sql, " END FROM c LEFT JOIN profile p ON p.id = c.profile "
	    "LEFT JOIN "
	    "export_key k ON k.segment = :name AND k.dest = :dest AND "
	    "k.profile = c.profile WHERE (c.change = 'exit' AND k.profile "
	    "IS NOT NULL AND (k.exited IS NULL OR k.exited = :again)) OR "
	    "(c.change = 'enter'");
	if (e->purpose != NULL)
		sb_adds(&sql, " AND " CHANGES_CONSENT);
	sb_adds(&sql, ") ORDER BY c.profile");
	st = db_prepare(e->db, sql.buf, &e->why);
	sb_release(&sql);
	if (st == NULL)
		return -1;
	bind_named(e, st, seg);
	sqlite3_bind_int64(st, sqlite3_bind_parameter_index(st, ":cursor"),
	    e->cursor_run);
	if ((k = sqlite3_bind_parameter_index(st, ":since")) > 0)
		sqlite3_bind_int64(st, k, e->consent_run);
	if (n > e->cursor_run)
		e->cursor_run = n;
	e->pcol = 0;
	e->off = 2;
	names = xmalloc((e->xf.n + 2) * sizeof(*names));
	names[0] = "change";
	for (i = 0; i <= e->xf.n; i++)
		names[i + 1] = e->xf.names[i];
	e->lazy = 1;		/* nothing new: no output at all */
	ex_header(e, names);
	rc = ex_rows(e, st, change_row);
	sqlite3_finalize(st);
	free(names);
	e->cols = NULL;
	return rc;
}

/* profile ID: the 360-degree view (export/view360.h), one line of JSON. */
static int
ex_profile(struct export *e)
{
	sqlite3_stmt *st;
	long long pid;
	int rc;

	if ((pid = v360_resolve(e->db, e->arg, &e->why)) == -1)
		return -1;
	if ((st = db_prepare(e->db, v360_sql, &e->why)) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, pid);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		size_t n = (size_t)sqlite3_column_bytes(st, 0);

		if (fwrite(sqlite3_column_text(st, 0), 1, n, e->out) != n ||
		    putc('\n', e->out) == EOF)
			ex_write_failed(e);
		e->rows = 1;
		rc = xlog_item(&e->log, pid, &e->why);
	} else {
		sb_reset(&e->why);
		if (rc == SQLITE_DONE)
			sb_addf(&e->why, "no profile %lld", pid);
		else
			sb_adds(&e->why, sqlite3_errmsg(e->db));
		rc = -1;
	}
	sqlite3_finalize(st);
	if (e->werr)
		rc = -1;	/* e->why says it */
	return rc;
}

static void
event_row(struct export *e, sqlite3_stmt *st)
{
	int c;

	for (c = 0; c < 7; c++)
		switch (sqlite3_column_type(st, c)) {
		case SQLITE_INTEGER:
			if (strcmp(e->cols[e->col], "amount") == 0)
				ex_money(e, sqlite3_column_double(st, c));
			else
				ex_int(e, sqlite3_column_int64(st, c));
			break;
		case SQLITE_FLOAT:
			if (strcmp(e->cols[e->col], "amount") == 0)
				ex_money(e, sqlite3_column_double(st, c));
			else
				ex_double(e, sqlite3_column_double(st, c));
			break;
		default:
			ex_col(e, st, c);
		}
}

/*
 * events [--since TS]: the records that carry an event_type, in the
 * order they were stored (the rowid order streams; record has no index
 * on ts, and a sort would hold the whole result).
 */
static int
ex_events(struct export *e)
{
	static const char *const cols[] = {
		"profile_id", "source", "record_id", "event_type", "ts",
		"amount", "currency", NULL
	};
	sqlite3_stmt *st;
	int rc;

	st = db_prepare(e->db, "SELECT m.profile, s.name, r.record_id, "
	    "r.event_type, r.ts, r.amount, r.currency FROM record r "
	    "JOIN source s ON s.id = r.source_id "
	    "LEFT JOIN member m ON m.record = r.id "
	    "WHERE r.event_type IS NOT NULL AND (?1 IS NULL OR r.ts >= ?1) "
	    "ORDER BY r.id", &e->why);
	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, e->since, -1, SQLITE_STATIC);
	e->pcol = 0;
	ex_header(e, cols);
	rc = ex_rows(e, st, event_row);
	sqlite3_finalize(st);
	return rc;
}

/* segment NAME: the golden records of the segment's members. */
static int
ex_segment(struct export *e)
{
	long long seg = segment_id(e);

	return seg == -1 ? -1 : ex_golden(e, seg);
}

static const struct verb {
	const char *name;
	int	(*fn)(struct export *);
	int	 nargs;		/* operands after the verb */
	int	 fields;	/* takes -F, -H and -c */
} verbs[] = {
	{ "members", ex_members, 0, 0 },
	{ "profiles", ex_profiles, 0, 1 },
	{ "segment", ex_segment, 1, 1 },
	{ "changes", ex_changes, 1, 1 },
	{ "profile", ex_profile, 1, 0 },
	{ "events", ex_events, 0, 0 },
};

/*
 * The absolute path of the file the export goes to (-o FILE, or stdout
 * redirected to a regular file), for the recipients list; else NULL.
 */
static char *
out_file_path(const char *outpath)
{
	char buf[PATH_MAX], *dir, *slash, *r;
	struct stat sb;
	ssize_t n;

	if (outpath == NULL || strcmp(outpath, "-") == 0) {
		if (fstat(STDOUT_FILENO, &sb) == -1 || !S_ISREG(sb.st_mode) ||
		    (n = readlink("/proc/self/fd/1", buf, sizeof(buf) - 1)) <= 0)
			return NULL;
		buf[n] = '\0';
		return xstrdup(buf);
	}
	dir = xstrdup(outpath);
	slash = strrchr(dir, '/');
	if (slash == dir)
		dir[1] = '\0';
	else if (slash != NULL)
		*slash = '\0';
	r = realpath(slash != NULL ? dir : ".", buf);
	free(dir);
	if (r == NULL)
		return xstrdup(outpath);
	slash = strrchr(outpath, '/');
	dir = xmalloc(strlen(buf) + strlen(outpath) + 2);
	sprintf(dir, "%s/%s", strcmp(buf, "/") == 0 ? "" : buf,
	    slash != NULL ? slash + 1 : outpath);
	return dir;
}

int
main(int argc, char *argv[])
{
	struct export e;
	const char *dbopt = NULL, *outpath = NULL, *fspec = NULL;
	const char *hopt = NULL, *path;
	const struct verb *v = NULL;
	struct run run;
	struct sbuf what;
	struct ofile of;
	int tofile = 0;
	char *abspath;
	size_t i;
	int ch, rc, fmt_set = 0, raw = 0;
	struct csvo co;

	set_progname(argv[0]);
	run_log_usage(argc, argv);
	/* | head -1: said and logged as failed, not a silent death. */
	oc_ignore_sigpipe();
	memset(&e, 0, sizeof(e));
	memset(&co, 0, sizeof(co));
	sb_init(&e.why);
	xkeys_init(&e.keys);
	e.format = FMT_CSV;
	static const struct option longopts[] = {
		CSVO_LONGOPTS,
		{ "dest", required_argument, NULL, 'T' },
		{ "raw", no_argument, NULL, 'W' },
		{ "since", required_argument, NULL, 'S' },
		CLI_LONGOPTS,
		{ NULL, 0, NULL, 0 }
	};

	while ((ch = getopt_long(argc, argv, "c:D:d:F:f:H:ho:qVv", longopts,
	    NULL)) != -1) {
		if ((rc = csvo_option(&co, ch, optarg)) == -1)
			die(EXIT_USAGE, MAP_DELIM_ERR);
		if (rc == 1)
			continue;
		switch (ch) {
		case 'T':
			if (*optarg == '\0')
				die(EXIT_USAGE, "empty --dest");
			e.dest = optarg;
			break;
		case 'W':
			raw = 1;
			break;
		case 'h':
			cli_help = 1;
			usage();
		case 'S':
			e.since = optarg;
			break;
		case 'c':
			if (*optarg == '\0')
				die(EXIT_USAGE, "empty purpose in -c");
			e.purpose = optarg;
			break;
		case 'd':
			dbopt = optarg;
			break;
		case 'F':
			fspec = optarg;
			break;
		case 'H':
			if (strcmp(optarg, "sha256") == 0)
				e.hash = 1;
			else if (strcmp(optarg, "sha256:meta") == 0)
				e.hash = 2;
			else
				die(EXIT_USAGE, "hash must be sha256 or "
				    "sha256:meta");
			hopt = optarg;
			break;
		case 'f':
			fmt_set = 1;
			if ((e.format = map_parse_format(optarg, FMT_CSV,
			    FMT_NDJSON)) == -1)
				die(EXIT_USAGE, MAP_FORMAT_ERR);
			break;
		case 'o':
			outpath = optarg;
			break;
		case 'q':
			quiet = 1;
			break;
		case 'V':
			printf("cdp-export %s\n", CDP_VERSION);
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
	if (argc < 1)
		usage();
	for (i = 0; i < sizeof(verbs) / sizeof(verbs[0]); i++)
		if (strcmp(argv[0], verbs[i].name) == 0)
			v = &verbs[i];
	if (v == NULL) {
		warnx_("unknown WHAT %s: members, profiles, segment, "
		    "changes, profile or events",
		    quote_value(argv[0], strlen(argv[0])));
		usage();
	}
	if (argc != 1 + v->nargs)
		usage();
	if (v->nargs > 0)
		e.arg = argv[1];
	if (!v->fields && (fspec != NULL || hopt != NULL || e.purpose != NULL))
		die(EXIT_USAGE, "-F, -H and -c do not apply to %s", v->name);
	if (v->fields && xf_parse(&e.xf, fspec, &e.why) == -1)
		die(EXIT_USAGE, "%s", e.why.buf);
	if (v->fn == ex_changes && e.dest == NULL)
		die(EXIT_USAGE, "changes needs --dest");
	if (e.since != NULL && v->fn != ex_events)
		die(EXIT_USAGE, "--since applies to events only");
	if (v->fn == ex_events && !fmt_set)
		e.format = FMT_NDJSON;
	if (v->fn == ex_profile && fmt_set)
		die(EXIT_USAGE, "profile is always JSON: no -f");
	if (csvo_any(&co) && e.format != FMT_CSV)
		die(EXIT_USAGE, "-D, --bom, --crlf and --excel are for CSV");
	sb_init(&e.line);
	sb_init(&e.scratch);
	path = db_path(dbopt);
	/*
	 * The read connection mostly scans: a small page cache keeps memory
	 * flat in the number of rows (and spares the page faults of a big
	 * one); the kernel caches the file anyway.
	 */
	if (db_open(path, 0, &e.wdb, &e.why) == -1 ||
	    db_open(path, DB_RDONLY, &e.db, &e.why) == -1 ||
	    db_exec(e.db, "PRAGMA cache_size = -16384", &e.why) == -1)
		die(EXIT_FAIL, "%s", e.why.buf);
	/*
	 * A lookup is a short process, often the only one on the store:
	 * SQLite would then checkpoint the WAL and delete it at its close,
	 * and the next lookup create it again, four fsyncs a lookup on a
	 * disk that writers keep busy (most of its wall time, tens of ms
	 * at the p99).  The WAL stays; a lookup checkpoints it once it
	 * holds 64 pages (about ten lookups' log rows), so that the next
	 * one alone on the store does not read back a long WAL.
	 */
	if (v->fn == ex_profile) {
		(void)sqlite3_wal_autocheckpoint(e.wdb, 64);
		(void)sqlite3_db_config(e.wdb, SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE,
		    1, NULL);
		(void)sqlite3_db_config(e.db, SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE,
		    1, NULL);
	}
	/* A person named on the command line never reaches the logs. */
	if (v->fn == ex_profile)
		argv[1] = "(subject)";
	if (run_begin(&run, e.wdb, "cdp-export", argc + optind,
	    argv - optind, 0, &e.why) == -1)
		die(EXIT_FAIL, "%s", e.why.buf);
	e.out = stdout;
	e.outname = "stdout";
	if (outpath != NULL && strcmp(outpath, "-") != 0) {
		if (of_open(&of, outpath, &e.why) == -1) {
			/* Logged, so that cdp-status shows the failure. */
			char *msg = xstrdup(e.why.buf);

			(void)run_end(&run, "failed", msg, &e.why);
			die(EXIT_FAIL, "%s", msg);
		}
		tofile = 1;
		e.out = of.f;
		e.outname = outpath;
		e.outfile = &of;
	}
	abspath = out_file_path(outpath);
	if (xlog_open(&e.log, e.wdb, e.out) == -1)
		die(EXIT_FAIL, "%s: %s", e.outname, strerror(errno));
	e.out = e.log.out;
	/* Excel in this locale: ';' and a decimal comma where it uses one. */
	/* The BOM goes with the header: nothing to write, an empty file. */
	csvo_setup(&co, &e.csv, e.out);
	e.bom = csvo_bom(&co);
	if (raw)
		csvw_raw(&e.csv);
	csvw_batch(&e.csv, 1 << 16);
	jw_init(&e.jw, &e.line);
	sb_init(&what);
	sb_adds(&what, v->name);
	if (e.arg != NULL)
		sb_addf(&what, " %s", argv[1]);
	/*
	 * One write transaction holds the log; the rows are read on the
	 * other connection in a read transaction begun once the write lock
	 * is held, so no other writer can commit between the two: the
	 * output is one consistent snapshot and the log is written with
	 * it (export/export_log.h), its export_item inserts overlapping the
	 * formatting.
	 */
	rc = db_begin(e.wdb, &e.why);
	if (rc == 0)
		rc = xlog_begin(&e.log, run.id, what.buf, e.dest != NULL ?
		    e.dest : e.outname, e.format == FMT_CSV ? "csv" : "ndjson",
		    &e.why);
	if (rc == 0)
		rc = db_exec(e.db, "BEGIN", &e.why);
	if (rc == 0)
		rc = v->fn(&e);
	if (rc == 0 && csvw_flush(&e.csv) == -1) {
		ex_write_failed(&e);
		rc = -1;
	}
	/* The snapshot is no longer needed: let checkpoints go past it. */
	db_close(e.db);
	e.db = NULL;
	/* A write that failed is the output's, not the verb's. */
	if (rc == -1 && e.werr)
		warnx_("%s", e.why.buf);
	else if (rc == -1)
		warnx_("%s: %s", v->name, e.why.buf);
	if (fclose(e.out) == EOF && rc == 0) {
		ex_write_failed(&e);
		warnx_("%s", e.why.buf);
		rc = -1;
	}
	/* Every export_item inserted, the digest logged. */
	if (rc == 0 && (xlog_end(&e.log, e.rows, &e.why) == -1 ||
	    (abspath != NULL && xlog_path(&e.log, abspath, &e.why) == -1))) {
		warnx_("%s: %s", v->name, e.why.buf);
		rc = -1;
	}
	/* What the destination was given: the keys of its exits. */
	if (rc == 0 && e.cursor && xkeys_save(&e.keys, e.wdb, e.arg, e.dest,
	    e.log.id, tofile, &e.why) == -1) {
		warnx_("%s: %s", v->name, e.why.buf);
		rc = -1;
	}
	/*
	 * The file is complete, on disk and in place before the cursor
	 * commits: a crash in between delivers it again, with anything
	 * new, on the next run; never a cursor past a file not delivered.
	 */
	if (tofile) {
		if (rc == 0 && of_commit(&of, &e.why) == -1) {
			warnx_("%s", e.why.buf);
			rc = -1;
		} else if (rc == -1)
			of_abort(&of);
	}
	if (rc == 0 && ((e.cursor && xlog_cursor(&e.log, e.arg, e.dest,
	    e.cursor_run, &e.why) == -1) || db_commit(e.wdb, &e.why) == -1)) {
		warnx_("%s: %s", v->name, e.why.buf);
		rc = -1;
	}
	xlog_release(&e.log);	/* its thread is gone: wdb is ours again */
	if (rc == -1)
		db_rollback(e.wdb);
	run.rows_ok = e.rows;
	if (run_end(&run, rc == 0 ? "ok" : "failed", rc == 0 ? NULL :
	    e.why.buf, &e.why) == -1) {
		warnx_("%s", e.why.buf);
		rc = -1;
	}
	sb_release(&what);
	free(abspath);
	if (rc == 0 && !quiet)
		fprintf(stderr, "%s: %s: %lld rows\n", progname, v->name,
		    e.rows);
	csvw_release(&e.csv);
	jw_release(&e.jw);
	sb_release(&e.line);
	sb_release(&e.why);
	sb_release(&e.scratch);
	xf_release(&e.xf);
	xkeys_release(&e.keys);
	db_close(e.wdb);
	/* A failed write was reported above, once. */
	if (rc == -1)
		return EXIT_FAIL;
	check_stdout();
	return EXIT_OK;
}
