/*
 * report.c - the pages of cdp-report; see report.h.
 *
 * Each page is a few SQL aggregates drawn by html.c.  Lists are bounded
 * (the last 30 days, the last 15 runs, the top values of a field), and
 * the scans are those cdp-status and cdp-catalog already afford: by day
 * of run, by profile once, by score name through its key.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "catalog/catalog.h"
#include "catalog/value_shape.h"
#include "report/html.h"
#include "report/report.h"
#include "status/anomaly.h"
#include "store/database.h"

#define MAX_BARS	30	/* days, buckets or values in one chart */
#define HIST_BINS	10

/* One page being written: its file under a temporary name. */
struct page {
	struct rh h;
	sqlite3	*db;
	char	*path, *tmp;
	FILE	*f;
};

static int
page_open(struct page *p, sqlite3 *db, const char *dir, const char *file,
    int lang, struct sbuf *why)
{
	int fd;

	memset(p, 0, sizeof(*p));
	p->db = db;
	if (asprintf(&p->path, "%s/%s", dir, file) == -1 ||
	    asprintf(&p->tmp, "%s/.%s.tmp", dir, file) == -1)
		die(EXIT_FAIL, "out of memory");
	if ((fd = open(p->tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
	    0600)) == -1 || (p->f = fdopen(fd, "w")) == NULL) {
		sb_addf(why, "%s: %s", p->tmp, strerror(errno));
		if (fd != -1)
			close(fd);
		free(p->path);
		free(p->tmp);
		return -1;
	}
	rh_open(&p->h, p->f, lang);
	return 0;
}

static int
page_close(struct page *p, struct sbuf *why)
{
	int rc = 0;

	rh_end(&p->h);
	if (ferror(p->f) | (fclose(p->f) == EOF) ||
	    rename(p->tmp, p->path) == -1) {
		sb_addf(why, "%s: %s", p->path, strerror(errno));
		unlink(p->tmp);
		rc = -1;
	}
	free(p->path);
	free(p->tmp);
	return rc;
}

static sqlite3_stmt *
prep(struct page *p, const char *sql)
{
	sqlite3_stmt *st;

	if (sqlite3_prepare_v2(p->db, sql, -1, &st, NULL) != SQLITE_OK)
		return NULL;
	return st;
}

