/*
 * cdp-privacy - a person's rights over their data: access (GDPR art. 15),
 * erasure (art. 17) and consent.
 *
 * A subject is an email, a phone, a profile id or a record
 * (source:record_id).  It resolves to the records that carry the
 * identifier and every record of the profiles they belong to: a
 * person's data is what identity resolution says is theirs.
 *
 * Erasure deletes in one transaction with secure_delete on (set here
 * explicitly: its default depends on how SQLite was built), so freed
 * cells and pages are overwritten with zeros, then checkpoints the WAL
 * with TRUNCATE so that no old frame keeps a copy.  The identifiers are
 * kept only as salted hashes on the suppression list
 * (privacy/suppression.h).  The subject never reaches the run log: its argument
 * is recorded as "(subject)".
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/cli.h"
#include "catalog/catalog.h"
#include "core/util.h"
#include "io/json_writer.h"
#include "normalise/field_map.h"
#include "normalise/normalise.h"
#include "privacy/suppression.h"
#include "store/database.h"
#include "store/run_log.h"

static sqlite3 *db;
static struct sbuf why;
static const char *country;	/* -c: default country of a phone subject */

static void __attribute__((noreturn))
usage(void)
{
	fprintf(cli_usage_out(),
	    "usage: %s [-q] [-c COUNTRY] [-d DB] access SUBJECT\n"
	    "       %s [-q] [-c COUNTRY] [-d DB] erase SUBJECT [-n]\n"
	    "       %s [-q] [-c COUNTRY] [-d DB] consent SUBJECT PURPOSE "
	    "granted|denied\n"
	    "       %s [-q] [-c COUNTRY] [-d DB] consents SUBJECT\n",
	    progname, progname, progname, progname);
	cli_usage_exit();
}

static void
exec_or_die(const char *sql)
{
	if (db_exec(db, sql, &why) == -1)
		die(EXIT_FAIL, "%s", why.buf);
}

static sqlite3_stmt *
prep(const char *sql)
{
	sqlite3_stmt *st = db_prepare(db, sql, &why);

	if (st == NULL)
		die(EXIT_FAIL, "%s", why.buf);
	return st;
}

/* Step a statement without results to its end. */
static void
done(sqlite3_stmt *st)
{
	if (sqlite3_step(st) != SQLITE_DONE)
		die(EXIT_FAIL, "%s", sqlite3_errmsg(db));
	sqlite3_finalize(st);
}

/* The subject, normalised: kind is email, phone, profile or record. */
struct subject {
	const char *kind;
	struct sbuf value;	/* normalised identifier, or the profile id */
	long long source_id;	/* for a record: its source */
	char	*record_id;	/* for a record */
};

static int
all_digits(const char *s)
{
	if (*s == '\0')
		return 0;
	for (; *s != '\0'; s++)
		if (*s < '0' || *s > '9')
			return 0;
	return 1;
}

static void
parse_subject(const char *arg, struct subject *sj)
{
	const char *colon;
	sqlite3_stmt *st;

	sb_init(&sj->value);
	sj->source_id = 0;
	sj->record_id = NULL;
	if (all_digits(arg)) {
		sj->kind = "profile";
		sb_adds(&sj->value, arg);
		return;
	}
	if (strchr(arg, '@') != NULL) {
		sj->kind = "email";
		if (norm_email(arg, strlen(arg), &sj->value) != NORM_OK)
			die(EXIT_USAGE, "invalid email subject");
		return;
	}
	if ((colon = strchr(arg, ':')) != NULL && colon != arg) {
		st = prep("SELECT id FROM source WHERE name = ?");
		sqlite3_bind_text(st, 1, arg, (int)(colon - arg),
		    SQLITE_STATIC);
		if (sqlite3_step(st) == SQLITE_ROW) {
			sj->kind = "record";
			sj->source_id = sqlite3_column_int64(st, 0);
			sj->record_id = xstrdup(colon + 1);
			sb_adds(&sj->value, colon + 1);
			sqlite3_finalize(st);
			return;
		}
		sqlite3_finalize(st);
	}
	sj->kind = "phone";
	if (norm_phone(arg, strlen(arg), country, &sj->value) != NORM_OK)
		die(EXIT_USAGE, "subject is not an email, a phone (with -c "
		    "for a national number), a profile id or SOURCE:RECORD_ID");
}

