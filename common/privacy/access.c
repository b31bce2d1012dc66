/*
 * access.c - everything held about one person (GDPR art. 15); see
 * access.h.  Each part is one query whose rows SQLite builds as JSON
 * objects (json_object), printed as a JSON array, or field by field for
 * the readable form.
 */
#include <stdio.h>
#include <string.h>

#include "core/util.h"
#include "io/json_writer.h"
#include "privacy/access.h"

/* What the parts print to, and the first failure. */
struct access {
	sqlite3	*db;
	FILE	*out;
	int	 text;		/* the readable form */
	struct sbuf *why;
	int	 failed;
};

/*
 * Print a JSON array of the rows of sql, whose single column is a JSON
 * value built by SQLite (json_object), under key.
 */
static int
json_array(struct access *a, const char *key, const char *sql)
{
	sqlite3_stmt *st = NULL, *kv = NULL;
	int n = 0, rc, text = a->text;
	FILE *out = a->out;

	if (a->failed)
		return -1;
	if (sqlite3_prepare_v2(a->db, sql, -1, &st, NULL) != SQLITE_OK ||
	    (text && sqlite3_prepare_v2(a->db, "SELECT key, CASE type "
	    "WHEN 'true' THEN 'yes' WHEN 'false' THEN 'no' ELSE value END "
	    "FROM json_each(?) WHERE type != 'null'", -1, &kv, NULL) !=
	    SQLITE_OK))
		goto fail;
	if (text)
		fprintf(out, "\n%s:\n", key);
	else
		fprintf(out, ",\"%s\":[", key);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (!text) {
			fprintf(out, "%s%s", n++ ? "," : "",
			    (const char *)sqlite3_column_text(st, 0));
			continue;
		}
		/* One entry a paragraph, one field a line. */
		sqlite3_bind_value(kv, 1, sqlite3_column_value(st, 0));
		fputs(n++ ? "\n" : "", out);
		while (sqlite3_step(kv) == SQLITE_ROW)
			fprintf(out, "  %-14s %s\n", sqlite3_column_text(kv, 0),
			    sqlite3_column_text(kv, 1));
		sqlite3_reset(kv);
	}
	if (rc != SQLITE_DONE)
		goto fail;
	sqlite3_finalize(st);
	sqlite3_finalize(kv);
	if (text && n == 0)
		fputs("  (none)\n", out);
	if (!text)
		putc(']', out);
	return 0;
fail:
	sb_adds(a->why, sqlite3_errmsg(a->db));
	sqlite3_finalize(st);
	sqlite3_finalize(kv);
	a->failed = 1;
	return -1;
}

#define RAWJSON(col) \
	"CASE WHEN json_valid(" col ") THEN json(" col ") ELSE " col " END"

int
priv_access(sqlite3 *db, const char *kind, int text, FILE *f,
    struct sbuf *why)
{
	struct access a = { db, f, text, why, 0 };
	struct sbuf out;
	struct jw jw;
	char now[32];