static long long
count_of(struct page *p, const char *sql)
{
	sqlite3_stmt *st = prep(p, sql);
	long long n = 0;

	if (st != NULL && sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return n;
}

/* A money amount to the cent with the page's decimal mark. */
static const char *
money(const struct rh *h, double v, char *buf)
{
	char *c;

	snprintf(buf, 64, "%.2f", v);
	if (h->lang == RH_FR && (c = strchr(buf, '.')) != NULL)
		*c = ',';
	return buf;
}

/*
 * A bar chart of the rows (label, value) of sql, with ?1 bound to arg
 * when not NULL; at most MAX_BARS rows.
 */
static void
chart(struct page *p, const char *title, const char *dim, const char *unit,
    const char *sql, const char *arg)
{
	char *lab[MAX_BARS];
	double val[MAX_BARS];
	sqlite3_stmt *st = prep(p, sql);
	size_t n = 0, i;

	if (st != NULL && arg != NULL)
		sqlite3_bind_text(st, 1, arg, -1, SQLITE_STATIC);
	while (st != NULL && n < MAX_BARS && sqlite3_step(st) == SQLITE_ROW) {
		const char *l = (const char *)sqlite3_column_text(st, 0);

		lab[n] = xstrdup(l != NULL ? l : "—");
		val[n++] = sqlite3_column_double(st, 1);
	}
	sqlite3_finalize(st);
	rh_bars(&p->h, title, dim, unit, lab, val, NULL, n);
	for (i = 0; i < n; i++)
		free(lab[i]);
}

/* A table of every column of the rows of sql (at most limit rows). */
static void
table(struct page *p, const char *caption, const char *const *heads,
    size_t nh, const char *sql, long long arg)
{
	sqlite3_stmt *st = prep(p, sql);
	char num[64];
	int c, t, rows = 0;

	if (st == NULL)
		return;
	if (arg != 0)
		sqlite3_bind_int64(st, 1, arg);
	while (sqlite3_step(st) == SQLITE_ROW) {
		if (rows++ == 0)
			rh_table_begin(&p->h, caption, heads, nh);
		rh_tr(&p->h);
		for (c = 0; c < sqlite3_column_count(st); c++) {
			t = sqlite3_column_type(st, c);
			if (t == SQLITE_INTEGER || t == SQLITE_FLOAT)
				rh_td_num(&p->h, rh_num(&p->h,
				    sqlite3_column_double(st, c), num));
			else
				rh_td(&p->h, (const char *)
				    sqlite3_column_text(st, c));
		}
		rh_tr_end(&p->h);
	}
	sqlite3_finalize(st);
	if (rows > 0)
		rh_table_end(&p->h);
	else {
		if (caption != NULL)
			rh_h2(&p->h, caption);
		rh_raw(&p->h, "<p>");
		rh_esc(&p->h, rh_t(&p->h, "empty"));
		rh_raw(&p->h, "</p>\n");
	}
}

static void
kpi(struct page *p, const char **l, char (*v)[32], size_t i,
    const char *label, long long n)
{
	/* Thousands apart: a comma, in French a narrow no-break space. */
	const char *sep = p->h.lang == RH_FR ? "\xe2\x80\xaf" : ",";
	char d[32], *o = v[i];
	int k, len;

	l[i] = rh_t(&p->h, label);
	len = snprintf(d, sizeof(d), "%lld", n < 0 ? 0 : n);
	for (k = 0; k < len; k++) {
		/* Up to 10^15, separators and all fit in v[i]. */
		if (k > 0 && (len - k) % 3 == 0 && len <= 15) {
			memcpy(o, sep, strlen(sep));
			o += strlen(sep);
		}
		*o++ = d[k];
	}
	*o = '\0';
}

/* cdp-status's anomalies, from the same checks (status/anomaly.h). */
static void
anomalies(struct page *p)
{
	struct rh *h = &p->h;
	const char *heads[] = { rh_t(h, "kind"), rh_t(h, "source"),
	    rh_t(h, "run"), rh_t(h, "evidence") };
	struct status s;
	struct sbuf why;
	char num[64];
	size_t i;

	rh_h2(h, rh_t(h, "anomalies"));
	sb_init(&why);
	status_init(&s, p->db, time(NULL));
	if (status_check(&s, &why) == -1 || s.nan == 0) {
		rh_raw(h, "<p>");
		rh_esc(h, rh_t(h, "no_anomaly"));
		rh_raw(h, "</p>\n");
	} else {
		rh_table_begin(h, rh_t(h, "anomalies"), heads, 4);
		for (i = 0; i < s.nan; i++) {
			rh_tr(h);
			rh_td(h, rh_label(h, "an_", s.an[i].kind));
			rh_td(h, s.an[i].source);
			if (s.an[i].run > 0) {
				snprintf(num, sizeof(num), "%lld", s.an[i].run);
				rh_td_num(h, num);
			} else
				rh_td(h, NULL);
			rh_td(h, s.an[i].evidence);
			rh_tr_end(h);
		}
		rh_table_end(h);
	}
	status_release(&s);
	sb_release(&why);
}

static void
overview(struct page *p)
{
	struct rh *h = &p->h;
	const char *l[4], *vv[4];
	char v[4][32];
	const char *src[] = { rh_t(h, "source"), rh_t(h, "format"),
	    rh_t(h, "records"), rh_t(h, "rows_read"), rh_t(h, "rejects"),
	    rh_t(h, "last_run") };
	const char *runs[] = { rh_t(h, "run"), rh_t(h, "tool"),
	    rh_t(h, "source"), rh_t(h, "started"), rh_t(h, "outcome"), rh_t(h, "rows_in"),
	    rh_t(h, "rows_ok"), rh_t(h, "rejects") };
	size_t i;

	rh_begin(h, "index.html", rh_t(h, "overview"));
	kpi(p, l, v, 0, "profiles", count_of(p,
	    "SELECT count(*) FROM profile"));
	/* Records held: the catalog counts every version stored. */
	kpi(p, l, v, 1, "records", count_of(p,
	    "SELECT count(*) FROM record"));
	kpi(p, l, v, 2, "sources", count_of(p, "SELECT count(*) FROM source"));
	kpi(p, l, v, 3, "rejects", count_of(p, "SELECT count(*) FROM reject"));
	for (i = 0; i < 4; i++)
		vv[i] = v[i];
	rh_kpis(h, l, vv, 4);
	rh_h2(h, rh_t(h, "sources"));
	table(p, rh_t(h, "src_table"), src, 6,
	    "SELECT s.name, s.format, coalesce(rc.n, 0), "
	    "coalesce(cs.records, 0), "
	    "(SELECT count(*) FROM reject j WHERE j.source_id = s.id), "
	    "(SELECT replace(substr(max(started_at), 1, 16), 'T', ' ') || "
	    "' UTC' FROM run r WHERE r.source_id = s.id) "
	    "FROM source s LEFT JOIN catalog_source cs ON cs.source_id = s.id "
	    "LEFT JOIN (SELECT source_id, count(*) AS n FROM record "
	    "GROUP BY source_id) rc ON rc.source_id = s.id "
	    "ORDER BY s.name", 0);
	chart(p, rh_t(h, "vol_day"), rh_t(h, "day"), rh_t(h, "records"),
	    "SELECT d, n FROM (SELECT substr(started_at, 1, 10) AS d, "
	    "sum(rows_ok) AS n FROM run WHERE tool = 'cdp-ingest' "
	    "GROUP BY d ORDER BY d DESC LIMIT 30) ORDER BY d", NULL);
	chart(p, rh_t(h, "growth"), rh_t(h, "day"), rh_t(h, "profiles"),
	    "SELECT d, n FROM (SELECT substr(r.started_at, 1, 10) AS d, "
	    "sum(c.n) AS n FROM (SELECT created_run, count(*) AS n "
	    "FROM profile GROUP BY created_run) c JOIN run r "
	    "ON r.id = c.created_run GROUP BY d ORDER BY d DESC LIMIT 30) "
	    "ORDER BY d", NULL);
	rh_h2(h, rh_t(h, "last_runs"));
	table(p, rh_t(h, "last_runs"), runs, 8, h->lang == RH_FR ?
	    "SELECT id, tool, (SELECT name FROM source WHERE id = source_id), "
	    "replace(substr(started_at, 1, 16), 'T', ' ') || "
	    "' UTC', CASE outcome WHEN 'ok' THEN 'réussi' "
	    "WHEN 'rejects' THEN 'réussi, avec rejets' "
	    "WHEN 'failed' THEN 'échec' WHEN 'usage' THEN 'erreur d''usage' "
	    "WHEN 'running' THEN 'en cours' ELSE outcome END, rows_in, "
	    "rows_ok, rows_rejected FROM run ORDER BY id DESC LIMIT 15" :
	    "SELECT id, tool, (SELECT name FROM source WHERE id = source_id), "
	    "replace(substr(started_at, 1, 16), 'T', ' ') || "
	    "' UTC', CASE outcome WHEN 'rejects' THEN 'ok, with rejects' "
	    "WHEN 'usage' THEN 'usage error' ELSE outcome END, rows_in, "
	    "rows_ok, rows_rejected FROM run ORDER BY id DESC LIMIT 15", 0);
	anomalies(p);
}

/* The top values of a catalog row, masked as cdp-catalog masks them. */
static void
top_values(struct page *p, const char *src, const char *field,
    const char *type, const char *json, long long distinct, long long present,
    struct sbuf *out)
{
	sqlite3_stmt *st;
	struct sbuf m;
	int ty = type != NULL ? shape_lookup(type) : SH_NULL, n = 0;
	int personal = cat_personal(field, ty) &&
	    !cat_flag_field(p->db, src, field, ty, json, present);

	sb_reset(out);
	if (json == NULL || (st = prep(p, "SELECT json_extract(value, '$[0]'),"
	    " json_extract(value, '$[1]') FROM json_each(?)")) == NULL)
		return;
	sqlite3_bind_text(st, 1, json, -1, SQLITE_TRANSIENT);
	sb_init(&m);
	while (n < 3 && sqlite3_step(st) == SQLITE_ROW) {
		const char *s = (const char *)sqlite3_column_text(st, 0);

		/* Singletons of a field with many values are noise. */
		if (s == NULL || (sqlite3_column_int64(st, 1) < 2 &&
		    distinct > 20))
			continue;
		sb_reset(&m);
		if (personal)
			shape_mask(s, strlen(s), shape_of(s, strlen(s)) ==
			    SH_NULL ? ty : shape_of(s, strlen(s)), &m);
		else
			sb_adds(&m, s);
		sb_addf(out, "%s%s (%lld)", n++ ? ", " : "", m.buf,
		    sqlite3_column_int64(st, 1));
	}
	sb_release(&m);
	sqlite3_finalize(st);
}

static void
datamap(struct page *p)
{
	struct rh *h = &p->h;
	const char *heads[] = { rh_t(h, "field"), rh_t(h, "type"),
	    rh_t(h, "fill"), rh_t(h, "distinct"), rh_t(h, "top") };
	sqlite3_stmt *st;
	struct sbuf top;
	char *cur = NULL, num[64];
	int rows = 0;

	rh_begin(h, "datamap.html", rh_t(h, "datamap"));
	rh_raw(h, "<p>");
	rh_esc(h, rh_t(h, "datamap_note"));
	rh_raw(h, "</p>\n");
	st = prep(p, "SELECT s.name, c.field, c.type, coalesce(cs.records, 0),"
	    " c.present, c.distinct_est, c.top_values FROM catalog c "
	    "JOIN source s ON s.id = c.source_id LEFT JOIN catalog_source cs "
	    "ON cs.source_id = c.source_id ORDER BY s.name, c.kind, c.field");
	sb_init(&top);
	while (st != NULL && sqlite3_step(st) == SQLITE_ROW) {
		const char *src = (const char *)sqlite3_column_text(st, 0);
		const char *field = (const char *)sqlite3_column_text(st, 1);
		const char *type = (const char *)sqlite3_column_text(st, 2);
		long long recs = sqlite3_column_int64(st, 3);
		long long present = sqlite3_column_int64(st, 4);

		if (cur == NULL || strcmp(cur, src) != 0) {
			if (cur != NULL)
				rh_table_end(h);
			free(cur);
			cur = xstrdup(src);
			rh_h2(h, src);
			rh_table_begin(h, src, heads, 5);
		}
		rows++;
		rh_tr(h);
		rh_td(h, field);
		rh_td(h, type != NULL ? rh_label(h, "ty_", type) : "");
		rh_td_num(h, rh_num(h, recs > 0 ? 100.0 * (double)present /
		    (double)recs : 0, num));
		rh_td_num(h, rh_num(h, (double)sqlite3_column_int64(st, 5),
		    num));
		top_values(p, src, field, type, (const char *)
		    sqlite3_column_text(st, 6), sqlite3_column_int64(st, 5),
		    present, &top);
		rh_td(h, top.buf);
		rh_tr_end(h);
	}
	if (cur != NULL)
		rh_table_end(h);
	if (rows == 0) {
		rh_raw(h, "<p>");
		rh_esc(h, rh_t(h, "empty"));
		rh_raw(h, "</p>\n");
	}
	free(cur);
	sb_release(&top);
	sqlite3_finalize(st);
}

static void
identity(struct page *p)
{
	struct rh *h = &p->h;
	const char *l[4], *vv[4];
	char v[4][32];
	const char *heads[] = { rh_t(h, "day"), rh_t(h, "merges"),
	    rh_t(h, "splits"), rh_t(h, "refusals"), rh_t(h, "new_profiles") };
	size_t i;

	rh_begin(h, "identity.html", rh_t(h, "identity"));
	kpi(p, l, v, 0, "profiles", count_of(p,
	    "SELECT count(*) FROM profile"));
	kpi(p, l, v, 1, "records", count_of(p, "SELECT count(*) FROM member"));
	kpi(p, l, v, 2, "links", count_of(p, "SELECT count(*) FROM link"));
	kpi(p, l, v, 3, "refusals", count_of(p,
	    "SELECT count(*) FROM merge_log WHERE action = 'refuse'"));
	for (i = 0; i < 4; i++)
		vv[i] = v[i];
	rh_kpis(h, l, vv, 4);
	chart(p, rh_t(h, "rec_per_prof"), rh_t(h, "records"),
	    rh_t(h, "profiles"),
	    "SELECT CASE WHEN nrecords >= 10 THEN '10+' WHEN nrecords >= 5 "
	    "THEN '5-9' ELSE CAST(nrecords AS TEXT) END AS k, count(*) "
	    "FROM profile GROUP BY k ORDER BY min(nrecords)", NULL);
	chart(p, rh_t(h, "links_kind"), rh_t(h, "type"), rh_t(h, "links"),
	    h->lang == RH_FR ?
	    "SELECT CASE rule WHEN 'fs' THEN 'probabiliste (noms, dates, adresses)' "
	    "WHEN 'ident:email' THEN 'même e-mail' "
	    "WHEN 'ident:phone' THEN 'même téléphone' "
	    "WHEN 'ident:anonymous_id' THEN 'même cookie (identifiant anonyme)' "
	    "WHEN 'ident:customer_id' THEN 'même identifiant client' "
	    "WHEN 'ident:loyalty_id' THEN 'même carte de fidélité' ELSE "
	    "replace(rule, 'ident:', 'même ') END, count(*) FROM link "
	    "GROUP BY rule ORDER BY 2 DESC, 1" :
	    "SELECT CASE rule WHEN 'fs' THEN 'probabilistic (names, dates, "
	    "addresses)' "
	    "WHEN 'ident:email' THEN 'same e-mail' "
	    "WHEN 'ident:phone' THEN 'same phone' "
	    "WHEN 'ident:anonymous_id' THEN 'same cookie (anonymous id)' "
	    "WHEN 'ident:customer_id' THEN 'same customer id' "
	    "WHEN 'ident:loyalty_id' THEN 'same loyalty card' ELSE "
	    "replace(rule, 'ident:', 'same ') END, count(*) FROM link "
	    "GROUP BY rule ORDER BY 2 DESC, 1", NULL);
	rh_h2(h, rh_t(h, "merge_time"));
	table(p, rh_t(h, "merge_time"), heads, 5,
	    "SELECT substr(ts, 1, 10) AS d, sum(action = 'merge'), "
	    "sum(action = 'split'), sum(action = 'refuse'), "
	    "sum(action = 'create') FROM merge_log GROUP BY d "
	    "ORDER BY d DESC LIMIT 30", 0);
}

/* A histogram of the numeric values of score name. */
static void
histogram(struct page *p, const char *name, const char *title)
{
	char *lab[HIST_BINS], a[64], b[64];
	double val[HIST_BINS], lo = 0, hi = 0, w;
	sqlite3_stmt *st;
	size_t n = 0, i;
	int k;

	st = prep(p, "SELECT min(value), max(value), count(*) FROM score "
	    "WHERE name = ? AND typeof(value) IN ('integer', 'real')");
	if (st == NULL)
		return;
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_ROW || sqlite3_column_int64(st, 2) == 0) {
		sqlite3_finalize(st);
		rh_bars(&p->h, title, "", "", NULL, NULL, NULL, 0);
		return;
	}
	lo = sqlite3_column_double(st, 0);
	hi = sqlite3_column_double(st, 1);
	sqlite3_finalize(st);
	w = hi > lo ? (hi - lo) / HIST_BINS : 1;
	for (i = 0; i < HIST_BINS; i++)
		val[i] = 0;
	st = prep(p, "SELECT min(CAST((value - ?2) / ?3 AS INTEGER), ?4), "
	    "count(*) FROM score WHERE name = ?1 AND typeof(value) IN "
	    "('integer', 'real') GROUP BY 1");
	if (st == NULL)
		return;
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	sqlite3_bind_double(st, 2, lo);
	sqlite3_bind_double(st, 3, w);
	sqlite3_bind_int(st, 4, HIST_BINS - 1);
	while (sqlite3_step(st) == SQLITE_ROW) {
		k = sqlite3_column_int(st, 0);
		if (k >= 0 && k < HIST_BINS)
			val[k] = sqlite3_column_double(st, 1);
	}
	sqlite3_finalize(st);
	n = hi > lo ? HIST_BINS : 1;
	for (i = 0; i < n; i++) {
		rh_num(&p->h, lo + w * (double)i, a);
		rh_num(&p->h, lo + w * (double)(i + 1), b);
		if (asprintf(&lab[i], n == 1 ? "%s" : "%s – %s", a, b) == -1)
			die(EXIT_FAIL, "out of memory");
	}
	rh_bars(&p->h, title, rh_t(&p->h, "value"), rh_t(&p->h, "profiles"),
	    lab, val, NULL, n);
	for (i = 0; i < n; i++)
		free(lab[i]);
}

