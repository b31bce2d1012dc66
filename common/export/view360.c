/*
 * view360.c - the 360-degree view of one profile as one JSON document,
 * built by SQLite (json_object, json_group_array) in one statement, the
 * way cdp-privacy builds its access answer: what cdp-export profile
 * writes, and what a service desk or an API would show of a customer.
 */
#include <stdlib.h>
#include <string.h>

#include "export/view360.h"
#include "normalise/normalise.h"
#include "store/database.h"

#define RAWJSON(col) \
	"CASE WHEN json_valid(" col ") THEN json(" col ") ELSE " col " END"

const char v360_sql[] =
    "SELECT json_object("
    "'profile_id', p.id, "
    "'golden', json_object('nrecords', p.nrecords, 'first_seen', "
    "p.first_seen, 'last_seen', p.last_seen, 'email', p.email, 'phone', "
    "p.phone, 'customer_id', p.customer_id, 'loyalty_id', p.loyalty_id, "
    "'anonymous_id', p.anonymous_id, 'first_name', p.first_name, "
    "'last_name', p.last_name, 'full_name', p.full_name, 'birth_date', "
    "p.birth_date, 'gender', p.gender, 'org_name', p.org_name, "
    "'street', p.street, 'postal_code', "
    "p.postal_code, 'city', p.city, 'country', p.country), "
    "'identities', json((SELECT json_group_array(json_object('kind', "
    "d.kind, 'value', d.value, 'sources', json((SELECT "
    "json_group_array(name) FROM (SELECT DISTINCT s.name AS name FROM "
    "ident i JOIN member m ON m.record = i.record JOIN record r ON "
    "r.id = i.record JOIN source s ON s.id = r.source_id WHERE "
    "i.kind = d.kind AND i.value = d.value AND m.profile = p.id "
    "ORDER BY 1))))) FROM (SELECT DISTINCT i.kind AS kind, i.value AS "
    "value FROM member m JOIN ident i ON i.record = m.record WHERE "
    "m.profile = p.id ORDER BY 1, 2) d)), "
    "'records', json((SELECT json_group_array(json_object('source', src, "
    "'record_id', rid, 'ts', ts, 'event_type', et, 'raw', json(raw))) "
    "FROM (SELECT s.name AS src, r.record_id AS rid, r.ts AS ts, "
    "r.event_type AS et, " RAWJSON("r.raw") " AS raw FROM member m "
    "JOIN record r ON r.id = m.record JOIN source s ON s.id = r.source_id "
    "WHERE m.profile = p.id ORDER BY s.name, r.record_id))), "
    "'scores', json((SELECT json_group_object(name, value) FROM (SELECT name, "
    "value FROM score WHERE profile = p.id ORDER BY name))), "
    "'segments', json((SELECT json_group_array(name) FROM (SELECT s.name AS "
    "name FROM segment_member x JOIN segment s ON s.id = x.segment WHERE "
    "x.profile = p.id ORDER BY s.name))), "
    "'consents', json((SELECT json_group_array(json_object('purpose', purpose, "
    "'granted', json(CASE granted WHEN 1 THEN 'true' ELSE 'false' END), "
    "'ts', ts)) FROM (SELECT purpose, granted, ts FROM profile_consent "
    "WHERE profile = p.id ORDER BY purpose))), "
    "'events', json((SELECT json_group_array(json_object('ts', ts, "
    "'event_type', et, 'amount', amount, 'currency', currency, 'source', "
    "src, 'record_id', rid)) FROM (SELECT r.ts AS ts, r.event_type AS et, "
    "r.amount AS amount, r.currency AS currency, s.name AS src, "
    "r.record_id AS rid FROM member m JOIN record r ON r.id = m.record "
    "JOIN source s ON s.id = r.source_id WHERE m.profile = p.id AND "
    "r.event_type IS NOT NULL ORDER BY r.ts DESC, r.id DESC LIMIT 20)))"
    ") FROM profile p WHERE p.id = :pid";

/* The profile an id, an email or a phone (international) names. */
long long
v360_resolve(sqlite3 *db, const char *a, struct sbuf *why)
{
	struct sbuf v;
	sqlite3_stmt *st;
	long long pid = 0, n = 0;
	const char *kind;
	char *end;

	if (*a >= '0' && *a <= '9' && strchr(a, '@') == NULL &&
	    (pid = strtoll(a, &end, 10)) > 0 && *end == '\0')
		return pid;
	sb_init(&v);
	kind = strchr(a, '@') != NULL ? "email" : "phone";
	if ((*kind == 'e' ? norm_email(a, strlen(a), &v) :
	    norm_phone(a, strlen(a), NULL, &v)) != NORM_OK) {
		sb_release(&v);
		sb_reset(why);
		sb_addf(why, "%s: not a profile id, an email or an "
		    "international phone", quote_value(a, strlen(a)));
		return -1;
	}
	st = db_prepare(db, "SELECT min(m.profile), count(DISTINCT "
	    "m.profile) FROM ident i JOIN member m ON m.record = i.record "
	    "WHERE i.kind = ? AND i.value = ?", why);
	if (st == NULL) {
		sb_release(&v);
		return -1;
	}
	sqlite3_bind_text(st, 1, kind, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, v.buf, (int)v.len, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW) {
		pid = sqlite3_column_int64(st, 0);
		n = sqlite3_column_int64(st, 1);
	}
	sqlite3_finalize(st);
	sb_reset(why);
	if (n == 0)
		sb_addf(why, "no profile with %s %s", kind,
		    quote_value(v.buf, v.len));
	else if (n > 1)
		sb_addf(why, "%s %s is in %lld profiles: give a "
		    "profile id", kind, quote_value(v.buf, v.len), n);
	sb_release(&v);
	return n == 1 ? pid : -1;
}

