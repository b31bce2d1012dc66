/*
 * cdp-catalog - the data map: what each source sent, field by field,
 * and how good it is; a map proposed for a new file; what changed.
 *
 * The figures come from the catalog tables that cdp-ingest keeps as it
 * stores each batch (common/catalog/catalog.c); this tool only reads them, so
 * it costs the same on a database of a thousand records or of a
 * hundred million.  reset, the one verb that writes, forgets a source's
 * data map (common/catalog/catalog_reset.c) so that a run with a fixed
 * map makes it again.  Values of personal fields are masked unless
 * --unmask: the catalog is meant to be shown around.
 */
#include <fnmatch.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "catalog/catalog.h"
#include "catalog/catalog_reset.h"
#include "catalog/map_suggest.h"
#include "catalog/value_shape.h"
#include "core/cli.h"
#include "io/csv_options.h"
#include "io/json_writer.h"
#include "io/output_check.h"
#include "io/record_reader.h"
#include "io/table.h"
#include "merge/golden_record.h"
#include "merge/merge_config.h"
#include "merge/source_delete.h"
#include "privacy/kept_files.h"
#include "privacy/source_files.h"
#include "normalise/field_map.h"
#include "store/database.h"
#include "store/run_log.h"

#define TOP_SHOWN	3	/* top values in a table cell */

static void __attribute__((noreturn))
usage(void)
{
	fprintf(cli_usage_out(),
	    "usage: %s [-D DELIM] [-d DB] [-f table|csv|ndjson] [-s SOURCE] "
	    "[--bom] [--crlf] [--excel] [--unmask] [FIELD ...]\n"
	    "       %s sources [-D DELIM] [-d DB] [-f table|csv|ndjson] "
	    "[-s SOURCE] [--bom] [--crlf] [--excel]\n"
	    "       %s drift [-D DELIM] [-d DB] [-f table|csv|ndjson] "
	    "[-s SOURCE] [--bom] [--crlf] [--excel]\n"
	    "       %s suggest [-E ENCODING] [-f csv|ndjson] [-n RECORDS] FILE\n"
	    "       %s reset [-d DB] SOURCE\n"
	    "       %s delete [-f] [-d DB] [-r CONF] SOURCE\n",
	    progname, progname, progname, progname, progname, progname);
	cli_usage_exit();
}

struct opts {
	const char *db;
	const char *source;
	int	 fmt;
	struct csvo csv;	/* -D, --bom, --crlf, --excel */
	int	 unmask;
	char	**fields;
	int	 nfields;
};

static const struct option longopts[] = {
	{ "unmask", no_argument, NULL, 'u' },
	CSVO_LONGOPTS,
	CLI_LONGOPTS,
	{ NULL, 0, NULL, 0 }
};

/* Default output: a table for a person, CSV for a pipe or a file. */
static int
default_format(void)
{
	return tab_term_width() > 0 ? TAB_TABLE : TAB_CSV;
}

static void
parse(int argc, char **argv, struct opts *o, int sub)
{
	int ch, rc, fmt_set = 0;

	memset(o, 0, sizeof(*o));
	o->fmt = default_format();
	while ((ch = getopt_long(argc, argv, "D:d:f:hs:uV", longopts,
	    NULL)) != -1) {
		if ((rc = csvo_option(&o->csv, ch, optarg)) == -1)
			die(EXIT_USAGE, MAP_DELIM_ERR);
		if (rc == 1)
			continue;
		switch (ch) {
		case 'd':
			o->db = optarg;
			break;
		case 'f':
			if ((o->fmt = tab_format(optarg, 7)) == -1)
				die(EXIT_USAGE, "format must be table, csv or "
				    "ndjson");
			fmt_set = 1;
			break;
		case 's':
			o->source = optarg;
			break;
		case 'u':
			if (sub)
				usage();
			o->unmask = 1;
			break;
		case 'h':
			cli_help = 1;
			usage();
		case 'V':
			printf("cdp-catalog %s\n", CDP_VERSION);
			check_stdout();
			exit(0);
		default:
			usage();
		}
	}
	/* The spreadsheet options ask for CSV, even on a terminal. */
	if (csvo_any(&o->csv) && !fmt_set)
		o->fmt = TAB_CSV;
	if (csvo_any(&o->csv) && o->fmt != TAB_CSV)
		die(EXIT_USAGE, "-D, --bom, --crlf and --excel are for CSV");
	o->fields = argv + optind;
	o->nfields = argc - optind;
	if (sub && o->nfields > 0)
		usage();
}