	now_iso(now, sizeof(now));
	if (text)
		fprintf(f, "Everything held about this %s, as of %s.\n", kind,
		    now);
	sb_init(&out);
	jw_init(&jw, &out);
	jw_map_open(&jw);
	jw_key(&jw, "subject_kind", 12);
	jw_strz(&jw, kind);
	jw_key(&jw, "generated_at", 12);
	jw_strz(&jw, now);
	jw_release(&jw);
	/* The rest is JSON built by SQLite, appended inside the object. */
	if (!text)
		fwrite(out.buf, 1, out.len, f);
	sb_release(&out);
	json_array(&a, "profiles", "SELECT json_object('id', id, 'nrecords', "
	    "nrecords, 'first_seen', first_seen, 'last_seen', last_seen, "
	    "'email', email, 'phone', phone, 'customer_id', customer_id, "
	    "'loyalty_id', loyalty_id, 'anonymous_id', anonymous_id, "
	    "'first_name', first_name, 'last_name', last_name, 'full_name', "
	    "full_name, 'birth_date', birth_date, 'gender', gender, 'street', "
	    "street, 'postal_code', postal_code, 'city', city, 'country', "
	    "country) FROM profile WHERE id IN (SELECT id FROM s_prof) "
	    "ORDER BY id");
	json_array(&a, "records", "SELECT json_object('source', s.name, "
	    "'record_id', r.record_id, 'profile', m.profile, 'email', "
	    "r.email, 'phone', r.phone, 'customer_id', r.customer_id, "
	    "'loyalty_id', r.loyalty_id, 'anonymous_id', r.anonymous_id, "
	    "'first_name', r.first_name, 'last_name', r.last_name, "
	    "'full_name', r.full_name, 'birth_date', r.birth_date, 'gender', "
	    "r.gender, 'street', r.street, 'postal_code', r.postal_code, "
	    "'city', r.city, 'country', r.country, 'event_type', "
	    "r.event_type, 'ts', r.ts, 'amount', r.amount, 'currency', "
	    "r.currency, 'first_run', r.first_run, 'run', r.run, 'raw', "
	    RAWJSON("r.raw") ") FROM record r JOIN source s ON "
	    "s.id = r.source_id LEFT JOIN member m ON m.record = r.id "
	    "WHERE r.id IN (SELECT id FROM s_rec) ORDER BY s.name, "
	    "r.record_id");
	json_array(&a, "record_history", "SELECT json_object('source', s.name, "
	    "'record_id', r.record_id, 'replaced_at', h.replaced_at, 'run', "
	    "h.run, 'raw', " RAWJSON("h.raw") ") FROM record_history h "
	    "JOIN record r ON r.id = h.record JOIN source s ON "
	    "s.id = r.source_id WHERE h.record IN (SELECT id FROM s_rec) "
	    "ORDER BY s.name, r.record_id, h.rowid");
	json_array(&a, "identifiers", "SELECT json_object('kind', i.kind, "
	    "'value', i.value, 'source', s.name, 'record_id', r.record_id) "
	    "FROM ident i JOIN record r ON r.id = i.record JOIN source s ON "
	    "s.id = r.source_id WHERE i.record IN (SELECT id FROM s_rec) "
	    "ORDER BY 1");
	json_array(&a, "consents", "SELECT json_object('purpose', c.purpose, "
	    "'granted', json(CASE c.granted WHEN 1 THEN 'true' ELSE 'false' "
	    "END), 'ts', c.ts, 'source', coalesce(s.name, 'manual')) FROM "
	    "consent c LEFT JOIN source s ON s.id = c.source_id WHERE "
	    "c.record IN (SELECT id FROM s_rec) OR (c.kind = 'profile' AND "
	    "CAST(c.value AS INTEGER) IN (SELECT id FROM s_prof)) OR "
	    "EXISTS (SELECT 1 FROM ident i WHERE i.kind = c.kind AND "
	    "i.value = c.value AND i.record IN (SELECT id FROM s_rec)) "
	    "ORDER BY c.ts, c.id");
	/* The pairs cdp-merge holds (held_link) are links marked held. */
	json_array(&a, "links", "SELECT CASE WHEN l.held THEN json_object('a', "
	    "l.a, 'b', l.b, 'rule', l.rule, 'prob', l.prob, 'weight', l.weight, "
	    "'run', l.run, 'evidence', " RAWJSON("l.evidence") ", 'held', "
	    "json('true')) ELSE json_object('a', l.a, 'b', l.b, 'rule', "
	    "l.rule, 'prob', l.prob, 'weight', l.weight, 'run', l.run, "
	    "'evidence', " RAWJSON("l.evidence") ") END FROM (SELECT a, b, "
	    "rule, prob, weight, run, evidence, 0 AS held FROM link UNION ALL "
	    "SELECT a, b, rule, prob, weight, run, evidence, 1 FROM held_link) "
	    "l WHERE l.a IN (SELECT id FROM s_rec) OR l.b IN (SELECT id FROM "
	    "s_rec) ORDER BY l.a, l.b");
	json_array(&a, "merge_history", "SELECT json_object('run', run, 'ts', ts, "
	    "'action', action, 'profile', profile, 'other', other, 'record', "
	    "record, 'reason', reason) FROM merge_log WHERE profile IN "
	    "(SELECT id FROM s_prof) OR other IN (SELECT id FROM s_prof) OR "
	    "record IN (SELECT id FROM s_rec) ORDER BY id");
	json_array(&a, "segment_history", "SELECT json_object('profile', "
	    "c.profile, 'segment', s.name, 'change', c.change, 'run', c.run, "
	    "'at', r.started_at) FROM segment_change c JOIN segment s ON "
	    "s.id = c.segment LEFT JOIN run r ON r.id = c.run WHERE "
	    "c.profile IN (SELECT id FROM s_prof) ORDER BY c.run, s.name");
	json_array(&a, "scores", "SELECT json_object('profile', profile, 'name', "
	    "name, 'value', value, 'run', run) FROM score WHERE profile IN "
	    "(SELECT id FROM s_prof) ORDER BY profile, name");
	json_array(&a, "segments", "SELECT json_object('profile', m.profile, "
	    "'segment', s.name, 'since_run', m.since_run) FROM segment_member "
	    "m JOIN segment s ON s.id = m.segment WHERE m.profile IN "
	    "(SELECT id FROM s_prof) ORDER BY m.profile, s.name");
	json_array(&a, "exports", "SELECT json_object('export', e.id, 'ts', e.ts, "
	    "'what', e.what, 'dest', e.dest, 'path', e.path, 'format', "
	    "e.format, 'profile', "
	    "x.profile) FROM export_item x JOIN export_log e ON "
	    "e.id = x.export WHERE x.profile IN (SELECT id FROM s_prof) "
	    "ORDER BY e.id, x.profile");
	if (!text)
		fputs("}\n", f);
	return a.failed ? -1 : 0;
}
