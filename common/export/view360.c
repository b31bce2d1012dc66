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

/*
 * The identifiers of the profile's records (kind, value, source): each
 * kind is a column of record (cdp-ingest stores it in both), and the
 * ident row is probed by its key.  ident has no index on record: a
 * join from the records to it read the whole table, seconds on a store
 * of millions of records for one customer.
 */
#define IDENT_OF(k) \
	"SELECT '" k "' AS kind, r." k " AS value, r.source_id AS sid " \
	"FROM member m CROSS JOIN record r ON r.id = m.record " \
	"WHERE m.profile = p.id AND r." k " IS NOT NULL AND EXISTS (" \
	"SELECT 1 FROM ident i WHERE i.kind = '" k "' AND " \
	"i.value = r." k " AND i.record = r.id)"
#define IDENTS \
	"(" IDENT_OF("email") " UNION ALL " IDENT_OF("phone") \
	" UNION ALL " IDENT_OF("customer_id") " UNION ALL " \
	IDENT_OF("loyalty_id") " UNION ALL " IDENT_OF("anonymous_id") ")"

/*
 * The profile's consents as the profile_consent view of cdp-schema(5)
 * gives them (the latest statement per purpose, through a record, an
 * identifier or the profile id), each way led by this profile's rows:
 * through the view the filter on the profile came after its UNION and
 * window, and every consent and identifier was read.
 */
#define CONSENTS \
	"SELECT purpose, granted, ts FROM (SELECT purpose, granted, ts, " \
	"row_number() OVER (PARTITION BY purpose ORDER BY ts DESC, " \
	"id DESC) AS rn FROM (" \
	"SELECT c.id AS id, c.purpose AS purpose, c.granted AS granted, " \
	"c.ts AS ts FROM member m CROSS JOIN consent c ON " \
	"c.record = m.record WHERE m.profile = p.id " \
	"UNION SELECT c.id, c.purpose, c.granted, c.ts FROM (SELECT " \
	"DISTINCT kind, value FROM " IDENTS ") x CROSS JOIN consent c ON " \
	"c.kind = x.kind AND c.value = x.value " \
	"UNION SELECT c.id, c.purpose, c.granted, c.ts FROM consent c " \
	"WHERE c.kind = 'profile' AND CAST(c.value AS INTEGER) = p.id)) " \
	"WHERE rn = 1"

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
    IDENTS " x JOIN source s ON s.id = x.sid WHERE "
    "x.kind = d.kind AND x.value = d.value "
    "ORDER BY 1))))) FROM (SELECT DISTINCT kind, value FROM "
    IDENTS " ORDER BY 1, 2) d)), "
    "'records', json((SELECT json_group_array(json_object('source', src, "
    "'record_id', rid, 'ts', ts, 'event_type', et, 'raw', json(raw))) "
    "FROM (SELECT s.name AS src, r.record_id AS rid, r.ts AS ts, "
    "r.event_type AS et, " RAWJSON("r.raw") " AS raw FROM member m "
    "JOIN record r ON r.id = m.record JOIN source s ON s.id = r.source_id "
    "WHERE m.profile = p.id ORDER BY s.name, r.record_id))), "
    /* score is keyed by name first: its names are found by one seek
     * each (the recursion), then the profile's value of each by one */
    "'scores', json((SELECT json_group_object(name, value) FROM (WITH "
    "RECURSIVE d(name) AS (SELECT min(name) FROM score UNION ALL SELECT "
    "(SELECT min(name) FROM score WHERE name > d.name) FROM d WHERE "
    "d.name IS NOT NULL) SELECT d.name AS name, s.value AS value FROM d "
    "CROSS JOIN score s ON s.name = d.name AND s.profile = p.id "
    "ORDER BY d.name))), "
    "'segments', json((SELECT json_group_array(name) FROM (SELECT s.name AS "
    "name FROM segment_member x JOIN segment s ON s.id = x.segment WHERE "
    "x.profile = p.id ORDER BY s.name))), "
    "'consents', json((SELECT json_group_array(json_object('purpose', purpose, "
    "'granted', json(CASE granted WHEN 1 THEN 'true' ELSE 'false' END), "
    "'ts', ts)) FROM (" CONSENTS " ORDER BY purpose))), "
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
	/* Not the value: the message may reach a log (cdp-privacy(1)). */
	sb_reset(why);
	if (n == 0)
		sb_addf(why, "no profile with this %s", kind);
	else if (n > 1)
		sb_addf(why, "this %s is in %lld profiles: give a "
		    "profile id", kind, n);
	sb_release(&v);
	return n == 1 ? pid : -1;
}