/*
 * Fill temp tables s_rec and s_prof with the subject's records and
 * profiles; returns the number of records.
 */
static long long
resolve(const struct subject *sj)
{
	sqlite3_stmt *st;
	long long n = 0;

	exec_or_die("CREATE TEMP TABLE s_rec (id INTEGER PRIMARY KEY);"
	    "CREATE TEMP TABLE s_prof (id INTEGER PRIMARY KEY);");
	if (strcmp(sj->kind, "profile") == 0) {
		st = prep("INSERT INTO s_prof SELECT id FROM profile "
		    "WHERE id = ?");
		sqlite3_bind_int64(st, 1, strtoll(sj->value.buf, NULL, 10));
	} else if (strcmp(sj->kind, "record") == 0) {
		st = prep("INSERT INTO s_rec SELECT id FROM record "
		    "WHERE source_id = ? AND record_id = ?");
		sqlite3_bind_int64(st, 1, sj->source_id);
		sqlite3_bind_text(st, 2, sj->record_id, -1, SQLITE_STATIC);
	} else {
		st = prep("INSERT OR IGNORE INTO s_rec SELECT record FROM ident "
		    "WHERE kind = ? AND value = ?");
		sqlite3_bind_text(st, 1, sj->kind, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, sj->value.buf, (int)sj->value.len,
		    SQLITE_STATIC);
	}
	done(st);
	exec_or_die("INSERT OR IGNORE INTO s_prof SELECT profile FROM member "
	    "WHERE record IN (SELECT id FROM s_rec);"
	    "INSERT OR IGNORE INTO s_rec SELECT record FROM member "
	    "WHERE profile IN (SELECT id FROM s_prof);");
	st = prep("SELECT count(*) FROM s_rec");
	if (sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return n;
}

/*
 * Print a JSON array of the rows of sql, whose single column is a JSON
 * value built by SQLite (json_object), under key.
 */
static void
json_array(const char *key, const char *sql, int *first)
{
	sqlite3_stmt *st = prep(sql);
	int n = 0, rc;

	printf("%s\"%s\":[", *first ? "" : ",", key);
	*first = 0;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		printf("%s%s", n++ ? "," : "",
		    (const char *)sqlite3_column_text(st, 0));
	}
	if (rc != SQLITE_DONE)
		die(EXIT_FAIL, "%s", sqlite3_errmsg(db));
	sqlite3_finalize(st);
	putchar(']');
}

#define RAWJSON(col) \
	"CASE WHEN json_valid(" col ") THEN json(" col ") ELSE " col " END"