static sqlite3 *
open_db(const char *opt)
{
	struct sbuf why;
	sqlite3 *db;

	sb_init(&why);
	if (db_open(db_path(opt), DB_RDONLY, &db, &why) == -1)
		die(EXIT_FAIL, "%s", why.buf);
	sb_release(&why);
	return db;
}

static int
wanted(const struct opts *o, const char *field)
{
	int i;

	if (o->nfields == 0)
		return 1;
	for (i = 0; i < o->nfields; i++)
		if (fnmatch(o->fields[i], field, 0) == 0)
			return 1;
	return 0;
}

/* A value for display: masked when personal, unless --unmask. */
static void
shown(struct sbuf *out, const char *v, int personal, int type)
{
	struct sbuf m;

	if (!personal) {
		sb_adds(out, v);
		return;
	}
	sb_init(&m);
	shape_mask(v, strlen(v), shape_of(v, strlen(v)) == SH_NULL ? type :
	    shape_of(v, strlen(v)), &m);
	sb_add(out, m.buf, m.len);
	sb_release(&m);
}

/*
 * The top values: for a table "v (n), ..." (singletons dropped when the
 * field has more distinct values than the sketch counts, since they are
 * then noise); as JSON [[v, n], ...] for CSV and NDJSON.
 */
static void
top_values(struct sbuf *out, const char *json, long long distinct,
    int personal, int type, int table)
{
	struct sbuf v;
	sqlite3 *mem;
	sqlite3_stmt *st;
	int n = 0;

	if (json == NULL)
		return;
	sb_init(&v);
	/* The JSON is ours: read it back with SQLite's json_each. */
	if (sqlite3_open(":memory:", &mem) != SQLITE_OK ||
	    sqlite3_prepare_v2(mem, "SELECT json_extract(value, '$[0]'), "
	    "json_extract(value, '$[1]') FROM json_each(?)", -1, &st,
	    NULL) != SQLITE_OK) {
		sqlite3_close(mem);
		sb_release(&v);
		return;
	}
	sqlite3_bind_text(st, 1, json, -1, SQLITE_STATIC);
	if (!table)
		sb_addc(out, '[');
	while (sqlite3_step(st) == SQLITE_ROW) {
		const char *s = (const char *)sqlite3_column_text(st, 0);
		long long c = sqlite3_column_int64(st, 1);

		if (s == NULL || (table && ((c < 2 && distinct > 20) ||
		    n >= TOP_SHOWN)))
			continue;
		sb_reset(&v);
		shown(&v, s, personal, type);
		if (table)
			sb_addf(out, "%s%s (%lld)", n ? ", " : "", v.buf, c);
		else {
			struct sbuf q;
			struct jw w;

			sb_init(&q);
			jw_init(&w, &q);
			jw_array_open(&w);
			jw_str(&w, v.buf, v.len);
			jw_int(&w, c);
			jw_array_close(&w);
			sb_addf(out, "%s%s", n ? "," : "", q.buf);
			jw_release(&w);
			sb_release(&q);
		}
		n++;
	}
	if (!table)
		sb_addc(out, ']');
	sqlite3_finalize(st);
	sqlite3_close(mem);
	sb_release(&v);
}

static const char *const list_cols[] = {
	"source", "field", "kind", "type", "types", "records", "present",
	"fill", "distinct", "given", "valid", "validity", "min", "max", "top",
	"first_seen", "last_seen",
};
#define NLIST	(sizeof(list_cols) / sizeof(list_cols[0]))

