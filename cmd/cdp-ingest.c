/*
 * cdp-ingest - collect CSV and NDJSON records into the profile database.
 *
 * Each input record is mapped onto the canonical fields, normalised and
 * validated, then stored whole (CSV rows as JSON objects keyed by
 * header, NDJSON lines as given) with its canonical fields in columns
 * and its identifiers in the ident table.  (source, record id) is unique:
 * a record seen again is "unchanged" when identical and "updated" when
 * not, the replaced version kept in record_history.  A bad record is
 * rejected with file:line and the run goes on.  Records are committed in
 * batches bounded in size and age, and at once when the input goes
 * quiet, so a killed run loses at most the open batch and a pipe fed by
 * `tail -F` is visible to other tools within a second.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "csvr.h"
#include "db.h"
#include "hash.h"
#include "jw.h"
#include "lr.h"
#include "map.h"
#include "nd.h"
#include "norm.h"
#include "run.h"
#include "util.h"

#define MAX_RECORD	(4 * 1024 * 1024)	/* longest record accepted */
#define MAX_DEPTH	64			/* deepest JSON nesting */
#define MAX_MESSAGES	100			/* diagnostics shown per file */
#define REJECT_RAW_MAX	(1024 * 1024)		/* raw bytes kept per reject */

enum { F_GUESS, F_CSV, F_NDJSON };

/* A value captured for one map entry in the current record. */
struct cap {
	int	 set;		/* present in this record */
	const char *p;		/* points into the record or into buf */
	size_t	 n;
	struct sbuf buf;	/* copy, for NDJSON values */
};

struct ingest {
	sqlite3	*db;
	struct run run;
	long long source_id;
	const char *source;
	struct map map;
	const char *country;	/* default phone country */
	const char *date_format;
	int	 delim;
	int	 format;	/* forced format, or F_GUESS */
	int	 lastfmt;	/* format of the last file read */
	FILE	*rejects;	/* -r FILE, or NULL */
	const char *rejects_path;

	sqlite3_stmt *ins_rec, *sel_rec, *upd_rec, *ins_hist;
	sqlite3_stmt *ins_ident, *del_ident, *ins_consent, *del_consent;
	sqlite3_stmt *ins_reject;

	int	 in_tx;		/* a batch transaction is open */
	long	 batch_n;	/* records in the open batch */
	double	 batch_t0;	/* when the open batch began */
	long	 batch_max;
	double	 batch_age;
	int	 failed;	/* a database error: stop, roll back the batch */
	int	 badinput;	/* an input could not be read: exit 1 at the end */

	/* The current file. */
	const char *fname;
	long	 line;
	long	 nmsg;		/* diagnostics printed for this file */
	struct cap *caps;	/* one per map entry */
	size_t	 ncaps;
	struct cap idcap;	/* the record id field (NDJSON) */
	size_t	 ntopkeys;	/* keys in topkeys */
	struct sbuf topkeys;	/* NDJSON top-level keys examined, \n-separated */

	/* Scratch, reused for every record. */
	struct sbuf raw, why, tmp, fp;
	struct sbuf val[C_NCANON];
	struct sbuf key[3];	/* first, last, full name keys */
	int	 have[C_NCANON];
	struct jw jw;
	char	 now[32];
	double	 last_progress;
	int	 progress;	/* stderr is a terminal */
};

static void __attribute__((noreturn))
usage(void)
{
	fprintf(stderr, "usage: %s [-qv] [-d DB] -s SOURCE [-f csv|ndjson] "
	    "[-D DELIM] [-i ID_FIELD]\n"
	    "           [-m CANON=FIELD | -m CANON:=VALUE]... [-M MAPFILE] "
	    "[-c COUNTRY]\n"
	    "           [-T DATE_FORMAT] [-r REJECTS] [FILE ...]\n", progname);
	exit(EXIT_USAGE);
}

