/*
 * customer_page.c - cdp-report -p: one customer's 360-degree view as a
 * page a store clerk or a service agent reads: who (the golden record),
 * consents, purchases, the latest events, scores and segments.  It holds
 * personal data: mode 0600, and only for the one profile asked for.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "report/html.h"
#include "report/report.h"

/* The profile of who: a profile id, else an e-mail (as normalised). */
static long long
find(sqlite3 *db, const char *who)
{
	sqlite3_stmt *st;
	long long id = 0;
	char *email;
	size_t i, n = strlen(who);

	for (i = 0; i < n && isdigit((unsigned char)who[i]); i++)
		;
	if (n > 0 && i == n && n < 19) {
		if (sqlite3_prepare_v2(db, "SELECT id FROM profile WHERE id = ?",
		    -1, &st, NULL) != SQLITE_OK)
			return -1;
		sqlite3_bind_int64(st, 1, strtoll(who, NULL, 10));
	} else {
		email = xstrdup(who);
		for (i = 0; email[i] != '\0'; i++)
			email[i] = (char)tolower((unsigned char)email[i]);
		if (sqlite3_prepare_v2(db, "SELECT m.profile FROM ident i "
		    "JOIN member m ON m.record = i.record WHERE i.kind = 'email' "
		    "AND i.value = ?1 UNION ALL SELECT id FROM profile "
		    "WHERE email = ?1 LIMIT 1", -1, &st, NULL) != SQLITE_OK) {
			free(email);
			return -1;
		}
		sqlite3_bind_text(st, 1, email, -1, SQLITE_TRANSIENT);
		free(email);
	}
	if (sqlite3_step(st) == SQLITE_ROW)
		id = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return id;
}