static int
cmd_list(int argc, char **argv)
{
	struct opts o;
	struct tab t;
	struct sbuf b;
	sqlite3 *db;
	sqlite3_stmt *st;
	long long records, present, distinct, given;
	const char *field, *type;
	unsigned used;
	int i, personal, table, ty, rc = 0, rows = 0;

	parse(argc, argv, &o, 0);
	db = open_db(o.db);
	st = sqlite3_prepare_v2(db, "SELECT s.name, c.field, c.kind, c.type, "
	    "coalesce(cs.records, 0), c.present, c.distinct_est, c.given, "
	    "c.valid, c.min_num, c.max_num, c.min_text, c.max_text, "
	    "c.top_values, c.first_seen, c.last_seen, c.n_string, c.n_integer, "
	    "c.n_number, c.n_boolean, c.n_date, c.n_email, c.n_phone, "
	    "c.n_object, c.n_array, c.n_null FROM catalog c "
	    "JOIN source s ON s.id = c.source_id "
	    "LEFT JOIN catalog_source cs ON cs.source_id = c.source_id "
	    "WHERE ?1 IS NULL OR s.name = ?1 "
	    "ORDER BY s.name, c.kind, c.field", -1, &st, NULL) == SQLITE_OK ?
	    st : NULL;
	if (st == NULL)
		die(EXIT_FAIL, "catalog: %s", sqlite3_errmsg(db));
	if (o.source != NULL)
		sqlite3_bind_text(st, 1, o.source, -1, SQLITE_STATIC);
	table = o.fmt == TAB_TABLE;
	tab_init(&t, stdout, o.fmt, list_cols, NLIST);
	tab_csv_options(&t, &o.csv);
	tab_table_cols(&t, "source field type fill distinct validity min max "
	    "top");
	sb_init(&b);
	while (sqlite3_step(st) == SQLITE_ROW) {
		field = (const char *)sqlite3_column_text(st, 1);
		if (!wanted(&o, field))
			continue;
		rows++;
		type = (const char *)sqlite3_column_text(st, 3);
		ty = type ? shape_lookup(type) : SH_NULL;
		records = sqlite3_column_int64(st, 4);
		present = sqlite3_column_int64(st, 5);
		distinct = sqlite3_column_int64(st, 6);
		personal = !o.unmask && cat_personal(field, ty) &&
		    !cat_flag_field(db, (const char *)sqlite3_column_text(st,
		    0), field, ty, (const char *)sqlite3_column_text(st, 13),
		    present);
		tab_str(&t, (const char *)sqlite3_column_text(st, 0));
		tab_str(&t, field);
		tab_str(&t, (const char *)sqlite3_column_text(st, 2));
		tab_str(&t, type);
		/* Observed types, most frequent first. */
		sb_reset(&b);
		sb_adds(&b, table ? "" : "{");
		for (used = 0;;) {
			long long best = 0;
			int bi = -1;

			for (i = 0; i < SH_NTYPES; i++) {
				long long n = sqlite3_column_int64(st, 16 + i);

				if (n > best && !(used & 1u << i)) {
					best = n;
					bi = i;
				}
			}
			if (bi < 0)
				break;
			sb_addf(&b, table ? "%s%s:%lld" : "%s\"%s\":%lld",
			    used ? (table ? " " : ",") : "", shape_name(bi),
			    best);
			used |= 1u << bi;
		}
		if (table)
			tab_str(&t, b.buf);
		else {
			sb_addc(&b, '}');
			tab_json(&t, b.buf);
		}
		tab_int(&t, records);
		tab_int(&t, present);
		if (table) {
			sb_reset(&b);
			sb_addf(&b, "%.1f%%", records ? 100.0 * (double)present /
			    (double)records : 0.0);
			tab_num(&t, b.buf);
		} else
			tab_real(&t, records ? (double)present /
			    (double)records : 0.0, 4);
		tab_int(&t, distinct);
		if (sqlite3_column_type(st, 7) == SQLITE_NULL) {
			tab_null(&t);
			tab_null(&t);
			tab_null(&t);
		} else {
			given = sqlite3_column_int64(st, 7);
			tab_int(&t, given);
			tab_int(&t, sqlite3_column_int64(st, 8));
			if (given == 0)
				tab_null(&t);
			else if (table) {
				sb_reset(&b);
				sb_addf(&b, "%.1f%%", 100.0 * (double)
				    sqlite3_column_int64(st, 8) / (double)given);
				tab_num(&t, b.buf);
			} else
				tab_real(&t, (double)sqlite3_column_int64(st, 8) /
				    (double)given, 4);
		}
		/* min and max: numeric for numbers, else the text ones. */
		for (i = 0; i < 2; i++) {
			int num = (ty == SH_INTEGER || ty == SH_NUMBER) &&
			    sqlite3_column_type(st, 9 + i) != SQLITE_NULL;
			const char *v = (const char *)sqlite3_column_text(st,
			    num ? 9 + i : 11 + i);

			sb_reset(&b);
			if (v != NULL)
				shown(&b, v, personal, ty);
			if (v == NULL)
				tab_null(&t);
			else if (num && !personal) {
				char tmp[64];

				snprintf(tmp, sizeof(tmp), "%.15g",
				    sqlite3_column_double(st, 9 + i));
				tab_num(&t, tmp);
			} else
				tab_str(&t, b.buf);
		}
		sb_reset(&b);
		top_values(&b, (const char *)sqlite3_column_text(st, 13),
		    distinct, personal, ty, table);
		if (table)
			tab_str(&t, b.buf);
		else
			tab_json(&t, b.len ? b.buf : NULL);
		tab_str(&t, (const char *)sqlite3_column_text(st, 14));
		tab_str(&t, (const char *)sqlite3_column_text(st, 15));
		if (tab_row(&t) == -1)
			break;
	}
	sqlite3_finalize(st);
	tab_flush(&t);
	tab_release(&t);
	sb_release(&b);
	db_close(db);
	check_stdout();
	if (rows == 0 && o.nfields > 0)
		rc = EXIT_FAIL;	/* no field matched: say so by the status */
	return rc;
}