static void
scores(struct page *p)
{
	struct rh *h = &p->h;
	sqlite3_stmt *st;
	long long cnt[6][6];
	double sum[6][6];
	char num[64], title[256];
	int r, f;

	rh_begin(h, "scores.html", rh_t(h, "scores"));
	if (count_of(p, "SELECT count(*) FROM (SELECT 1 FROM score LIMIT 1)")
	    == 0) {
		rh_raw(h, "<p>");
		rh_esc(h, rh_t(h, "no_scores"));
		rh_raw(h, "</p>\n");
		return;
	}
	memset(cnt, 0, sizeof(cnt));
	memset(sum, 0, sizeof(sum));
	/* rfm is R F M as three digits: one range of the key, one lookup
	 * of monetary a profile. */
	st = prep(p, "SELECT CAST(r.value AS INTEGER) / 100, "
	    "CAST(r.value AS INTEGER) / 10 % 10, count(*), "
	    "coalesce(sum(m.value), 0) FROM score r LEFT JOIN score m "
	    "ON m.name = 'monetary' AND m.profile = r.profile "
	    "WHERE r.name = 'rfm' GROUP BY 1, 2");
	while (st != NULL && sqlite3_step(st) == SQLITE_ROW) {
		r = sqlite3_column_int(st, 0);
		f = sqlite3_column_int(st, 1);
		if (r < 1 || r > 5 || f < 1 || f > 5)
			continue;
		cnt[r][f] = sqlite3_column_int64(st, 2);
		sum[r][f] = sqlite3_column_double(st, 3);
	}
	sqlite3_finalize(st);
	rh_h2(h, "RFM");
	rh_raw(h, "<table>\n<caption>");
	rh_esc(h, rh_t(h, "rfm_grid"));
	rh_raw(h, "</caption>\n<thead><tr><th scope=\"col\">");
	rh_esc(h, rh_t(h, "recency"));
	rh_raw(h, " \\ ");
	rh_esc(h, rh_t(h, "frequency"));
	rh_raw(h, "</th>");
	for (f = 1; f <= 5; f++)
		fprintf(h->f, "<th scope=\"col\">F%d</th>", f);
	rh_raw(h, "</tr></thead>\n<tbody>\n");
	for (r = 5; r >= 1; r--) {
		fprintf(h->f, "<tr><th scope=\"row\">R%d</th>", r);
		for (f = 1; f <= 5; f++) {
			rh_raw(h, "<td class=\"n\">");
			rh_esc(h, rh_num(h, (double)cnt[r][f], num));
			if (cnt[r][f] > 0) {
				rh_raw(h, "<br>");
				rh_esc(h, rh_t(h, "avg"));
				rh_raw(h, " ");
				rh_esc(h, money(h, sum[r][f] /
				    (double)cnt[r][f], num));
			}
			rh_raw(h, "</td>");
		}
		rh_raw(h, "</tr>\n");
	}
	rh_raw(h, "</tbody>\n</table>\n");
	/* The segments' names are cdp-score's, in English: a French page
	 * names them in French. */
	chart(p, rh_t(h, "rfm_seg"), rh_t(h, "segment"), rh_t(h, "profiles"),
	    h->lang == RH_FR ?
	    "SELECT CASE value WHEN 'Champions' THEN 'Champions' "
	    "WHEN 'Loyal' THEN 'Fidèles' "
	    "WHEN 'Potential loyalist' THEN 'Fidèles potentiels' "
	    "WHEN 'New' THEN 'Nouveaux' WHEN 'Promising' THEN 'Prometteurs' "
	    "WHEN 'Need attention' THEN 'À surveiller' "
	    "WHEN 'About to sleep' THEN 'Bientôt endormis' "
	    "WHEN 'Can''t lose' THEN 'À ne pas perdre' "
	    "WHEN 'At risk' THEN 'À risque' "
	    "WHEN 'Hibernating' THEN 'En hibernation' "
	    "WHEN 'Lost' THEN 'Perdus' ELSE value END, count(*) FROM score "
	    "WHERE name = 'rfm_segment' GROUP BY value ORDER BY 2 DESC, 1" :
	    "SELECT value, count(*) FROM score WHERE name = 'rfm_segment' "
	    "GROUP BY value ORDER BY 2 DESC, 1", NULL);
	rh_h2(h, rh_t(h, "clv_dist"));
	if (count_of(p, "SELECT count(*) FROM (SELECT 1 FROM score WHERE "
	    "name = 'clv' LIMIT 1)") == 0) {
		rh_raw(h, "<p>");
		rh_esc(h, rh_t(h, "no_clv"));
		rh_raw(h, "</p>\n");
	} else
		histogram(p, "clv", rh_t(h, "clv_dist"));
	rh_h2(h, rh_t(h, "scores"));
	st = prep(p, "SELECT name FROM score_def WHERE type = 'number' "
	    "AND name NOT IN ('clv', 'rfm_r', 'rfm_f', 'rfm_m', 'rfm') "
	    "ORDER BY kind <> 'builtin', name");
	while (st != NULL && sqlite3_step(st) == SQLITE_ROW) {
		const char *name = (const char *)sqlite3_column_text(st, 0);

		snprintf(title, sizeof(title), h->lang == RH_FR ? "%s : %s" :
		    "%s: %s", rh_t(h, "hist"), rh_score(h, name));
		histogram(p, name, title);
	}
	sqlite3_finalize(st);
}