static void
access_doc(const char *kind)
{
	struct sbuf out;
	struct jw jw;
	char now[32];
	int first = 0;

	now_iso(now, sizeof(now));
	sb_init(&out);
	jw_init(&jw, &out);
	jw_map_open(&jw);
	jw_key(&jw, "subject_kind", 12);
	jw_strz(&jw, kind);
	jw_key(&jw, "generated_at", 12);
	jw_strz(&jw, now);
	jw_release(&jw);
	/* The rest is JSON built by SQLite, appended inside the object. */
	fwrite(out.buf, 1, out.len, stdout);
	sb_release(&out);
	json_array("profiles", "SELECT json_object('id', id, 'nrecords', "
	    "nrecords, 'first_seen', first_seen, 'last_seen', last_seen, "
	    "'email', email, 'phone', phone, 'customer_id', customer_id, "
	    "'loyalty_id', loyalty_id, 'anonymous_id', anonymous_id, "
	    "'first_name', first_name, 'last_name', last_name, 'full_name', "
	    "full_name, 'birth_date', birth_date, 'gender', gender, 'street', "
	    "street, 'postal_code', postal_code, 'city', city, 'country', "
	    "country) FROM profile WHERE id IN (SELECT id FROM s_prof) "
	    "ORDER BY id", &first);
	json_array("records", "SELECT json_object('source', s.name, "
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
	    "r.record_id", &first);
	json_array("record_history", "SELECT json_object('source', s.name, "
	    "'record_id', r.record_id, 'replaced_at', h.replaced_at, 'run', "
	    "h.run, 'raw', " RAWJSON("h.raw") ") FROM record_history h "
	    "JOIN record r ON r.id = h.record JOIN source s ON "
	    "s.id = r.source_id WHERE h.record IN (SELECT id FROM s_rec) "
	    "ORDER BY s.name, r.record_id, h.rowid", &first);
	json_array("identifiers", "SELECT json_object('kind', i.kind, "
	    "'value', i.value, 'source', s.name, 'record_id', r.record_id) "
	    "FROM ident i JOIN record r ON r.id = i.record JOIN source s ON "
	    "s.id = r.source_id WHERE i.record IN (SELECT id FROM s_rec) "
	    "ORDER BY 1", &first);
	json_array("consents", "SELECT json_object('purpose', c.purpose, "
	    "'granted', json(CASE c.granted WHEN 1 THEN 'true' ELSE 'false' "
	    "END), 'ts', c.ts, 'source', coalesce(s.name, 'manual')) FROM "
	    "consent c LEFT JOIN source s ON s.id = c.source_id WHERE "
	    "c.record IN (SELECT id FROM s_rec) OR (c.kind = 'profile' AND "
	    "CAST(c.value AS INTEGER) IN (SELECT id FROM s_prof)) OR "
	    "EXISTS (SELECT 1 FROM ident i WHERE i.kind = c.kind AND "
	    "i.value = c.value AND i.record IN (SELECT id FROM s_rec)) "
	    "ORDER BY c.ts, c.id", &first);
	json_array("links", "SELECT json_object('a', l.a, 'b', l.b, 'rule', "
	    "l.rule, 'prob', l.prob, 'weight', l.weight, 'run', l.run, "
	    "'evidence', " RAWJSON("l.evidence") ") FROM link l WHERE "
	    "l.a IN (SELECT id FROM s_rec) OR l.b IN (SELECT id FROM s_rec) "
	    "ORDER BY l.a, l.b", &first);
	json_array("merge_history", "SELECT json_object('run', run, 'ts', ts, "
	    "'action', action, 'profile', profile, 'other', other, 'record', "
	    "record, 'reason', reason) FROM merge_log WHERE profile IN "
	    "(SELECT id FROM s_prof) OR other IN (SELECT id FROM s_prof) OR "
	    "record IN (SELECT id FROM s_rec) ORDER BY id", &first);
	json_array("scores", "SELECT json_object('profile', profile, 'name', "
	    "name, 'value', value, 'run', run) FROM score WHERE profile IN "
	    "(SELECT id FROM s_prof) ORDER BY profile, name", &first);
	json_array("segments", "SELECT json_object('profile', m.profile, "
	    "'segment', s.name, 'since_run', m.since_run) FROM segment_member "
	    "m JOIN segment s ON s.id = m.segment WHERE m.profile IN "
	    "(SELECT id FROM s_prof) ORDER BY m.profile, s.name", &first);
	json_array("exports", "SELECT json_object('export', e.id, 'ts', e.ts, "
	    "'what', e.what, 'dest', e.dest, 'format', e.format, 'profile', "
	    "x.profile) FROM export_item x JOIN export_log e ON "
	    "e.id = x.export WHERE x.profile IN (SELECT id FROM s_prof) "
	    "ORDER BY e.id, x.profile", &first);
	puts("}");
}

/* The identifier values to hash onto the suppression list and scrub. */
static const char *const erase_kinds =
    "('email', 'phone', 'customer_id', 'loyalty_id')";