/* The customer's name for the page's title, or "". */
static void
name_of(sqlite3 *db, long long id, char *buf, size_t len)
{
	sqlite3_stmt *st;

	buf[0] = '\0';
	if (sqlite3_prepare_v2(db, "SELECT trim(coalesce(first_name, '') || "
	    "' ' || coalesce(last_name, full_name, '')) FROM profile "
	    "WHERE id = ?", -1, &st, NULL) != SQLITE_OK)
		return;
	sqlite3_bind_int64(st, 1, id);
	if (sqlite3_step(st) == SQLITE_ROW &&
	    sqlite3_column_text(st, 0) != NULL)
		snprintf(buf, len, "%s", sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
}

static void
empty(struct rh *h)
{
	rh_raw(h, "<p>");
	rh_esc(h, rh_t(h, "none"));
	rh_raw(h, "</p>\n");
}

/*
 * Who the customer is; last seen is the latest event of its records, the
 * time it was last ingested when none has a time.
 */
static void
who_section(struct rh *h, sqlite3 *db, long long id)
{
	static const char *cols[] = { "profile_id", "first_name",
	    "last_name", "email", "phone", "birth_date", "street",
	    "postal_code", "city", "country", "customer_id", "loyalty_id",
	    "first_seen", "last_seen" };
	sqlite3_stmt *st;
	size_t i;

	rh_h2(h, rh_t(h, "who"));
	if (sqlite3_prepare_v2(db, "SELECT id, first_name, last_name, email, "
	    "phone, birth_date, street, postal_code, city, country, "
	    "customer_id, loyalty_id, first_seen, coalesce((SELECT "
	    "max(r.ts) FROM member m JOIN record r ON r.id = m.record "
	    "WHERE m.profile = profile.id), last_seen) FROM profile "
	    "WHERE id = ?", -1, &st, NULL) != SQLITE_OK)
		return;
	sqlite3_bind_int64(st, 1, id);
	if (sqlite3_step(st) == SQLITE_ROW) {
		/* The caption repeats the heading above: read, not shown. */
		rh_raw(h, "<table>\n<caption class=\"sr\">");
		rh_esc(h, rh_t(h, "who"));
		rh_raw(h, "</caption>\n<tbody>\n");
		for (i = 0; i < sizeof(cols) / sizeof(cols[0]); i++) {
			const char *v = (const char *)sqlite3_column_text(st,
			    (int)i);

			if (v == NULL)
				continue;
			rh_raw(h, "<tr><th scope=\"row\">");
			rh_esc(h, rh_t(h, cols[i]));
			rh_raw(h, "</th>");
			if (strcmp(cols[i], "first_seen") == 0 ||
			    strcmp(cols[i], "last_seen") == 0) {
				rh_raw(h, "<td>");
				rh_time(h, v);
				rh_raw(h, "</td>");
			} else
				rh_td(h, v);
			rh_tr_end(h);
		}
		rh_raw(h, "</tbody>\n</table>\n");
	}
	sqlite3_finalize(st);
}

/*
 * Rows of sql for profile id, every column as text; amounts (money_col)
 * to the cent, score names (label_col) as readable labels, times as
 * rh_time() reads them.
 */
static void
rows(struct rh *h, sqlite3 *db, long long id, const char *caption,
    const char *const *heads, size_t nh, int money_col, int label_col,
    const char *sql)
{
	sqlite3_stmt *st;
	char num[64], *c;
	int n = 0, i;

	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		return;
	sqlite3_bind_int64(st, 1, id);
	while (sqlite3_step(st) == SQLITE_ROW) {
		if (n++ == 0)
			rh_table_begin(h, caption, heads, nh);
		rh_tr(h);
		for (i = 0; i < (int)nh; i++) {
			int t = sqlite3_column_type(st, i);

			if (i == money_col && t != SQLITE_NULL) {
				snprintf(num, sizeof(num), "%.2f",
				    sqlite3_column_double(st, i));
				if (h->lang == RH_FR &&
				    (c = strchr(num, '.')) != NULL)
					*c = ',';
				rh_td_num(h, num);
			} else if (i == label_col)
				rh_td(h, rh_score(h, (const char *)
				    sqlite3_column_text(st, i)));
			else if (t == SQLITE_INTEGER || t == SQLITE_FLOAT)
				rh_td_num(h, rh_num(h,
				    sqlite3_column_double(st, i), num));
			else if (parse_iso((const char *)
			    sqlite3_column_text(st, i)) != (time_t)-1) {
				rh_raw(h, "<td>");
				rh_time(h, (const char *)sqlite3_column_text(st,
				    i));
				rh_raw(h, "</td>");
			} else
				rh_td(h, (const char *)sqlite3_column_text(st,
				    i));
		}
		rh_tr_end(h);
	}
	sqlite3_finalize(st);
	if (n > 0)
		rh_table_end(h);
	else
		empty(h);
}

int
report_customer(sqlite3 *db, const char *dir, const char *who, int lang,
    struct sbuf *path, struct sbuf *why)
{
	struct rh h;
	FILE *f;
	char *tmp, title[128];
	long long id;
	int fd;

	if ((id = find(db, who)) == -1) {
		sb_addf(why, "%s", sqlite3_errmsg(db));
		return -1;
	}
	if (id == 0)
		return 1;
	sb_reset(path);
	sb_addf(path, "%s/customer-%lld.html", dir, id);
	if (asprintf(&tmp, "%s/.customer-%lld.html.tmp", dir, id) == -1)
		die(EXIT_FAIL, "out of memory");
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
	    0600)) == -1 || (f = fdopen(fd, "w")) == NULL) {
		sb_addf(why, "%s: %s", tmp, strerror(errno));
		if (fd != -1)
			close(fd);
		free(tmp);
		return -1;
	}
	rh_open(&h, f, lang);
	name_of(db, id, title, sizeof(title));
	if (title[0] == '\0')
		snprintf(title, sizeof(title), "%s %lld", rh_t(&h, "customer"),
		    id);
	rh_begin(&h, "", title);
	who_section(&h, db, id);
	rh_h2(&h, rh_t(&h, "consents"));
	{
		const char *heads[] = { rh_t(&h, "purpose"),
		    rh_t(&h, "granted"), rh_t(&h, "since") };

		rows(&h, db, id, rh_t(&h, "consents"), heads, 3, -1, -1,
		    lang == RH_FR ?
		    "SELECT purpose, CASE WHEN granted THEN 'oui' ELSE 'non' "
		    "END, ts FROM profile_consent WHERE profile = ? "
		    "ORDER BY purpose" :
		    "SELECT purpose, CASE WHEN granted THEN 'yes' ELSE 'no' "
		    "END, ts FROM profile_consent WHERE profile = ? "
		    "ORDER BY purpose");
	}
	rh_h2(&h, rh_t(&h, "purchases"));
	{
		const char *heads[] = { rh_t(&h, "date"), rh_t(&h, "amount"),
		    "", rh_t(&h, "source") };

		heads[2] = lang == RH_FR ? "Devise" : "Currency";
		rows(&h, db, id, rh_t(&h, "purchases"), heads, 4, 1, -1,
		    "SELECT replace(substr(r.ts, 1, 16), 'T', ' '), r.amount, "
		    "r.currency, s.name FROM member m "
		    "JOIN record r ON r.id = m.record JOIN source s "
		    "ON s.id = r.source_id WHERE m.profile = ? AND "
		    "r.event_type = 'purchase' ORDER BY r.ts DESC LIMIT 50");
	}
	rh_h2(&h, rh_t(&h, "timeline"));
	{
		const char *heads[] = { rh_t(&h, "date"), rh_t(&h, "event"),
		    rh_t(&h, "source") };

		rows(&h, db, id, rh_t(&h, "timeline"), heads, 3, -1, -1,
		    "SELECT replace(substr(r.ts, 1, 16), 'T', ' '), "
		    "r.event_type, s.name FROM member m "
		    "JOIN record r ON r.id = m.record JOIN source s "
		    "ON s.id = r.source_id WHERE m.profile = ? AND "
		    "r.event_type IS NOT NULL ORDER BY r.ts DESC LIMIT 30");
	}
	rh_h2(&h, rh_t(&h, "scores"));
	{
		const char *heads[] = { rh_t(&h, "scores"),
		    rh_t(&h, "value") };

		/* By score name: the key of score is (name, profile). */
		/* The RFM segment in French as on the scores page. */
		rows(&h, db, id, rh_t(&h, "scores"), heads, 2, -1, 0,
		    lang == RH_FR ?
		    "SELECT d.name, CASE WHEN d.name <> 'rfm_segment' "
		    "THEN s.value WHEN s.value = 'Loyal' THEN 'Fidèles' "
		    "WHEN s.value = 'Potential loyalist' THEN "
		    "'Fidèles potentiels' WHEN s.value = 'New' THEN 'Nouveaux' "
		    "WHEN s.value = 'Promising' THEN 'Prometteurs' "
		    "WHEN s.value = 'Need attention' THEN 'À surveiller' "
		    "WHEN s.value = 'About to sleep' THEN 'Bientôt endormis' "
		    "WHEN s.value = 'Can''t lose' THEN 'À ne pas perdre' "
		    "WHEN s.value = 'At risk' THEN 'À risque' "
		    "WHEN s.value = 'Hibernating' THEN 'En hibernation' "
		    "WHEN s.value = 'Lost' THEN 'Perdus' ELSE s.value END "
		    "FROM score_def d JOIN score s ON s.name = d.name AND "
		    "s.profile = ?1 ORDER BY d.name" :
		    "SELECT d.name, s.value FROM score_def d JOIN score s "
		    "ON s.name = d.name AND s.profile = ?1 ORDER BY d.name");
	}
	rh_h2(&h, rh_t(&h, "member_of"));
	{
		const char *heads[] = { rh_t(&h, "segment"),
		    rh_t(&h, "definition") };

		rows(&h, db, id, rh_t(&h, "member_of"), heads, 2, -1, -1,
		    "SELECT g.name, g.definition FROM segment g JOIN "
		    "segment_member m ON m.segment = g.id AND m.profile = ?1 "
		    "ORDER BY g.name");
	}
	rh_end(&h);
	if (ferror(f) | (fclose(f) == EOF) ||
	    rename(tmp, path->buf) == -1) {
		sb_addf(why, "%s: %s", path->buf, strerror(errno));
		unlink(tmp);
		free(tmp);
		return -1;
	}
	free(tmp);
	return 0;
}