static const char *const src_cols[] = {
	"source", "format", "records", "fields", "untracked", "runs",
	"files", "last_file", "first_seen", "last_seen",
};

static int
cmd_sources(int argc, char **argv)
{
	struct opts o;
	struct tab t;
	sqlite3 *db;
	sqlite3_stmt *st;
	int i;

	parse(argc, argv, &o, 1);
	db = open_db(o.db);
	if (sqlite3_prepare_v2(db, "SELECT s.name, s.format, "
	    "coalesce(cs.records, 0), "
	    "(SELECT count(*) FROM catalog c WHERE c.source_id = s.id), "
	    "coalesce(cs.untracked, 0), "
	    "(SELECT count(*) FROM run r WHERE r.source_id = s.id AND "
	    "  r.tool = 'cdp-ingest'), "
	    "(SELECT count(*) FROM run_file f JOIN run r ON r.id = f.run "
	    "  WHERE r.source_id = s.id), "
	    "(SELECT f.file FROM run_file f JOIN run r ON r.id = f.run "
	    "  WHERE r.source_id = s.id ORDER BY f.rowid DESC LIMIT 1), "
	    "cs.first_seen, cs.last_seen FROM source s "
	    "LEFT JOIN catalog_source cs ON cs.source_id = s.id "
	    "WHERE ?1 IS NULL OR s.name = ?1 ORDER BY s.name", -1, &st,
	    NULL) != SQLITE_OK)
		die(EXIT_FAIL, "catalog: %s", sqlite3_errmsg(db));
	if (o.source != NULL)
		sqlite3_bind_text(st, 1, o.source, -1, SQLITE_STATIC);
	tab_init(&t, stdout, o.fmt, src_cols, 10);
	tab_csv_options(&t, &o.csv);
	while (sqlite3_step(st) == SQLITE_ROW) {
		for (i = 0; i < 10; i++)
			if (sqlite3_column_type(st, i) == SQLITE_INTEGER)
				tab_int(&t, sqlite3_column_int64(st, i));
			else
				tab_str(&t, (const char *)sqlite3_column_text(st,
				    i));
		if (tab_row(&t) == -1)
			break;
	}
	sqlite3_finalize(st);
	tab_flush(&t);
	tab_release(&t);
	db_close(db);
	check_stdout();
	return 0;
}