static void
erase(const struct subject *sj, int dry)
{
	static const char *const counts[][2] = {
		{ "record", "SELECT count(*) FROM s_rec" },
		{ "profile", "SELECT count(*) FROM s_prof" },
		{ "ident", "SELECT count(*) FROM ident WHERE record IN "
		    "(SELECT id FROM s_rec)" },
		{ "record_history", "SELECT count(*) FROM record_history "
		    "WHERE record IN (SELECT id FROM s_rec)" },
		{ "consent", "SELECT count(*) FROM consent WHERE record IN "
		    "(SELECT id FROM s_rec) OR (kind = 'profile' AND "
		    "CAST(value AS INTEGER) IN (SELECT id FROM s_prof)) OR "
		    "(kind, value) IN (SELECT kind, value FROM s_ident)" },
		{ "link", "SELECT count(*) FROM link WHERE a IN (SELECT id "
		    "FROM s_rec) OR b IN (SELECT id FROM s_rec)" },
		{ "merge_log", "SELECT count(*) FROM merge_log WHERE profile IN "
		    "(SELECT id FROM s_prof) OR other IN (SELECT id FROM "
		    "s_prof) OR record IN (SELECT id FROM s_rec)" },
		{ "score", "SELECT count(*) FROM score WHERE profile IN "
		    "(SELECT id FROM s_prof)" },
		{ "segment_member", "SELECT count(*) FROM segment_member WHERE "
		    "profile IN (SELECT id FROM s_prof)" },
		{ "reject", "SELECT count(*) FROM reject WHERE EXISTS (SELECT 1 "
		    "FROM s_ident WHERE instr(reject.raw, s_ident.value) > 0)" },
	};
	static const char *const deletes =
	    "DELETE FROM consent WHERE record IN (SELECT id FROM s_rec) OR "
	    "  (kind = 'profile' AND CAST(value AS INTEGER) IN "
	    "  (SELECT id FROM s_prof)) OR "
	    "  (kind, value) IN (SELECT kind, value FROM s_ident);"
	    "DELETE FROM ident WHERE record IN (SELECT id FROM s_rec);"
	    "DELETE FROM record_history WHERE record IN (SELECT id FROM s_rec);"
	    "DELETE FROM link WHERE a IN (SELECT id FROM s_rec) OR "
	    "  b IN (SELECT id FROM s_rec);"
	    "DELETE FROM never_link WHERE a IN (SELECT id FROM s_rec) OR "
	    "  b IN (SELECT id FROM s_rec);"
	    "DELETE FROM merge_log WHERE profile IN (SELECT id FROM s_prof) OR "
	    "  other IN (SELECT id FROM s_prof) OR "
	    "  record IN (SELECT id FROM s_rec) OR EXISTS (SELECT 1 FROM "
	    "  s_ident WHERE instr(merge_log.evidence, s_ident.value) > 0);"
	    "DELETE FROM member WHERE record IN (SELECT id FROM s_rec);"
	    "DELETE FROM score WHERE profile IN (SELECT id FROM s_prof);"
	    "DELETE FROM segment_member WHERE profile IN "
	    "  (SELECT id FROM s_prof);"
	    "DELETE FROM segment_change WHERE profile IN "
	    "  (SELECT id FROM s_prof);"
	    "DELETE FROM export_item WHERE profile IN (SELECT id FROM s_prof);"
	    "DELETE FROM matchkey WHERE record IN (SELECT id FROM s_rec);"
	    "DELETE FROM matchrec WHERE record IN (SELECT id FROM s_rec);"
	    /* matchtf counts derive from the person: rebuilt without them
	     * by the next cdp-match, which a missing fingerprint forces. */
	    "DELETE FROM state WHERE key = 'matchkey';"
	    "DELETE FROM reject WHERE EXISTS (SELECT 1 FROM s_ident "
	    "  WHERE instr(reject.raw, s_ident.value) > 0);"
	    "UPDATE run SET args = '[\"(erased)\"]' WHERE EXISTS (SELECT 1 "
	    "  FROM s_ident WHERE instr(run.args, s_ident.value) > 0);"
	    "DELETE FROM record WHERE id IN (SELECT id FROM s_rec);"
	    "DELETE FROM profile WHERE id IN (SELECT id FROM s_prof);";
	uint8_t salt[PRIV_SALT_LEN];
	sqlite3_stmt *st, *ins;
	char hex[65], now[32];
	size_t i;
	long long nsupp = 0;

	/* The identifier values of the person, for hashing and scrubbing. */
	exec_or_die("CREATE TEMP TABLE s_ident (kind TEXT, value TEXT, "
	    "PRIMARY KEY (kind, value));");
	st = prep(strcmp(sj->kind, "email") == 0 ||
	    strcmp(sj->kind, "phone") == 0 ?
	    "INSERT OR IGNORE INTO s_ident VALUES (?, ?)" :
	    "SELECT 1 WHERE ?1 IS NULL AND ?2 IS NULL");
	sqlite3_bind_text(st, 1, sj->kind, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, sj->value.buf, -1, SQLITE_STATIC);
	sqlite3_step(st);
	sqlite3_finalize(st);
	exec_or_die("INSERT OR IGNORE INTO s_ident SELECT kind, value FROM "
	    "ident WHERE record IN (SELECT id FROM s_rec) AND kind IN "
	    "('email', 'phone', 'customer_id', 'loyalty_id')");

	printf("%s:\n", dry ? "would erase" : "erased");
	for (i = 0; i < sizeof(counts) / sizeof(counts[0]); i++) {
		st = prep(counts[i][1]);
		if (sqlite3_step(st) == SQLITE_ROW)
			printf("  %-16s %lld\n", counts[i][0],
			    sqlite3_column_int64(st, 0));
		sqlite3_finalize(st);
	}
	/* Art. 17(2): who received the data and must be told. */
	st = prep("SELECT DISTINCT e.id, e.ts, e.what, coalesce(e.dest, '-') "
	    "FROM export_item x JOIN export_log e ON e.id = x.export "
	    "WHERE x.profile IN (SELECT id FROM s_prof) ORDER BY e.id");
	printf("exports that included the person (notify their "
	    "recipients):\n");
	while (sqlite3_step(st) == SQLITE_ROW)
		printf("  export %lld  %s  %s  to %s\n",
		    sqlite3_column_int64(st, 0), sqlite3_column_text(st, 1),
		    sqlite3_column_text(st, 2), sqlite3_column_text(st, 3));
	sqlite3_finalize(st);
	if (dry)
		return;

	/* (In the transaction main began before resolving the subject.) */
	if (priv_salt(db, salt, 1) != 1)
		die(EXIT_FAIL, "salt: %s", sqlite3_errmsg(db));
	now_iso(now, sizeof(now));
	ins = prep("INSERT OR IGNORE INTO suppression(kind, hash, erased_at) "
	    "VALUES (?, ?, ?)");
	st = prep("SELECT kind, value FROM s_ident ORDER BY kind, value");
	while (sqlite3_step(st) == SQLITE_ROW) {
		const char *k = (const char *)sqlite3_column_text(st, 0);
		const char *v = (const char *)sqlite3_column_text(st, 1);

		priv_hash(salt, k, v, strlen(v), hex);
		sqlite3_bind_text(ins, 1, k, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(ins, 2, hex, 64, SQLITE_STATIC);
		sqlite3_bind_text(ins, 3, now, -1, SQLITE_STATIC);
		if (sqlite3_step(ins) != SQLITE_DONE)
			die(EXIT_FAIL, "%s", sqlite3_errmsg(db));
		sqlite3_reset(ins);
		nsupp++;
	}
	sqlite3_finalize(st);
	sqlite3_finalize(ins);
	/* The catalog's top values and min/max may hold the person too. */
	if (cat_forget_records(db, "SELECT id FROM s_rec", &why) == -1 ||
	    db_exec(db, deletes, &why) == -1) {
		db_rollback(db);
		die(EXIT_FAIL, "%s", why.buf);
	}
	if (db_commit(db, &why) == -1)
		die(EXIT_FAIL, "%s", why.buf);
	printf("  %-16s %lld\n", "suppressed", nsupp);
	(void)erase_kinds;
}

/*
 * Take the erased bytes out of the WAL: copy every frame into the
 * database (where secure_delete zeroed them) and truncate the WAL.
 */
static int
truncate_wal(void)
{
	int logn = -1, ckpt = -1, rc;

	rc = sqlite3_wal_checkpoint_v2(db, NULL, SQLITE_CHECKPOINT_TRUNCATE,
	    &logn, &ckpt);
	if (rc != SQLITE_OK) {
		warnx_("the WAL could not be truncated (%s): erased data "
		    "remains in it until the readers finish and a checkpoint "
		    "runs; rerun cdp-privacy erase to retry",
		    sqlite3_errmsg(db));
		return -1;
	}
	return 0;
}

static int
valid_purpose(const char *purpose)
{
	return *purpose != '\0' && strlen(purpose) <= 32 && strspn(purpose,
	    "abcdefghijklmnopqrstuvwxyz0123456789_") == strlen(purpose);
}

static void
set_consent(const struct subject *sj, const char *purpose, int granted,
    long long run)
{
	sqlite3_stmt *st;
	char now[32];

	now_iso(now, sizeof(now));
	st = prep("INSERT INTO consent(record, kind, value, purpose, granted, "
	    "ts, source_id, run) VALUES (NULL, ?, ?, ?, ?, ?, NULL, ?)");
	if (strcmp(sj->kind, "record") == 0) {
		/* A statement about a record is one about its identifiers'
		 * owner: attach it to the record's profile when it has one. */
		die(EXIT_USAGE, "consent takes an email, a phone or a profile "
		    "id");
	}
	sqlite3_bind_text(st, 1, sj->kind, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, sj->value.buf, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, purpose, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 4, granted);
	sqlite3_bind_text(st, 5, now, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 6, run);
	done(st);
}

static void
list_consents(const struct subject *sj)
{
	sqlite3_stmt *st;

	st = prep("WITH c AS ("
	    "  SELECT c.id, c.purpose, c.granted, c.ts,"
	    "         coalesce(s.name, 'manual') AS source"
	    "  FROM consent c LEFT JOIN source s ON s.id = c.source_id"
	    "  WHERE c.record IN (SELECT id FROM s_rec)"
	    "     OR (c.kind = 'profile' AND CAST(c.value AS INTEGER) IN"
	    "         (SELECT id FROM s_prof))"
	    "     OR (c.kind = ?1 AND c.value = ?2)"
	    "     OR EXISTS (SELECT 1 FROM ident i WHERE i.kind = c.kind"
	    "         AND i.value = c.value AND i.record IN"
	    "         (SELECT id FROM s_rec))),"
	    " l AS (SELECT *, row_number() OVER (PARTITION BY purpose"
	    "       ORDER BY ts DESC, id DESC) AS rn FROM c)"
	    " SELECT purpose, CASE granted WHEN 1 THEN 'granted'"
	    "   ELSE 'denied' END, ts, source FROM l WHERE rn = 1"
	    " ORDER BY purpose");
	sqlite3_bind_text(st, 1, sj->kind, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, sj->value.buf, -1, SQLITE_STATIC);
	printf("purpose,status,ts,source\n");
	while (sqlite3_step(st) == SQLITE_ROW)
		printf("%s,%s,%s,%s\n", sqlite3_column_text(st, 0),
		    sqlite3_column_text(st, 1), sqlite3_column_text(st, 2),
		    sqlite3_column_text(st, 3));
	sqlite3_finalize(st);
}

int
main(int argc, char *argv[])
{
	static const struct option longopts[] = {
		CLI_LONGOPTS,
		{ NULL, 0, NULL, 0 }
	};
	struct subject sj;
	struct run run;
	const char *dbopt = NULL, *verb, *subject;
	char **logargs;
	int ch, dry = 0, i, rc = EXIT_OK;
	long long n;

	set_progname(argv[0]);
	while ((ch = getopt_long(argc, argv, "+c:d:hqV",
	    longopts, NULL)) != -1) {
		switch (ch) {
		case 'c':
			country = optarg;
			break;
		case 'd':
			dbopt = optarg;
			break;
		case 'h':
			cli_help = 1;
			usage();
		case 'q':
			quiet = 1;
			break;
		case 'V':
			printf("cdp-privacy %s\n", CDP_VERSION);
			check_stdout();
			return 0;
		default:
			usage();
		}
	}
	argc -= optind;
	argv += optind;
	if (argc < 1)
		usage();
	verb = argv[0];
	/* erase takes -n before or after the subject. */
	if (strcmp(verb, "erase") == 0) {
		for (i = 1; i < argc; i++) {
			if (strcmp(argv[i], "-n") != 0)
				continue;
			dry = 1;
			memmove(argv + i, argv + i + 1,
			    (size_t)(argc - i) * sizeof(*argv));
			argc--;
			break;
		}
	}
	if (argc < 2)
		usage();
	subject = argv[1];
	if ((strcmp(verb, "access") == 0 && argc != 2) ||
	    (strcmp(verb, "erase") == 0 && argc != 2) ||
	    (strcmp(verb, "consents") == 0 && argc != 2) ||
	    (strcmp(verb, "consent") == 0 && (argc != 4 ||
	    (strcmp(argv[3], "granted") != 0 &&
	    strcmp(argv[3], "denied") != 0))))
		usage();
	if (strcmp(verb, "access") != 0 && strcmp(verb, "erase") != 0 &&
	    strcmp(verb, "consent") != 0 && strcmp(verb, "consents") != 0)
		usage();

	if (strcmp(verb, "consent") == 0 && !valid_purpose(argv[2]))
		die(EXIT_USAGE, "invalid purpose %s: lower-case letters, "
		    "digits and '_'", quote_value(argv[2], strlen(argv[2])));
	sb_init(&why);
	if (db_open(db_path(dbopt), 0, &db, &why) == -1)
		die(EXIT_FAIL, "%s", why.buf);
	parse_subject(subject, &sj);

	/* The run log never holds the subject. */
	logargs = xcalloc((size_t)argc + 3, sizeof(*logargs));
	logargs[0] = "cdp-privacy";
	for (i = 0; i < argc; i++)
		logargs[i + 1] = i == 1 ? "(subject)" : argv[i];
	if (dry)
		logargs[argc + 1] = "-n";
	if (run_begin(&run, db, "cdp-privacy", argc + 1 + dry, logargs, 0,
	    &why) == -1)
		die(EXIT_FAIL, "run log: %s", why.buf);
	free(logargs);

	/*
	 * An erasure finds the person's rows, and the exports to name, under
	 * the write lock it deletes them with: nothing ingested, merged or
	 * exported in between escapes it.
	 */
	if (!dry && strcmp(verb, "erase") == 0) {
		exec_or_die("PRAGMA secure_delete = ON");
		if (db_begin(db, &why) == -1)
			die(EXIT_FAIL, "%s", why.buf);
	}
	n = resolve(&sj);
	if (strcmp(verb, "access") == 0) {
		if (n == 0 && strcmp(sj.kind, "profile") != 0)
			warnx_("nothing held about this subject");
		access_doc(sj.kind);
	} else if (strcmp(verb, "erase") == 0) {
		if (n == 0)
			warnx_("no record holds this subject");
		erase(&sj, dry);
		if (!dry && truncate_wal() == -1)
			rc = EXIT_FAIL;
	} else if (strcmp(verb, "consent") == 0)
		set_consent(&sj, argv[2], strcmp(argv[3], "granted") == 0,
		    run.id);
	else
		list_consents(&sj);
	run.rows_ok = n;
	if (run_end(&run, rc == EXIT_OK ? "ok" : "failed", NULL, &why) == -1)
		warnx_("run log: %s", why.buf);
	if (!dry && strcmp(verb, "erase") == 0 && rc == EXIT_OK)
		(void)truncate_wal();	/* the run row itself came after */
	sb_release(&sj.value);
	free(sj.record_id);
	db_close(db);
	sb_release(&why);
	check_stdout();
	return rc;
}