static void
segments(struct page *p)
{
	struct rh *h = &p->h;
	const char *heads[] = { rh_t(h, "segment"), rh_t(h, "definition"),
	    rh_t(h, "size"), rh_t(h, "evaluated") };
	const char *eh[] = { rh_t(h, "run"), rh_t(h, "day"),
	    rh_t(h, "entered"), rh_t(h, "exited") };
	long long ids[12], both[12][12];
	char *names[12], *lab[MAX_BARS], num[64], title[300];
	double val[MAX_BARS], size;
	sqlite3_stmt *st, *ch;
	size_t n = 0, i, j, k;

	rh_begin(h, "segments.html", rh_t(h, "segments"));
	if (count_of(p, "SELECT count(*) FROM segment") == 0) {
		rh_raw(h, "<p>");
		rh_esc(h, rh_t(h, "no_segments"));
		rh_raw(h, "</p>\n");
		return;
	}
	table(p, rh_t(h, "segments"), heads, 4, "SELECT name, definition, "
	    "size, replace(substr(last_eval_at, 1, 16), 'T', ' ') || ' UTC' "
	    "FROM segment ORDER BY name", 0);
	st = prep(p, "SELECT id, name FROM segment ORDER BY name LIMIT 12");
	while (st != NULL && sqlite3_step(st) == SQLITE_ROW) {
		ids[n] = sqlite3_column_int64(st, 0);
		names[n++] = xstrdup((const char *)sqlite3_column_text(st, 1));
	}
	sqlite3_finalize(st);
	ch = prep(p, "SELECT c.run, substr(r.started_at, 1, 10), "
	    "sum(c.change = 'enter'), sum(c.change = 'exit') "
	    "FROM segment_change c JOIN run r ON r.id = c.run "
	    "WHERE c.segment = ? GROUP BY c.run ORDER BY c.run");
	for (i = 0; i < n && ch != NULL; i++) {
		rh_h2(h, names[i]);
		sqlite3_reset(ch);
		sqlite3_bind_int64(ch, 1, ids[i]);
		size = 0;
		k = 0;
		while (sqlite3_step(ch) == SQLITE_ROW) {
			size += sqlite3_column_double(ch, 2) -
			    sqlite3_column_double(ch, 3);
			if (k == MAX_BARS) {
				free(lab[0]);
				memmove(lab, lab + 1, (k - 1) * sizeof(*lab));
				memmove(val, val + 1, (k - 1) * sizeof(*val));
				k--;
			}
			if (asprintf(&lab[k], "%lld (%s)",
			    sqlite3_column_int64(ch, 0),
			    (const char *)sqlite3_column_text(ch, 1)) == -1)
				die(EXIT_FAIL, "out of memory");
			val[k++] = size;
		}
		snprintf(title, sizeof(title), "%s: %s", names[i],
		    rh_t(h, "size_time"));
		rh_bars(h, title, rh_t(h, "run"), rh_t(h, "size"), lab, val,
		    NULL, k);
		for (j = 0; j < k; j++)
			free(lab[j]);
		snprintf(title, sizeof(title), "%s: %s", names[i],
		    rh_t(h, "enter_exit"));
		table(p, title, eh, 4, "SELECT * FROM (SELECT c.run, "
		    "substr(r.started_at, 1, 10), sum(c.change = 'enter'), "
		    "sum(c.change = 'exit') FROM segment_change c JOIN run r "
		    "ON r.id = c.run WHERE c.segment = ?1 GROUP BY c.run "
		    "ORDER BY c.run DESC LIMIT 15) ORDER BY 1", ids[i]);
	}
	sqlite3_finalize(ch);
	/* Overlap: PK lookups of the smaller into the larger. */
	rh_h2(h, rh_t(h, "overlap"));
	/* The caption repeats the heading above: read, not shown. */
	rh_raw(h, "<table>\n<caption class=\"sr\">");
	rh_esc(h, rh_t(h, "overlap"));
	rh_raw(h, "</caption>\n<thead><tr><td></td>");
	for (j = 0; j < n; j++) {
		rh_raw(h, "<th scope=\"col\">");
		rh_esc(h, names[j]);
		rh_raw(h, "</th>");
	}
	rh_raw(h, "</tr></thead>\n<tbody>\n");
	/* Symmetric: each pair once; the diagonal is a range count. */
	st = prep(p, "SELECT count(*) FROM segment_member a JOIN "
	    "segment_member b ON b.segment = ?2 AND b.profile = a.profile "
	    "WHERE a.segment = ?1");
	ch = prep(p, "SELECT count(*) FROM segment_member WHERE segment = ?");
	for (i = 0; i < n && st != NULL && ch != NULL; i++) {
		sqlite3_reset(ch);
		sqlite3_bind_int64(ch, 1, ids[i]);
		both[i][i] = sqlite3_step(ch) == SQLITE_ROW ?
		    sqlite3_column_int64(ch, 0) : 0;
		for (j = i + 1; j < n; j++) {
			sqlite3_reset(st);
			sqlite3_bind_int64(st, 1, ids[i]);
			sqlite3_bind_int64(st, 2, ids[j]);
			both[i][j] = both[j][i] = sqlite3_step(st) ==
			    SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
		}
	}
	sqlite3_finalize(st);
	sqlite3_finalize(ch);
	for (i = 0; i < n; i++) {
		rh_raw(h, "<tr><th scope=\"row\">");
		rh_esc(h, names[i]);
		rh_raw(h, "</th>");
		for (j = 0; j < n; j++)
			rh_td_num(h, rh_num(h, (double)both[i][j], num));
		rh_raw(h, "</tr>\n");
	}
	rh_raw(h, "</tbody>\n</table>\n");
	for (i = 0; i < n; i++)
		free(names[i]);
}

int
report_write(sqlite3 *db, const char *dir, int lang, struct sbuf *why)
{
	static const struct {
		const char *file;
		void (*fn)(struct page *);
	} pages[] = {
		{ "index.html", overview },
		{ "datamap.html", datamap },
		{ "identity.html", identity },
		{ "scores.html", scores },
		{ "segments.html", segments },
	};
	struct page p;
	size_t i;

	for (i = 0; i < sizeof(pages) / sizeof(pages[0]); i++) {
		if (page_open(&p, db, dir, pages[i].file, lang, why) == -1)
			return -1;
		pages[i].fn(&p);
		if (page_close(&p, why) == -1)
			return -1;
	}
	return 0;
}