static const char *const drift_cols[] = {
	"source", "run", "previous_run", "field", "change", "was", "now",
	"present", "records",
};

static int
cmd_drift(int argc, char **argv)
{
	static const char *const change[] = { "new", "missing", "type" };
	struct opts o;
	struct tab t;
	struct cat_drift *d;
	struct sbuf why;
	sqlite3 *db;
	size_t n, i;

	parse(argc, argv, &o, 1);
	db = open_db(o.db);
	sb_init(&why);
	if (cat_drift_find(db, o.source, &d, &n, &why) == -1)
		die(EXIT_FAIL, "%s", why.buf);
	tab_init(&t, stdout, o.fmt, drift_cols, 9);
	tab_csv_options(&t, &o.csv);
	for (i = 0; i < n; i++) {
		tab_str(&t, d[i].source);
		tab_int(&t, d[i].run);
		tab_int(&t, d[i].prev);
		tab_str(&t, d[i].field);
		tab_str(&t, change[d[i].change]);
		tab_str(&t, d[i].was);
		tab_str(&t, d[i].now);
		tab_int(&t, d[i].present);
		tab_int(&t, d[i].records);
		if (tab_row(&t) == -1)
			break;
	}
	tab_flush(&t);
	tab_release(&t);
	cat_drift_free(d, n);
	sb_release(&why);
	db_close(db);
	check_stdout();
	return 0;
}

static int
cmd_suggest(int argc, char **argv)
{
	struct sbuf out, why;
	long long n = 1000;
	const char *errstr;
	const char *encoding = NULL;
	int ch, format = RIN_GUESS;

	while ((ch = getopt(argc, argv, "E:f:hn:")) != -1) {
		switch (ch) {
		case 'E':
			if (!lr_encoding_known(optarg))
				die(EXIT_USAGE, "unknown encoding %s (iconv -l "
				    "lists them)", quote_value(optarg,
				    strlen(optarg)));
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
		case 'n':
			if (parse_ll(optarg, 1, 100000000, &n, &errstr) == -1)
				die(EXIT_USAGE, "records %s: %s",
				    quote_value(optarg, strlen(optarg)), errstr);
			break;
		default:
			usage();
		}
	}
	if (argc - optind != 1)
		usage();
	sb_init(&out);
	sb_init(&why);
	if (sg_suggest(argv[optind], format, encoding, (long)n, &out,
	    &why) == -1)
		die(EXIT_FAIL, "%s", why.buf);
	fwrite(out.buf, 1, out.len, stdout);
	sb_release(&out);
	sb_release(&why);
	check_stdout();
	return 0;
}

/* The id of source name, or die. */
static long long
source_id(sqlite3 *db, const char *name)
{
	sqlite3_stmt *st;
	long long sid = 0;

	if (sqlite3_prepare_v2(db, "SELECT id FROM source WHERE name = ?1",
	    -1, &st, NULL) != SQLITE_OK)
		die(EXIT_FAIL, "catalog: %s", sqlite3_errmsg(db));
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW)
		sid = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	if (sid == 0)
		die(EXIT_FAIL, "no source %s", quote_value(name, strlen(name)));
	return sid;
}

/* The options of the verbs that change a source (reset, delete). */
struct source_opts {
	const char *db;		/* -d */
	const char *conf;	/* -r: cdp-run's configuration (delete) */
	int	 force;		/* -f: not a dry run (delete) */
};

/*
 * Parse the verb's options, those of optstring among -d, -f and -r;
 * then exactly one operand, the source (argv[optind]).
 */