static void
dberr(struct ingest *g, const char *what)
{
	warnx_("%s: %s", what, sqlite3_errmsg(g->db));
	g->failed = 1;
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

static void
prepare(struct ingest *g)
{
	struct sbuf sql;
	int i;

	sb_init(&sql);
	sb_adds(&sql, "INSERT INTO record(source_id, record_id");
	for (i = 0; i < C_NCANON; i++)
		sb_addf(&sql, ", %s", map_canon_name(i));
	sb_adds(&sql, ", first_name_key, last_name_key, full_name_key, raw, "
	    "fp, run, ingested_at) VALUES (?1, ?2");
	for (i = 0; i < C_NCANON + 3 + 4; i++)
		sb_addf(&sql, ", ?%d", i + 3);
	sb_adds(&sql, ") ON CONFLICT(source_id, record_id) DO NOTHING");
	g->ins_rec = db_prepare(g->db, sql.buf, &g->why);

	sb_reset(&sql);
	sb_adds(&sql, "UPDATE record SET ");
	for (i = 0; i < C_NCANON; i++)
		sb_addf(&sql, "%s = ?%d, ", map_canon_name(i), i + 3);
	sb_addf(&sql, "first_name_key = ?%d, last_name_key = ?%d, "
	    "full_name_key = ?%d, raw = ?%d, fp = ?%d, run = ?%d, "
	    "updated_at = ?%d WHERE id = ?1",
	    C_NCANON + 3, C_NCANON + 4, C_NCANON + 5, C_NCANON + 6,
	    C_NCANON + 7, C_NCANON + 8, C_NCANON + 9);
	g->upd_rec = db_prepare(g->db, sql.buf, &g->why);
	sb_release(&sql);

	g->sel_rec = db_prepare(g->db, "SELECT id, fp, raw, email, phone, "
	    "customer_id, loyalty_id, anonymous_id FROM record "
	    "WHERE source_id = ? AND record_id = ?", &g->why);
	g->ins_hist = db_prepare(g->db, "INSERT INTO record_history(record, "
	    "run, raw, replaced_at) VALUES (?, ?, ?, ?)", &g->why);
	g->ins_ident = db_prepare(g->db, "INSERT OR IGNORE INTO ident(kind, "
	    "value, record) VALUES (?, ?, ?)", &g->why);
	g->del_ident = db_prepare(g->db, "DELETE FROM ident WHERE kind = ? "
	    "AND value = ? AND record = ?", &g->why);
	g->ins_consent = db_prepare(g->db, "INSERT INTO consent(record, "
	    "kind, value, purpose, granted, ts, source_id, run) "
	    "VALUES (?, NULL, NULL, ?, ?, ?, ?, ?)", &g->why);
	g->del_consent = db_prepare(g->db, "DELETE FROM consent "
	    "WHERE record = ?", &g->why);
	g->ins_reject = db_prepare(g->db, "INSERT INTO reject(run, source_id, "
	    "file, line, reason, raw) VALUES (?, ?, ?, ?, ?, ?)", &g->why);
	if (!g->ins_rec || !g->upd_rec || !g->sel_rec || !g->ins_hist ||
	    !g->ins_ident || !g->del_ident || !g->ins_consent ||
	    !g->del_consent || !g->ins_reject)
		die(EXIT_FAIL, "prepare: %s", g->why.buf);
}

static void
finalize_all(struct ingest *g)
{
	sqlite3_finalize(g->ins_rec);
	sqlite3_finalize(g->upd_rec);
	sqlite3_finalize(g->sel_rec);
	sqlite3_finalize(g->ins_hist);
	sqlite3_finalize(g->ins_ident);
	sqlite3_finalize(g->del_ident);
	sqlite3_finalize(g->ins_consent);
	sqlite3_finalize(g->del_consent);
	sqlite3_finalize(g->ins_reject);
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
		die(EXIT_FAIL, "source: %s", sqlite3_errmsg(g->db));
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

/* Batches. */

static int
batch_begin(struct ingest *g)
{
	if (g->in_tx)
		return 0;
	if (db_begin(g->db, &g->why) == -1) {
		warnx_("begin: %s", g->why.buf);
		g->failed = 1;
		return -1;
	}
	g->in_tx = 1;
	g->batch_n = 0;
	g->batch_t0 = mono_now();
	now_iso(g->now, sizeof(g->now));
	return 0;
}

static int
batch_commit(struct ingest *g)
{
	if (!g->in_tx)
		return 0;
	g->in_tx = 0;
	if (db_commit(g->db, &g->why) == -1) {
		warnx_("commit: %s", g->why.buf);
		db_rollback(g->db);
		g->failed = 1;
		return -1;
	}
	return 0;
}

static void
idle_commit(void *arg)
{
	batch_commit(arg);
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

/* Diagnostics. */

static void
message(struct ingest *g, long line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
message(struct ingest *g, long line, const char *fmt, ...)
{
	va_list ap;

	if (++g->nmsg > MAX_MESSAGES) {
		if (g->nmsg == MAX_MESSAGES + 1)
			warnx_("%s: more problems not shown (see the reject "
			    "table, or -r)", g->fname);
		return;
	}
	if (g->progress)
		fprintf(stderr, "\r\033[K");
	fprintf(stderr, "%s: %s:%ld: ", progname, g->fname, line);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

/*
 * Raw bytes made safe for a JSON string: invalid UTF-8 becomes U+FFFD.
 * (NUL and control bytes are escaped by the JSON writer.)
 */
static void
safe_utf8(const char *s, size_t n, struct sbuf *out)
{
	long bad;

	sb_reset(out);
	while (n > 0) {
		bad = utf8_check(s, n);
		if (bad < 0) {
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
reject(struct ingest *g, long line, const char *reason, const char *raw,
    size_t rawlen)
{
	struct sbuf out, safe;
	struct jw jw;

	g->run.rows_in++;
	g->run.rejected++;
	message(g, line, "%s", reason);
	if (rawlen > REJECT_RAW_MAX)
		rawlen = REJECT_RAW_MAX;
	if (g->rejects != NULL) {
		sb_init(&out);
		sb_init(&safe);
		jw_init(&jw, &out);
		jw_map_open(&jw);
		jw_key(&jw, "file", 4);
		jw_strz(&jw, g->fname);
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
			g->failed = 1;
		jw_release(&jw);
		sb_release(&out);
		sb_release(&safe);
	}
	if (batch_begin(g) == -1)
		return;
	sqlite3_bind_int64(g->ins_reject, 1, g->run.id);
	sqlite3_bind_int64(g->ins_reject, 2, g->source_id);
	sqlite3_bind_text(g->ins_reject, 3, g->fname, -1, SQLITE_STATIC);
	sqlite3_bind_int64(g->ins_reject, 4, line);
	sqlite3_bind_text(g->ins_reject, 5, reason, -1, SQLITE_STATIC);
	if (raw != NULL)
		sqlite3_bind_blob64(g->ins_reject, 6, raw, rawlen,
		    SQLITE_STATIC);
	else
		sqlite3_bind_null(g->ins_reject, 6);
	if (sqlite3_step(g->ins_reject) != SQLITE_DONE)
		dberr(g, "reject");
	sqlite3_reset(g->ins_reject);
	sqlite3_clear_bindings(g->ins_reject);
}

/* Normalisation of the captured values into g->val[]. */

static const char *
entry_name(struct ingest *g, size_t i)
{
	struct map_entry *e = &g->map.e[i];

	return e->field ? e->field : map_canon_name(e->canon);
}

static void
invalid(struct ingest *g, size_t i, const char *what, const char *v,
    size_t n)
{
	g->run.warnings++;
	message(g, g->line, "invalid %s %s in %s", what, quote_value(v, n),
	    entry_name(g, i));
}

/* The value of entry i in this record, or NULL. */
static const char *
entry_value(struct ingest *g, size_t i, size_t *n)
{
	struct map_entry *e = &g->map.e[i];

	if (e->value != NULL) {
		*n = strlen(e->value);
		return e->value;
	}
	if (i < g->ncaps && g->caps[i].set) {
		*n = g->caps[i].n;
		return g->caps[i].p;
	}
	return NULL;
}

static void
normalise_one(struct ingest *g, size_t i, const char *v, size_t n)
{
	int c = g->map.e[i].canon, r = NORM_EMPTY;
	struct sbuf *out = &g->val[c];
	const char *what = map_canon_name(c), *country;

	switch (c) {
	case C_EMAIL:
		r = norm_email(v, n, out);
		what = "email";
		break;
	case C_PHONE:
		country = g->have[C_COUNTRY] ? g->val[C_COUNTRY].buf :
		    g->country;
		r = norm_phone(v, n, country, out);
		what = "phone";
		break;
	case C_CUSTOMER_ID:
	case C_LOYALTY_ID:
	case C_ANONYMOUS_ID:
	case C_EVENT_TYPE:
		r = norm_id(v, n, out);
		what = "identifier";
		break;
	case C_CURRENCY:
		r = norm_id(v, n, out);
		if (r == NORM_OK) {
			size_t k;

			for (k = 0; k < out->len; k++)
				if (out->buf[k] >= 'a' && out->buf[k] <= 'z')
					out->buf[k] -= 'a' - 'A';
		}
		what = "currency";
		break;
	case C_FIRST_NAME:
		r = norm_name(v, n, out, &g->key[0]);
		what = "name";
		break;
	case C_LAST_NAME:
		r = norm_name(v, n, out, &g->key[1]);
		what = "name";
		break;
	case C_FULL_NAME:
		r = norm_name(v, n, out, &g->key[2]);
		what = "name";
		break;
	case C_BIRTH_DATE:
		r = norm_date(v, n, g->date_format, out);
		what = "date";
		break;
	case C_TS:
		r = norm_ts(v, n, g->date_format, out);
		what = "timestamp";
		break;
	case C_GENDER:
		r = norm_gender(v, n, out);
		what = "gender";
		break;
	case C_STREET:
	case C_CITY:
		r = norm_text(v, n, out);
		what = "text";
		break;
	case C_POSTAL_CODE:
		r = norm_postal(v, n, out);
		what = "postal code";
		break;
	case C_COUNTRY:
		r = norm_country(v, n, out);
		what = "country";
		break;
	case C_AMOUNT:
		r = norm_amount(v, n, out);
		what = "amount";
		break;
	}
	if (r == NORM_OK)
		g->have[c] = 1;
	else if (r == NORM_INVALID)
		invalid(g, i, what, v, n);
}

static void
normalise(struct ingest *g)
{
	size_t i, n;
	const char *v;

	memset(g->have, 0, sizeof(g->have));
	/* Country first: it is the default for the phone. */
	for (i = 0; i < g->map.n; i++)
		if (g->map.e[i].canon == C_COUNTRY &&
		    (v = entry_value(g, i, &n)) != NULL)
			normalise_one(g, i, v, n);
	for (i = 0; i < g->map.n; i++) {
		int c = g->map.e[i].canon;

		if (c == C_COUNTRY || c == C_CONSENT)
			continue;
		if ((v = entry_value(g, i, &n)) != NULL)
			normalise_one(g, i, v, n);
	}
}

/* The consent statements of the record: purpose and granted, in order. */
static int
consent_value(struct ingest *g, size_t i, int *granted)
{
	const char *v;
	size_t n;
	int b;

	if ((v = entry_value(g, i, &n)) == NULL)
		return 0;
	/* Blank is no statement; norm_bool's 1 would read as NORM_EMPTY. */
	while (n > 0 && (*v == ' ' || *v == '\t')) {
		v++;
		n--;
	}
	while (n > 0 && (v[n - 1] == ' ' || v[n - 1] == '\t'))
		n--;
	if (n == 0)
		return 0;
	b = norm_bool(v, n);
	if (b != 0 && b != 1) {
		invalid(g, i, "consent", v, n);
		return 0;
	}
	*granted = b;
	return 1;
}

/* Fingerprint: raw record and everything derived from it. */
static void
fingerprint(struct ingest *g, uint8_t fp[HASH_LEN])
{
	struct hash h;
	size_t i;
	int c, granted;
	char sep[2] = { 0x1f, 0x1e };

	hash_init(&h);
	hash_add(&h, g->raw.buf, g->raw.len);
	for (c = 0; c < C_NCANON; c++) {
		if (g->have[c]) {
			hash_add(&h, &sep[0], 1);
			hash_add(&h, g->val[c].buf, g->val[c].len);
		} else
			hash_add(&h, &sep[1], 1);
	}
	for (i = 0; i < g->map.n; i++) {
		if (g->map.e[i].canon != C_CONSENT)
			continue;
		if (consent_value(g, i, &granted)) {
			hash_add(&h, g->map.e[i].purpose,
			    strlen(g->map.e[i].purpose));
			hash_add(&h, granted ? "=1" : "=0", 2);
		}
	}
	hash_final(&h, fp);
}

static void
bind_values(struct ingest *g, sqlite3_stmt *st, const uint8_t *fp)
{
	int c, k;
	static const int namecanon[3] = { C_FIRST_NAME, C_LAST_NAME,
	    C_FULL_NAME };

	for (c = 0; c < C_NCANON; c++) {
		if (!g->have[c])
			sqlite3_bind_null(st, c + 3);
		else if (c == C_AMOUNT)
			sqlite3_bind_double(st, c + 3, strtod(g->val[c].buf,
			    NULL));
		else
			sqlite3_bind_text(st, c + 3, g->val[c].buf,
			    (int)g->val[c].len, SQLITE_STATIC);
	}
	for (k = 0; k < 3; k++) {
		if (g->have[namecanon[k]] && g->key[k].len > 0)
			sqlite3_bind_text(st, C_NCANON + 3 + k, g->key[k].buf,
			    (int)g->key[k].len, SQLITE_STATIC);
		else
			sqlite3_bind_null(st, C_NCANON + 3 + k);
	}
	sqlite3_bind_text64(st, C_NCANON + 6, g->raw.buf, g->raw.len,
	    SQLITE_STATIC, SQLITE_UTF8);
	sqlite3_bind_blob(st, C_NCANON + 7, fp, 16, SQLITE_STATIC);
	sqlite3_bind_int64(st, C_NCANON + 8, g->run.id);
	sqlite3_bind_text(st, C_NCANON + 9, g->now, -1, SQLITE_STATIC);
}

static int
step_done(struct ingest *g, sqlite3_stmt *st, const char *what)
{
	int rc = sqlite3_step(st);

	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		dberr(g, what);
		return -1;
	}
	return 0;
}

static int
add_idents(struct ingest *g, long long rec)
{
	int c;

	for (c = 0; c <= C_ANONYMOUS_ID; c++) {
		if (!g->have[c])
			continue;
		sqlite3_bind_text(g->ins_ident, 1, map_canon_name(c), -1,
		    SQLITE_STATIC);
		sqlite3_bind_text(g->ins_ident, 2, g->val[c].buf,
		    (int)g->val[c].len, SQLITE_STATIC);
		sqlite3_bind_int64(g->ins_ident, 3, rec);
		if (step_done(g, g->ins_ident, "ident") == -1)
			return -1;
	}
	return 0;
}

static int
add_consents(struct ingest *g, long long rec)
{
	size_t i;
	int granted;

	for (i = 0; i < g->map.n; i++) {
		if (g->map.e[i].canon != C_CONSENT ||
		    !consent_value(g, i, &granted))
			continue;
		sqlite3_bind_int64(g->ins_consent, 1, rec);
		sqlite3_bind_text(g->ins_consent, 2, g->map.e[i].purpose, -1,
		    SQLITE_STATIC);
		sqlite3_bind_int(g->ins_consent, 3, granted);
		if (g->have[C_TS])
			sqlite3_bind_text(g->ins_consent, 4, g->val[C_TS].buf,
			    (int)g->val[C_TS].len, SQLITE_STATIC);
		else
			sqlite3_bind_text(g->ins_consent, 4, g->now, -1,
			    SQLITE_STATIC);
		sqlite3_bind_int64(g->ins_consent, 5, g->source_id);
		sqlite3_bind_int64(g->ins_consent, 6, g->run.id);
		if (step_done(g, g->ins_consent, "consent") == -1)
			return -1;
	}
	return 0;
}

/* Replace a stored record whose content changed. */
static int
update(struct ingest *g, sqlite3_stmt *sel, const uint8_t *fp)
{
	long long rec = sqlite3_column_int64(sel, 0);
	const char *oraw = (const char *)sqlite3_column_text(sel, 2);
	int orawlen = sqlite3_column_bytes(sel, 2), c;

	if ((size_t)orawlen != g->raw.len ||
	    memcmp(oraw, g->raw.buf, g->raw.len) != 0) {
		sqlite3_bind_int64(g->ins_hist, 1, rec);
		sqlite3_bind_int64(g->ins_hist, 2, g->run.id);
		sqlite3_bind_text(g->ins_hist, 3, oraw, orawlen,
		    SQLITE_TRANSIENT);
		sqlite3_bind_text(g->ins_hist, 4, g->now, -1, SQLITE_STATIC);
		if (step_done(g, g->ins_hist, "history") == -1)
			return -1;
	}
	for (c = 0; c <= C_ANONYMOUS_ID; c++) {
		if (sqlite3_column_type(sel, 3 + c) == SQLITE_NULL)
			continue;
		sqlite3_bind_text(g->del_ident, 1, map_canon_name(c), -1,
		    SQLITE_STATIC);
		sqlite3_bind_text(g->del_ident, 2,
		    (const char *)sqlite3_column_text(sel, 3 + c), -1,
		    SQLITE_TRANSIENT);
		sqlite3_bind_int64(g->del_ident, 3, rec);
		if (step_done(g, g->del_ident, "ident") == -1)
			return -1;
	}
	sqlite3_reset(sel);
	bind_values(g, g->upd_rec, fp);
	sqlite3_bind_int64(g->upd_rec, 1, rec);
	if (step_done(g, g->upd_rec, "update") == -1)
		return -1;
	sqlite3_bind_int64(g->del_consent, 1, rec);
	if (step_done(g, g->del_consent, "consent") == -1)
		return -1;
	if (add_idents(g, rec) == -1 || add_consents(g, rec) == -1)
		return -1;
	g->run.updated++;
	return 0;
}

/*
 * Store the current record: g->raw holds its JSON, the caps its mapped
 * values, idval/idlen its own id (NULL: hash of the content).
 */
static void
store(struct ingest *g, const char *idval, size_t idlen)
{
	uint8_t digest[HASH_LEN], fp[HASH_LEN];
	char hex[2 * HASH_LEN + 1];
	sqlite3_stmt *sel = g->sel_rec;
	const void *ofp;
	int rc;

	if (idval != NULL) {
		while (idlen > 0 && (*idval == ' ' || *idval == '\t')) {
			idval++;
			idlen--;
		}
		while (idlen > 0 && (idval[idlen - 1] == ' ' ||
		    idval[idlen - 1] == '\t'))
			idlen--;
		if (idlen == 0) {
			sb_reset(&g->tmp);
			sb_addf(&g->tmp, "empty record id in %s",
			    g->map.id_field);
			reject(g, g->line, g->tmp.buf, g->raw.buf, g->raw.len);
			return;
		}
	} else {
		hash_sha256(g->raw.buf, g->raw.len, digest);
		hash_hex(digest, 16, hex);
		idval = hex;
		idlen = 32;
	}
	normalise(g);
	fingerprint(g, fp);
	if (batch_begin(g) == -1)
		return;
	g->run.rows_in++;

	bind_values(g, g->ins_rec, fp);
	sqlite3_bind_int64(g->ins_rec, 1, g->source_id);
	sqlite3_bind_text(g->ins_rec, 2, idval, (int)idlen, SQLITE_STATIC);
	if (step_done(g, g->ins_rec, "insert") == -1)
		return;
	if (sqlite3_changes(g->db) == 1) {
		long long rec = sqlite3_last_insert_rowid(g->db);

		if (add_idents(g, rec) == -1 || add_consents(g, rec) == -1)
			return;
		g->run.inserted++;
	} else {
		sqlite3_bind_int64(sel, 1, g->source_id);
		sqlite3_bind_text(sel, 2, idval, (int)idlen, SQLITE_STATIC);
		rc = sqlite3_step(sel);
		if (rc != SQLITE_ROW) {
			sqlite3_reset(sel);
			dberr(g, "select");
			return;
		}
		ofp = sqlite3_column_blob(sel, 1);
		if (sqlite3_column_bytes(sel, 1) == 16 &&
		    memcmp(ofp, fp, 16) == 0) {
			sqlite3_reset(sel);
			g->run.unchanged++;
		} else if (update(g, sel, fp) == -1) {
			sqlite3_reset(sel);
			return;
		}
	}
	g->run.rows_ok++;
	g->batch_n++;
	if (g->batch_n >= g->batch_max ||
	    mono_now() - g->batch_t0 >= g->batch_age)
		batch_commit(g);
	progress(g, 0);
}

/* Captures. */

static void
caps_reset(struct ingest *g)
{
	size_t i;

	for (i = 0; i < g->ncaps; i++)
		g->caps[i].set = 0;
	g->idcap.set = 0;
}

/* Size the capture array for the map entries (new ones unset). */
static void
caps_fit(struct ingest *g)
{
	size_t need = g->map.n, i;

	if (need > g->ncaps) {
		g->caps = xrealloc(g->caps, need * sizeof(*g->caps));
		for (i = g->ncaps; i < need; i++) {
			memset(&g->caps[i], 0, sizeof(g->caps[i]));
			sb_init(&g->caps[i].buf);
		}
		g->ncaps = need;
	}
}

/* CSV. */

static const char *
unique_name(char **names, size_t i, const char *name, struct sbuf *tmp)
{
	size_t j, k = 1;
	int clash;

	sb_reset(tmp);
	if (*name == '\0')
		sb_addf(tmp, "column_%zu", i + 1);
	else
		sb_adds(tmp, name);
	do {
		clash = 0;
		for (j = 0; j < i; j++)
			if (strcmp(names[j], tmp->buf) == 0)
				clash = 1;
		if (clash) {
			sb_reset(tmp);
			sb_addf(tmp, "%s_%zu", *name ? name : "column", ++k);
		}
	} while (clash);
	return tmp->buf;
}

static void
ingest_csv(struct ingest *g, struct lr *lr)
{
	struct csvr *c;
	const struct csvr_rec *hdr;
	struct csvr_rec *rec;
	char **names;
	long *col;		/* column of each map entry, or -1 */
	long idcol = -1;
	size_t i, j, nf;
	int r;

	c = csvr_open(lr, g->delim, MAX_RECORD);
	if ((hdr = csvr_header(c)) == NULL) {
		if (lr->consumed == 0 && lr->eof)
			reject(g, 1, "empty file", NULL, 0);
		/* A header that failed its checks comes as one reject. */
		while ((r = csvr_next(c, &rec, &g->why)) == CSVR_BAD)
			reject(g, rec->line, g->why.buf, rec->raw, rec->rawlen);
		csvr_close(c);
		return;
	}
	nf = hdr->nf;
	names = xcalloc(nf, sizeof(*names));
	for (i = 0; i < nf; i++)
		names[i] = xstrdup(unique_name(names, i, hdr->f[i], &g->tmp));
	map_drop_auto(&g->map);
	map_auto(&g->map, names, nf);
	col = xcalloc(g->map.n, sizeof(*col));
	for (i = 0; i < g->map.n; i++) {
		col[i] = -1;
		if (g->map.e[i].field == NULL)
			continue;
		for (j = 0; j < nf; j++)
			if (strcmp(names[j], g->map.e[i].field) == 0)
				col[i] = (long)j;
		if (col[i] == -1)
			message(g, hdr->line, "no field %s for %s",
			    quote_value(g->map.e[i].field,
			    strlen(g->map.e[i].field)),
			    map_canon_name(g->map.e[i].canon) ?
			    map_canon_name(g->map.e[i].canon) : "consent");
	}
	if (g->map.id_field != NULL) {
		for (j = 0; j < nf; j++)
			if (strcmp(names[j], g->map.id_field) == 0)
				idcol = (long)j;
		if (idcol == -1) {
			warnx_("%s: no id field %s in the header", g->fname,
			    quote_value(g->map.id_field,
			    strlen(g->map.id_field)));
			g->badinput = 1;
			goto out;
		}
	}
	if (verbose) {
		sb_reset(&g->tmp);
		map_format(&g->map, &g->tmp);
		fprintf(stderr, "%s: %s: delimiter '%s', map:\n%s", progname,
		    g->fname, csvr_delim(c) == '\t' ? "\\t" :
		    (char[]){ (char)csvr_delim(c), 0 }, g->tmp.buf);
	}
	caps_fit(g);
	caps_reset(g);
	while (!g->failed && (r = csvr_next(c, &rec, &g->why)) != CSVR_EOF) {
		if (r == CSVR_ERR) {
			warnx_("%s: %s", g->fname, strerror(errno));
			g->badinput = 1;
			break;
		}
		g->line = rec->line;
		if (r == CSVR_BAD) {
			reject(g, rec->line, g->why.buf, rec->raw, rec->rawlen);
			continue;
		}
		for (i = 0; i < g->map.n; i++) {
			g->caps[i].set = col[i] >= 0;
			if (col[i] >= 0) {
				g->caps[i].p = rec->f[col[i]];
				g->caps[i].n = rec->flen[col[i]];
			}
		}
		jw_reset(&g->jw);
		r = jw_map_open(&g->jw);
		for (j = 0; j < nf; j++) {
			r |= jw_key(&g->jw, names[j], strlen(names[j]));
			r |= jw_str(&g->jw, rec->f[j], rec->flen[j]);
		}
		r |= jw_map_close(&g->jw);
		if (r != 0) {
			reject(g, rec->line, "record cannot be encoded as "
			    "JSON", rec->raw, rec->rawlen);
			continue;
		}
		store(g, idcol >= 0 ? rec->f[idcol] : NULL,
		    idcol >= 0 ? rec->flen[idcol] : 0);
	}
out:
	for (i = 0; i < nf; i++)
		free(names[i]);
	free(names);
	free(col);
	csvr_close(c);
}

/* NDJSON. */

static int
is_topkey_seen(struct ingest *g, const char *k, size_t n)
{
	const char *p = g->topkeys.buf, *e;

	while ((e = memchr(p, '\n', g->topkeys.len - (size_t)(p -
	    g->topkeys.buf))) != NULL) {
		if ((size_t)(e - p) == n && memcmp(p, k, n) == 0)
			return 1;
		p = e + 1;
	}
	return 0;
}

static int
nd_visit(void *arg, const char *path, size_t pathlen, enum nd_type type,
    const char *val, size_t len)
{
	struct ingest *g = arg;
	struct cap *cp;
	const char *f;
	size_t i;

	if (type == ND_MAP || type == ND_ARRAY || type == ND_NULL)
		return 0;
	/* A top-level key never seen: is it a common name for a field? */
	if (g->ntopkeys < 256 && memchr(path, '.', pathlen) == NULL &&
	    !is_topkey_seen(g, path, pathlen)) {
		char *name = (char *)path;

		sb_add(&g->topkeys, path, pathlen);
		sb_addc(&g->topkeys, '\n');
		g->ntopkeys++;
		if (map_auto(&g->map, &name, 1) > 0)
			caps_fit(g);
	}
	for (i = 0; i <= g->map.n; i++) {
		f = i < g->map.n ? g->map.e[i].field : g->map.id_field;
		if (f == NULL || f[0] != path[0] || strlen(f) != pathlen ||
		    memcmp(f, path, pathlen) != 0)
			continue;
		cp = i < g->map.n ? &g->caps[i] : &g->idcap;
		sb_reset(&cp->buf);
		sb_add(&cp->buf, val, len);
		cp->p = cp->buf.buf;
		cp->n = len;
		cp->set = 1;
	}
	return 0;
}

static void
ingest_ndjson(struct ingest *g, struct lr *lr)
{
	struct nd *nd = nd_new(MAX_DEPTH);
	const char *line;
	size_t len, k;
	int r;

	map_drop_auto(&g->map);
	sb_reset(&g->topkeys);
	g->ntopkeys = 0;
	caps_fit(g);
	while (!g->failed && (r = lr_next(lr, &line, &len)) != LR_EOF) {
		g->line = lr->lineno;
		if (r == LR_ERR) {
			warnx_("%s: %s", g->fname, strerror(errno));
			g->badinput = 1;
			break;
		}
		if (r == LR_LONG) {
			sb_reset(&g->tmp);
			sb_addf(&g->tmp, "line longer than %d bytes (%zu)",
			    MAX_RECORD, len);
			reject(g, g->line, g->tmp.buf, NULL, 0);
			continue;
		}
		/* Trim the line end and surrounding blanks; skip blank lines. */
		while (len > 0 && strchr(" \t\r\n", line[len - 1]) != NULL &&
		    line[len - 1] != '\0')
			len--;
		for (k = 0; k < len && (line[k] == ' ' || line[k] == '\t'); k++)
			;
		if (g->line == 1 && len - k >= 3 &&
		    memcmp(line + k, "\xef\xbb\xbf", 3) == 0)
			k += 3;
		line += k;
		len -= k;
		if (len == 0)
			continue;
		caps_reset(g);
		if (nd_parse(nd, line, len, nd_visit, g, &g->why) != 0) {
			reject(g, g->line, g->why.buf, line, len);
			continue;
		}
		sb_reset(&g->raw);
		sb_add(&g->raw, line, len);
		if (g->map.id_field != NULL) {
			struct cap *cp = &g->idcap;

			if (!cp->set) {
				sb_reset(&g->tmp);
				sb_addf(&g->tmp, "no record id in %s",
				    g->map.id_field);
				reject(g, g->line, g->tmp.buf, line, len);
				continue;
			}
			store(g, cp->p, cp->n);
		} else
			store(g, NULL, 0);
	}
	nd_free(nd);
}

static int
guess_format(struct ingest *g, struct lr *lr, const char *path)
{
	const char *p, *dot;
	size_t n, i;

	if (g->format != F_GUESS)
		return g->format;
	if (path != NULL && (dot = strrchr(path, '.')) != NULL) {
		if (!strcmp(dot, ".csv") || !strcmp(dot, ".tsv") ||
		    !strcmp(dot, ".txt"))
			return F_CSV;
		if (!strcmp(dot, ".ndjson") || !strcmp(dot, ".jsonl") ||
		    !strcmp(dot, ".json"))
			return F_NDJSON;
	}
	if (lr_peek(lr, &p, &n) == -1)
		return F_CSV;
	for (i = 0; i < n; i++) {
		if (strchr(" \t\r\n", p[i]) != NULL && p[i] != '\0')
			continue;
		if (i + 3 <= n && memcmp(p + i, "\xef\xbb\xbf", 3) == 0) {
			i += 2;
			continue;
		}
		return p[i] == '{' ? F_NDJSON : F_CSV;
	}
	return F_CSV;
}

static void
ingest_file(struct ingest *g, const char *path)
{
	struct lr lr;
	struct stat sb;
	int fmt;

	g->fname = (path == NULL || strcmp(path, "-") == 0) ? "stdin" : path;
	g->nmsg = 0;
	g->line = 0;
	if (lr_open(&lr, path, MAX_RECORD) == -1) {
		warnx_("%s: %s", g->fname, strerror(errno));
		g->badinput = 1;
		return;
	}
	if (fstat(lr.fd, &sb) == 0 && S_ISDIR(sb.st_mode)) {
		warnx_("%s: is a directory", g->fname);
		g->badinput = 1;
		lr_close(&lr);
		return;
	}
	lr_set_idle(&lr, idle_commit, g);
	fmt = guess_format(g, &lr, path);
	g->lastfmt = fmt;
	if (fmt == F_CSV)
		ingest_csv(g, &lr);
	else {
		lr_peek(&lr, &(const char *){ NULL }, &(size_t){ 0 });
		if (lr.eof && lr.end == lr.start && lr.consumed == 0)
			reject(g, 1, "empty file", NULL, 0);
		else
			ingest_ndjson(g, &lr);
	}
	lr_close(&lr);
}

static void
update_source(struct ingest *g, const char *format)
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
	if (format != NULL)
		sqlite3_bind_text(st, 2, format, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, g->tmp.buf, (int)g->tmp.len, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, g->source_id);
	if (sqlite3_step(st) != SQLITE_DONE)
		dberr(g, "source");
	sqlite3_finalize(st);
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

int
main(int argc, char *argv[])
{
	struct ingest g;
	const char *dbopt = NULL, *outcome;
	char **maps = NULL, **mapfiles = NULL;
	size_t nmaps = 0, nmapfiles = 0, i;
	int ch, c, rc;

	set_progname(argv[0]);
	memset(&g, 0, sizeof(g));
	map_init(&g.map);
	g.format = F_GUESS;
	maps = xcalloc((size_t)argc, sizeof(*maps));
	mapfiles = xcalloc((size_t)argc, sizeof(*mapfiles));
	while ((ch = getopt(argc, argv, "c:D:d:f:hi:M:m:qr:s:T:Vv")) != -1) {
		switch (ch) {
		case 'c':
			g.country = optarg;
			break;
		case 'D':
			if (!strcmp(optarg, "tab") || !strcmp(optarg, "\\t"))
				g.delim = '\t';
			else if (strlen(optarg) == 1 &&
			    strchr(",;|\t", optarg[0]) != NULL)
				g.delim = (unsigned char)optarg[0];
			else
				die(EXIT_USAGE, "delimiter must be one of "
				    ", ; | tab");
			break;
		case 'd':
			dbopt = optarg;
			break;
		case 'f':
			if (!strcmp(optarg, "csv"))
				g.format = F_CSV;
			else if (!strcmp(optarg, "ndjson"))
				g.format = F_NDJSON;
			else
				die(EXIT_USAGE, "format must be csv or ndjson");
			break;
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
			g.date_format = optarg;
			break;
		case 'V':
			printf("cdp-ingest %s\n", CDP_VERSION);
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
	if (g.source == NULL)
		usage();
	if (!valid_source(g.source))
		die(EXIT_USAGE, "invalid source name %s: letters, digits, "
		    "'_', '-' and '.', at most 64", quote_value(g.source,
		    strlen(g.source)));

	/* Map files first; options given on the command line win. */
	sb_init(&g.why);
	sb_init(&g.tmp);
	for (i = 0; i < nmapfiles; i++)
		if (map_load(&g.map, mapfiles[i], &g.why) == -1)
			die(EXIT_USAGE, "%s", g.why.buf);
	for (i = 0; i < nmaps; i++)
		if (map_add(&g.map, maps[i], &g.why) == -1)
			die(EXIT_USAGE, "%s", g.why.buf);
	free(maps);
	free(mapfiles);
	if (g.country == NULL)
		g.country = g.map.country;
	if (g.date_format == NULL)
		g.date_format = g.map.date_format;
	if (g.delim == 0)
		g.delim = g.map.delim;
	if (g.format == F_GUESS && g.map.format != NULL)
		g.format = strcmp(g.map.format, "csv") == 0 ? F_CSV : F_NDJSON;
	if (g.country != NULL) {
		sb_reset(&g.tmp);
		if (norm_country(g.country, strlen(g.country), &g.tmp) !=
		    NORM_OK)
			die(EXIT_USAGE, "unknown country %s",
			    quote_value(g.country, strlen(g.country)));
		g.country = xstrdup(g.tmp.buf);
	}
	g.batch_max = env_long("CDP_BATCH_ROWS", 100000, 1, 100000000);
	g.batch_age = (double)env_long("CDP_BATCH_MS", 1000, 1, 3600000) /
	    1000.0;

	if (g.rejects_path != NULL) {
		int fd = open(g.rejects_path, O_WRONLY | O_CREAT | O_APPEND |
		    O_CLOEXEC, 0600);

		if (fd == -1 || (g.rejects = fdopen(fd, "a")) == NULL)
			die(EXIT_FAIL, "%s: %s", g.rejects_path,
			    strerror(errno));
	}
	if (db_open(db_path(dbopt), DB_CREATE, &g.db, &g.why) == -1)
		die(EXIT_FAIL, "%s", g.why.buf);
	g.source_id = register_source(&g);
	if (run_begin(&g.run, g.db, "cdp-ingest", argc + optind,
	    argv - optind, g.source_id, &g.why) == -1)
		die(EXIT_FAIL, "run log: %s", g.why.buf);
	prepare(&g);
	sb_init(&g.raw);
	sb_init(&g.fp);
	sb_init(&g.topkeys);
	sb_init(&g.idcap.buf);
	for (c = 0; c < C_NCANON; c++)
		sb_init(&g.val[c]);
	for (c = 0; c < 3; c++)
		sb_init(&g.key[c]);
	jw_init(&g.jw, &g.raw);
	g.progress = !quiet && isatty(2);

	/* An unreadable file does not stop the others; a database error does. */
	if (argc == 0)
		ingest_file(&g, NULL);
	for (i = 0; i < (size_t)argc && !g.failed; i++)
		ingest_file(&g, argv[i]);

	if (g.failed)
		db_rollback(g.db), g.in_tx = 0;
	else
		batch_commit(&g);
	progress(&g, 1);
	if (g.rejects != NULL && fclose(g.rejects) == EOF) {
		warnx_("%s: %s", g.rejects_path, strerror(errno));
		g.failed = 1;
	}
	outcome = g.failed || g.badinput ? "failed" : g.run.rejected ?
	    "rejects" : "ok";
	if (!g.failed)
		update_source(&g, g.lastfmt == F_CSV ? "csv" :
		    g.lastfmt == F_NDJSON ? "ndjson" : NULL);
	if (run_end(&g.run, outcome, NULL, &g.why) == -1)
		warnx_("run log: %s", g.why.buf);
	if (!quiet) {
		fprintf(stderr, "%s: %s: %lld read, %lld inserted, %lld updated,"
		    " %lld unchanged, %lld rejected", progname, g.source,
		    g.run.rows_in, g.run.inserted, g.run.updated,
		    g.run.unchanged, g.run.rejected);
		if (g.run.warnings)
			fprintf(stderr, ", %lld invalid values",
			    g.run.warnings);
		fputc('\n', stderr);
	}
	finalize_all(&g);
	db_close(g.db);
	jw_release(&g.jw);
	rc = g.failed || g.badinput ? EXIT_FAIL : g.run.rejected ? EXIT_REJECTS : EXIT_OK;
	return rc;
}