static void
source_opts(int argc, char **argv, const char *optstring,
    struct source_opts *o)
{
	int ch;

	memset(o, 0, sizeof(*o));
	while ((ch = getopt(argc, argv, optstring)) != -1) {
		switch (ch) {
		case 'd':
			o->db = optarg;
			break;
		case 'f':
			o->force = 1;
			break;
		case 'r':
			o->conf = optarg;
			break;
		default:
			usage();
		}
	}
	if (argc - optind != 1)
		usage();
}

/* Forget a source's data map: the one verb that writes. */
static int
cmd_reset(int argc, char **argv)
{
	struct source_opts o;
	struct sbuf why;
	struct run run;
	sqlite3 *db;
	long long sid;
	long n;

	source_opts(argc, argv, "d:", &o);
	sb_init(&why);
	if (db_open(db_path(o.db), 0, &db, &why) == -1)
		die(EXIT_FAIL, "%s", why.buf);
	sid = source_id(db, argv[optind]);
	if (run_begin(&run, db, "cdp-catalog", argc + 1, argv - 1, sid,
	    &why) == -1)
		die(EXIT_FAIL, "run log: %s", why.buf);
	if (cat_drop_source(db, sid, &n, &why) == -1) {
		(void)run_end(&run, "failed", why.buf, &why);
		die(EXIT_FAIL, "%s", why.buf);
	}
	if (run_end(&run, "ok", NULL, &why) == -1)
		warnx_("run log: %s", why.buf);
	fprintf(stderr, "%s: %s: data map reset, %ld fields forgotten\n",
	    progname, argv[optind], n);
	sb_release(&why);
	db_close(db);
	return 0;
}

static void
print_counts(const char *head, const struct sd_counts *c, long nfields,
    long nkept)
{
	printf("%s:\n", head);
	printf("  %-20s %lld\n", "record", c->records);
	printf("  %-20s %lld\n", "ident", c->idents);
	printf("  %-20s %lld\n", "consent", c->consents);
	printf("  %-20s %lld\n", "record_history", c->history);
	printf("  %-20s %lld\n", "link", c->links);
	printf("  %-20s %lld\n", "reject", c->rejects);
	printf("  %-20s %ld\n", "catalog field", nfields);
	printf("  %-20s %lld\n", "profile removed", c->removed);
	printf("  %-20s %lld\n", "profile re-resolved", c->resolved);
	printf("  %-20s %lld\n", "segment exit", c->exits);
	if (nkept >= 0)
		printf("  %-20s %ld\n", "kept file", nkept);
}

/*
 * The files cdp-run keeps for the source (-r): counted, or deleted; a
 * warning for those still waiting to be ingested.  The count, -1
 * without -r, or -2 with the reason in why.
 */
static long
kept_files(const char *conf, const char *source, int del, struct sbuf *why)
{
	struct kept_dirs kd;
	long n = -2, w;

	if (conf == NULL)
		return -1;
	memset(&kd, 0, sizeof(kd));
	if (kept_dirs_read(&kd, conf, why) == -1)
		goto out;
	if ((n = sf_kept(kd.spool, source, del, NULL, NULL, why)) == -1 ||
	    (w = sf_waiting(kd.spool, source, why)) == -1) {
		n = -2;
		goto out;
	}
	if (w > 0)
		warnx_("%s: %ld file%s still in %s/%s/incoming or failed: "
		    "cdp-run would ingest them again", source, w, w == 1 ?
		    "" : "s", kd.spool, source);
out:
	kept_dirs_release(&kd);
	return n;
}

/*
 * Delete a source's records with the care of an erasure: a dry run that
 * counts unless -f.
 */
static int
cmd_delete(int argc, char **argv)
{
	struct source_opts o;
	struct sd_counts c;
	struct golden g;
	struct mergecf cf;
	struct sbuf why, msg;
	struct run run;
	sqlite3 *db;
	sqlite3_stmt *st;
	long long sid;
	long nfields = 0, nkept;
	char *conf;

	source_opts(argc, argv, "d:fr:", &o);
	sb_init(&why);
	if (db_open(db_path(o.db), o.force ? 0 : DB_RDONLY, &db, &why) == -1)
		die(EXIT_FAIL, "%s", why.buf);
	sid = source_id(db, argv[optind]);
	if (!o.force) {
		if (sd_plan(db, sid, &c, &why) == -1)
			die(EXIT_FAIL, "%s", why.buf);
		if ((st = db_prepare(db, "SELECT count(*) FROM catalog WHERE "
		    "source_id = ?1", &why)) == NULL)
			die(EXIT_FAIL, "%s", why.buf);
		sqlite3_bind_int64(st, 1, sid);
		if (sqlite3_step(st) == SQLITE_ROW)
			nfields = (long)sqlite3_column_int64(st, 0);
		sqlite3_finalize(st);
		if ((nkept = kept_files(o.conf, argv[optind], 0,
		    &why)) == -2)
			die(EXIT_FAIL, "%s", why.buf);
		print_counts("would delete", &c, nfields, nkept);
		fprintf(stderr, "%s: %s: a dry run; -f deletes\n", progname,
		    argv[optind]);
		db_close(db);
		sb_release(&why);
		check_stdout();
		return 0;
	}
	golden_init(&g);
	mergecf_init(&cf, &g);
	if ((conf = mergecf_stored(db)) != NULL &&
	    mergecf_parse(&cf, conf, "stored configuration", &why) == -1)
		die(EXIT_FAIL, "%s", why.buf);
	free(conf);
	if (run_begin(&run, db, "cdp-catalog", argc + 1, argv - 1, sid,
	    &why) == -1)
		die(EXIT_FAIL, "run log: %s", why.buf);
	if (db_begin(db, &why) == -1 || sd_plan(db, sid, &c, &why) == -1 ||
	    sd_apply(db, sid, run.id, &g, &c, &why) == -1 ||
	    cat_forget_source(db, sid, &nfields, &why) == -1) {
		db_rollback(db);
		(void)run_end(&run, "failed", why.buf, &why);
		die(EXIT_FAIL, "%s", why.buf);
	}
	if (db_commit(db, &why) == -1) {
		(void)run_end(&run, "failed", why.buf, &why);
		die(EXIT_FAIL, "%s", why.buf);
	}
	/* Counts only: the log names no one. */
	sb_init(&msg);
	sb_addf(&msg, "source deleted: %lld records, %lld profiles removed, "
	    "%lld re-resolved, %lld segment exits", c.records, c.removed,
	    c.resolved, c.exits);
	run.rows_in = c.records;
	/* The files after the records: a failure leaves no record behind. */
	if ((nkept = kept_files(o.conf, argv[optind], 1, &why)) == -2) {
		(void)run_end(&run, "failed", why.buf, &why);
		die(EXIT_FAIL, "%s", why.buf);
	}
	if (run_end(&run, "ok", msg.buf, &why) == -1)
		warnx_("run log: %s", why.buf);
	print_counts("deleted", &c, nfields, nkept);
	sb_release(&msg);
	golden_release(&g);
	sb_release(&why);
	db_close(db);
	check_stdout();
	return 0;
}

int
main(int argc, char *argv[])
{
	set_progname(argv[0]);
	run_log_usage(argc, argv);
	oc_ignore_sigpipe();	/* | head: said, exit 1 */
	if (argc > 1 && strcmp(argv[1], "delete") == 0)
		return cmd_delete(argc - 1, argv + 1);
	if (argc > 1 && strcmp(argv[1], "reset") == 0)
		return cmd_reset(argc - 1, argv + 1);
	if (argc > 1 && strcmp(argv[1], "suggest") == 0)
		return cmd_suggest(argc - 1, argv + 1);
	if (argc > 1 && strcmp(argv[1], "drift") == 0)
		return cmd_drift(argc - 1, argv + 1);
	if (argc > 1 && strcmp(argv[1], "sources") == 0)
		return cmd_sources(argc - 1, argv + 1);
	return cmd_list(argc, argv);
}
