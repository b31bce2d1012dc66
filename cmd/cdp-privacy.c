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
#include "merge/source_delete.h"
#include "normalise/field_map.h"
#include "normalise/normalise.h"
#include "privacy/access.h"
#include "privacy/export_files.h"
#include "privacy/kept_files.h"
#include "privacy/person_tokens.h"
#include "privacy/suppression.h"
#include "store/database.h"
#include "store/run_log.h"

static sqlite3 *db;
static struct sbuf why;
static const char *country;	/* -c: default country of a phone subject */
static const char *runconf;	/* -r: cdp-run's configuration */
static int text;		/* access -t: the readable form */

static void __attribute__((noreturn))
usage(void)
{
	fprintf(cli_usage_out(),
	    "usage: %s [-q] [-c COUNTRY] [-d DB] access SUBJECT "
	    "[-t]\n"
	    "       %s [-q] [-c COUNTRY] [-d DB] [-r CONF] erase SUBJECT [-n]\n"
	    "       %s [-q] [-d DB] [-r CONF] retain PERIOD [-f] "
	    "[--as-of DATE]\n"
	    "       %s [-q] [-c COUNTRY] [-d DB] unsuppress SUBJECT\n"
	    "       %s [-q] [-c COUNTRY] [-d DB] scrub FILE ...\n"
	    "       %s [-q] [-c COUNTRY] [-d DB] consent SUBJECT PURPOSE "
	    "granted|denied\n"
	    "       %s [-q] [-c COUNTRY] [-d DB] consents SUBJECT\n",
	    progname, progname, progname, progname, progname, progname,
	    progname);
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

	sb_reset(&sj->value);	/* initialised by main */
	sj->source_id = 0;
	sj->record_id = NULL;
	/* No profile id begins with 0: 0788776655 is a national phone. */
	if (all_digits(arg) && arg[0] != '0') {
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

/* The identifiers that are suppressed when the person's alone. */
#define ERASE_KINDS \
	"('email', 'phone', 'customer_id', 'loyalty_id', 'anonymous_id')"

/*
 * A record identity resolution never tied to the person (a phone-only
 * ticket of the service desk) is theirs all the same when every
 * identifier it holds, and every identifier and name of the records of
 * its profile, is one of the person's, and no one else holds any of
 * them.  Such records (and their profiles) join s_rec and s_prof.  A
 * record with an identifier, a name or a birth date the person has not
 * (a household member's record holding the landline) stays and makes
 * the identifier shared, and a record holding a shared identifier (a
 * ticket with the landline alone) stays too.  The number of records
 * added.
 */
static long long
unlinked_records(const struct subject *sj)
{
	sqlite3_stmt *st;
	long long n = 0;

	exec_or_die("CREATE TEMP TABLE s_own (kind TEXT, value TEXT, "
	    "PRIMARY KEY (kind, value));"
	    "CREATE TEMP TABLE s_unit (unit INTEGER, record INTEGER, "
	    "PRIMARY KEY (unit, record));"
	    "INSERT OR IGNORE INTO s_own SELECT kind, value FROM ident "
	    "WHERE record IN (SELECT id FROM s_rec) AND kind IN "
	    ERASE_KINDS ";");
	if (strcmp(sj->kind, "email") == 0 || strcmp(sj->kind, "phone") == 0) {
		st = prep("INSERT OR IGNORE INTO s_own VALUES (?, ?)");
		sqlite3_bind_text(st, 1, sj->kind, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, sj->value.buf, -1, SQLITE_STATIC);
		done(st);
	}
	/* A unit is a profile, or a record of none (its id negated). */
	exec_or_die("INSERT OR IGNORE INTO s_unit SELECT coalesce(m.profile, "
	    "-o.record), o.record FROM ident o LEFT JOIN member m ON "
	    "m.record = o.record WHERE (o.kind, o.value) IN (SELECT kind, "
	    "value FROM s_own) AND o.record NOT IN (SELECT id FROM s_rec);"
	    "INSERT OR IGNORE INTO s_unit SELECT u.unit, m.record FROM s_unit "
	    "u JOIN member m ON m.profile = u.unit;"
	    "DELETE FROM s_unit WHERE unit IN (SELECT u.unit FROM s_unit u "
	    "JOIN ident i ON i.record = u.record WHERE i.kind IN " ERASE_KINDS
	    " AND (i.kind, i.value) NOT IN (SELECT kind, value FROM s_own) "
	    "UNION SELECT u.unit FROM s_unit u JOIN record r ON "
	    "r.id = u.record WHERE u.record IN (SELECT id FROM s_rec) OR "
	    "(r.first_name_key IS NOT NULL AND r.first_name_key NOT IN "
	    "(SELECT first_name_key FROM record WHERE id IN (SELECT id FROM "
	    "s_rec) AND first_name_key IS NOT NULL)) OR "
	    "(r.last_name_key IS NOT NULL AND r.last_name_key NOT IN "
	    "(SELECT last_name_key FROM record WHERE id IN (SELECT id FROM "
	    "s_rec) AND last_name_key IS NOT NULL)) OR "
	    "(r.full_name_key IS NOT NULL AND r.full_name_key NOT IN "
	    "(SELECT full_name_key FROM record WHERE id IN (SELECT id FROM "
	    "s_rec) AND full_name_key IS NOT NULL)) OR "
	    "(r.birth_date IS NOT NULL AND r.birth_date NOT IN "
	    "(SELECT birth_date FROM record WHERE id IN (SELECT id FROM "
	    "s_rec) AND birth_date IS NOT NULL)));");
	/*
	 * Nor one that holds an identifier someone else holds too (the
	 * landline of a ticket with no name): until none is left.
	 */
	st = prep("DELETE FROM s_unit WHERE unit IN (SELECT u.unit FROM "
	    "s_unit u JOIN ident i ON i.record = u.record JOIN ident o ON "
	    "o.kind = i.kind AND o.value = i.value WHERE i.kind IN "
	    ERASE_KINDS " AND o.record NOT IN (SELECT id FROM s_rec) AND "
	    "o.record NOT IN (SELECT record FROM s_unit))");
	do {
		if (sqlite3_step(st) != SQLITE_DONE)
			die(EXIT_FAIL, "%s", sqlite3_errmsg(db));
		sqlite3_reset(st);
	} while (sqlite3_changes(db) > 0);
	sqlite3_finalize(st);
	st = prep("SELECT count(DISTINCT record) FROM s_unit");
	if (sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	exec_or_die("INSERT OR IGNORE INTO s_rec SELECT record FROM s_unit;"
	    "INSERT OR IGNORE INTO s_prof SELECT unit FROM s_unit "
	    "WHERE unit > 0;");
	return n;
}

/*
 * The person's identifiers (temp table s_ident) are those of their
 * records that no other record holds: only they are suppressed and
 * searched for in logs, rejects and files.  One that other profiles
 * hold too (a household landline, a family email) is kept (s_shared):
 * suppressing it would refuse the others' records.
 */
static void
person_idents(const struct subject *sj)
{
	sqlite3_stmt *st;

	exec_or_die("CREATE TEMP TABLE s_ident (kind TEXT, value TEXT, "
	    "PRIMARY KEY (kind, value));"
	    "CREATE TEMP TABLE s_shared (kind TEXT, value TEXT, n INTEGER, "
	    "PRIMARY KEY (kind, value));"
	    "CREATE TEMP TABLE s_exit (segment INTEGER, profile INTEGER);");
	exec_or_die("INSERT OR IGNORE INTO s_shared SELECT i.kind, i.value, "
	    "(SELECT count(DISTINCT coalesce(m.profile, -o.record)) FROM "
	    "ident o LEFT JOIN member m ON m.record = o.record WHERE "
	    "o.kind = i.kind AND o.value = i.value AND o.record NOT IN "
	    "(SELECT id FROM s_rec)) FROM ident i WHERE i.record IN "
	    "(SELECT id FROM s_rec) AND i.kind IN " ERASE_KINDS ";"
	    "DELETE FROM s_shared WHERE n = 0;"
	    "INSERT OR IGNORE INTO s_ident SELECT kind, value FROM ident "
	    "WHERE record IN (SELECT id FROM s_rec) AND kind IN " ERASE_KINDS
	    " AND (kind, value) NOT IN (SELECT kind, value FROM s_shared);");
	if (sj == NULL || (strcmp(sj->kind, "email") != 0 &&
	    strcmp(sj->kind, "phone") != 0))
		return;
	st = prep("INSERT OR IGNORE INTO s_ident SELECT ?1, ?2 WHERE NOT "
	    "EXISTS (SELECT 1 FROM s_shared WHERE kind = ?1 AND value = ?2)");
	sqlite3_bind_text(st, 1, sj->kind, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, sj->value.buf, -1, SQLITE_STATIC);
	done(st);
}

/*
 * Every form of the person's identifiers: as stored, as the sources
 * wrote them (the leaves of the records' raw JSON), as exports hashed
 * them, and the records' keys (source:record_id) that logs name.
 */
static void
person_tokens(struct ptok *t)
{
	sqlite3_stmt *st;

	st = prep("SELECT kind, value FROM s_ident ORDER BY kind, value");
	while (sqlite3_step(st) == SQLITE_ROW)
		ptok_add_ident(t, (const char *)sqlite3_column_text(st, 0),
		    (const char *)sqlite3_column_text(st, 1));
	sqlite3_finalize(st);
	/*
	 * A value with an '@' is the person's email even when it was not
	 * valid (and so never became an identifier): a warning quoting it
	 * may be in a log.  Unless it is a shared one.
	 */
	st = prep("SELECT DISTINCT j.value, instr(j.value, '@') > 0 AND "
	    "instr(trim(j.value), ' ') = 0 AND lower(trim(j.value)) NOT IN "
	    "(SELECT value FROM s_shared WHERE kind = 'email') FROM record r, "
	    "json_tree(CASE WHEN json_valid(r.raw) THEN r.raw ELSE '{}' END) "
	    "j WHERE r.id IN (SELECT id FROM s_rec) AND j.type = 'text'");
	while (sqlite3_step(st) == SQLITE_ROW) {
		if (sqlite3_column_int(st, 1))
			ptok_add(t, (const char *)sqlite3_column_text(st, 0),
			    (size_t)sqlite3_column_bytes(st, 0));
		else
			ptok_add_raw(t, (const char *)sqlite3_column_text(st,
			    0), (size_t)sqlite3_column_bytes(st, 0));
	}
	sqlite3_finalize(st);
	st = prep("SELECT s.name || ':' || r.record_id FROM record r "
	    "JOIN source s ON s.id = r.source_id WHERE r.id IN "
	    "(SELECT id FROM s_rec)");
	while (sqlite3_step(st) == SQLITE_ROW)
		ptok_add(t, (const char *)sqlite3_column_text(st, 0),
		    (size_t)sqlite3_column_bytes(st, 0));
	sqlite3_finalize(st);
	if (ptok_register(db, t) == -1)
		die(EXIT_FAIL, "priv_holds: %s", sqlite3_errmsg(db));
}

/*
 * The record ids of the person's records, per source: in the source's
 * own spool folder a record is found by its id too (an anonymous store
 * ticket of theirs carries no identifier).
 */
struct src_ids {
	char	*name;		/* the source */
	struct ptok t;		/* its record ids */
};
static struct src_ids *srcs;
static size_t nsrcs;
static struct kept_dirs kdirs;

static void
source_tokens(void)
{
	sqlite3_stmt *st;
	const char *name;

	st = prep("SELECT s.name, r.record_id FROM record r JOIN source s ON "
	    "s.id = r.source_id WHERE r.id IN (SELECT id FROM s_rec) "
	    "ORDER BY s.name");
	while (sqlite3_step(st) == SQLITE_ROW) {
		name = (const char *)sqlite3_column_text(st, 0);
		if (nsrcs == 0 || strcmp(srcs[nsrcs - 1].name, name) != 0) {
			srcs = xrealloc(srcs, (nsrcs + 1) * sizeof(*srcs));
			srcs[nsrcs].name = xstrdup(name);
			ptok_init(&srcs[nsrcs++].t);
		}
		ptok_add(&srcs[nsrcs - 1].t,
		    (const char *)sqlite3_column_text(st, 1),
		    (size_t)sqlite3_column_bytes(st, 1));
	}
	sqlite3_finalize(st);
}

static void
source_tokens_release(void)
{
	size_t i;

	for (i = 0; i < nsrcs; i++) {
		free(srcs[i].name);
		ptok_release(&srcs[i].t);
	}
	free(srcs);
	srcs = NULL;
	nsrcs = 0;
}

/* kept_own: the ids of SOURCE for a file under SPOOL/SOURCE/. */
static struct ptok *
own_ids(void *arg, const char *path)
{
	size_t i, n = strlen(kdirs.spool), k;

	(void)arg;
	if (strncmp(path, kdirs.spool, n) != 0 || path[n] != '/')
		return NULL;
	path += n + 1;
	for (i = 0; i < nsrcs; i++) {
		k = strlen(srcs[i].name);
		if (strncmp(path, srcs[i].name, k) == 0 && path[k] == '/')
			return &srcs[i].t;
	}
	return NULL;
}

static void
file_changed(void *arg, const char *path, long removed, int deleted)
{
	struct sbuf err;
	int dry = *(int *)arg;

	if (deleted || (dry && removed < 0))
		printf("  %s: deleted\n", path);
	else
		printf("  %s: %ld record%s %s\n", path, removed,
		    removed == 1 ? "" : "s", dry ? "to remove" : "removed");
	/* An export rewritten: its logged digest follows. */
	sb_init(&err);
	if (!dry && (priv_export_touched(db, path, &err) == -1 ||
	    (!deleted && priv_export_redigest(db, path, &err) == -1)))
		warnx_("%s", err.buf);
	sb_release(&err);
}

/*
 * Art. 17(2): the values each destination was given on a changes
 * export's entry (export_key) stay until the exit that carries them is
 * delivered, the one notice the destination gets.  With list, print
 * them (nothing when there are none); else, after the deletes, make
 * sure every such destination gets its exit (a segment the person had
 * already left has no exit row left to export) and forget the keys of
 * exits already written.
 */
static void
pending_exits(int list, long long runid)
{
	sqlite3_stmt *st;
	int n;

	if (list) {
		st = prep("SELECT DISTINCT segment, dest FROM export_key "
		    "WHERE profile IN (SELECT id FROM s_prof) AND exited IS "
		    "NULL ORDER BY dest, segment");
		for (n = 0; sqlite3_step(st) == SQLITE_ROW; n++)
			printf("%s  segment %s  to %s\n", n > 0 ? "" :
			    "exits pending (the values each destination was "
			    "given, kept until the next changes export to "
			    "it):\n",
			    sqlite3_column_text(st, 0),
			    sqlite3_column_text(st, 1));
		sqlite3_finalize(st);
		return;
	}
	st = prep("INSERT OR IGNORE INTO segment_change(segment, run, "
	    "profile, change) SELECT s.id, ?, k.profile, 'exit' FROM "
	    "export_key k JOIN segment s ON s.name = k.segment WHERE "
	    "k.profile IN (SELECT id FROM s_prof) AND k.exited IS NULL");
	sqlite3_bind_int64(st, 1, runid);
	done(st);
	/*
	 * An exit written into a file erasure may now rewrite stays until
	 * requeue_exits has seen the files.
	 */
	st = prep("DELETE FROM export_key WHERE profile IN (SELECT id FROM "
	    "s_prof) AND exited IS NOT NULL AND exited NOT IN (SELECT id "
	    "FROM export_log WHERE path IS NOT NULL)");
	done(st);
}

/*
 * After the files: an erasure that took the person out of a file a
 * changes export delivered (an exit the destination may not have
 * collected yet, an entry) queues their exit to that destination
 * again, as run, under the values it was given, or by profile id alone
 * when those are gone.  The pairs are listed.  0 or -1.
 */
static int
requeue_exits(long long runid)
{
	static const char *const touched =
	    "CREATE TEMP TABLE IF NOT EXISTS s_touched (path TEXT PRIMARY KEY);"
	    "CREATE TEMP TABLE s_requeue AS SELECT DISTINCT "
	    "  substr(l.what, 9) AS segment, l.dest AS dest, x.profile AS "
	    "  profile FROM s_xexp x JOIN export_log l ON l.id = x.export "
	    "  WHERE l.what LIKE 'changes %' AND l.dest IS NOT NULL AND "
	    "  l.path IN (SELECT path FROM s_touched);"
	    "UPDATE export_key SET exited = NULL WHERE exited IS NOT NULL AND "
	    "  (segment, dest, profile) IN (SELECT * FROM s_requeue);"
	    "INSERT OR IGNORE INTO export_key (segment, dest, profile, keys, "
	    "  exited) SELECT segment, dest, profile, NULL, NULL FROM "
	    "  s_requeue;"
	    "DELETE FROM export_key WHERE profile IN (SELECT id FROM s_prof) "
	    "  AND exited IS NOT NULL;";
	sqlite3_stmt *st;
	int n;

	if (db_begin(db, &why) == -1 || db_exec(db, touched, &why) == -1) {
		warnx_("%s", why.buf);
		db_rollback(db);
		return -1;
	}
	st = prep("INSERT OR IGNORE INTO segment_change(segment, run, "
	    "profile, change) SELECT s.id, ?, r.profile, 'exit' FROM "
	    "s_requeue r JOIN segment s ON s.name = r.segment");
	sqlite3_bind_int64(st, 1, runid);
	done(st);
	if (db_commit(db, &why) == -1) {
		warnx_("%s", why.buf);
		return -1;
	}
	st = prep("SELECT DISTINCT segment, dest FROM s_requeue ORDER BY "
	    "dest, segment");
	for (n = 0; sqlite3_step(st) == SQLITE_ROW; n++)
		printf("%s  segment %s  to %s\n", n > 0 ? "" : "exits queued "
		    "again (a file rewritten above had delivered the person "
		    "to them):\n", sqlite3_column_text(st, 0),
		    sqlite3_column_text(st, 1));
	sqlite3_finalize(st);
	return 0;
}

/*
 * kept_mine: a customer page of cdp-report -p (customer-ID.html) is the
 * person's when ID is one of their profiles, whatever it holds.
 */
static int
own_page(void *arg, const char *path)
{
	const char *base = strrchr(path, '/'), *id;
	sqlite3_stmt *st;
	size_t n;
	int mine;

	(void)arg;
	base = base != NULL ? base + 1 : path;
	if (strncmp(base, "customer-", 9) != 0)
		return 0;
	id = base + 9;
	n = strspn(id, "0123456789");
	if (n == 0 || n > 18 || strcmp(id + n, ".html") != 0)
		return 0;
	st = prep("SELECT 1 FROM s_prof WHERE id = ?");
	sqlite3_bind_int64(st, 1, strtoll(id, NULL, 10));
	mine = sqlite3_step(st) == SQLITE_ROW;
	sqlite3_finalize(st);
	return mine;
}

/* The files cdp-run keeps, without the person; 0 or -1. */
static int
scrub_kept_files(struct ptok *t, int dry)
{
	const char *dirs[3];
	long n = 0, k;
	size_t i;
	int rc = 0;

	if (runconf == NULL)
		return 0;
	memset(&kdirs, 0, sizeof(kdirs));
	sb_reset(&why);
	if (kept_dirs_read(&kdirs, runconf, &why) == -1) {
		warnx_("%s", why.buf);
		kept_dirs_release(&kdirs);
		return -1;
	}
	/* "spool/" and "spool" name the same folder. */
	while ((k = (long)strlen(kdirs.spool)) > 1 && kdirs.spool[k - 1] == '/')
		kdirs.spool[k - 1] = '\0';
	dirs[0] = kdirs.spool;
	dirs[1] = kdirs.log;
	dirs[2] = kdirs.exports;
	printf("files %s (cdp-run's spool, log, exports and report):\n",
	    dry ? "holding the person" : "rewritten");
	for (i = 0; i < 3; i++) {
		sb_reset(&why);
		if ((k = kept_scrub(t, i == 0 ? own_ids : NULL, dirs[i], dry,
		    file_changed, &dry, &why)) == -1) {
			warnx_("%s", why.buf);
			rc = -1;
			continue;
		}
		n += k;
	}
	/* A report page is HTML, not records: it goes whole. */
	sb_reset(&why);
	if ((k = kept_remove(t, own_page, kdirs.report, dry, file_changed,
	    &dry, &why)) == -1) {
		warnx_("%s", why.buf);
		rc = -1;
	} else
		n += k;
	printf("  %-16s %ld\n", "files", n);
	kept_dirs_release(&kdirs);
	return rc;
}

/* The report of the export files, its heading when the first comes. */
struct xf_list {
	int	 shown;		/* the heading is out */
};

static void
export_file(void *arg, const char *path, enum xfile_state s, long n,
    long long export)
{
	struct xf_list *l = arg;
	const char *rs = n == 1 ? "" : "s", *hold = n == 1 ? "s" : "";
	struct sbuf err;

	sb_init(&err);
	if ((s == XF_REWRITTEN || s == XF_DELETED) &&
	    priv_export_touched(db, path, &err) == -1)
		warnx_("%s", err.buf);
	sb_release(&err);

	if (!l->shown)
		printf("export files (cdp-export -o, in export_log.path):\n");
	l->shown = 1;
	printf("  %s: ", path);
	switch (s) {
	case XF_REWRITTEN:
		printf("%ld record%s removed\n", n, rs);
		break;
	case XF_DELETED:
		printf("deleted\n");
		break;
	case XF_HOLDS:
		printf("%ld record%s to remove\n", n, rs);
		break;
	case XF_MISSING:
		printf("not found (moved or deleted): export %lld carried "
		    "the person\n", export);
		break;
	case XF_NOT_REGULAR:
		printf("not a regular file now: not read\n");
		break;
	case XF_CHANGED:
		printf("changed since export %lld: %ld record%s hold%s the "
		    "person, not rewritten\n", export, n, rs, hold);
		break;
	case XF_NOT_WRITABLE:
		printf("not writable: %ld record%s hold%s the person, not "
		    "rewritten\n", n, rs, hold);
		break;
	case XF_UNREADABLE:
		printf("could not be read or rewritten\n");
		break;
	}
}

/*
 * The files users wrote with cdp-export -o, without the person (those
 * in cdp-run's exports folder were rewritten with its kept files);
 * 0, or -1 when one still holds them or on error.
 */
static int
scrub_export_files(struct ptok *t, int dry)
{
	struct kept_dirs d;
	struct xf_list l;
	long n, left = 0;
	int rc = 0;

	memset(&d, 0, sizeof(d));
	memset(&l, 0, sizeof(l));
	sb_reset(&why);
	if (runconf != NULL && kept_dirs_read(&d, runconf, &why) == -1) {
		kept_dirs_release(&d);
		return -1;	/* said by scrub_kept_files */
	}
	sb_reset(&why);
	n = priv_export_files(db, t, "SELECT export FROM s_xexp",
	    runconf != NULL ? d.exports : NULL, dry, export_file, &l, &left,
	    &why);
	kept_dirs_release(&d);
	if (n == -1) {
		warnx_("%s", why.buf);
		return -1;
	}
	if (l.shown)
		printf("  %-16s %ld\n", "files", n);
	if (left > 0 && !dry) {
		warnx_("%ld export file%s still hold%s the person: see the list",
		    left, left == 1 ? "" : "s", left == 1 ? "s" : "");
		rc = -1;
	}
	return rc;
}

/*
 * The merge log's entries about the person: of their profiles or
 * records, naming one of their identifiers, or whose evidence (the
 * link's JSON) compares one of their records, a refusal logged under
 * another profile included.
 */
#define MERGE_LOG_PERSON \
	"profile IN (SELECT id FROM s_prof) OR other IN (SELECT id FROM " \
	"s_prof) OR record IN (SELECT id FROM s_rec) OR priv_holds(reason) " \
	"OR priv_holds(evidence) OR CASE WHEN json_valid(evidence) THEN " \
	"json_extract(evidence, '$.a.rowid') IN (SELECT id FROM s_rec) OR " \
	"json_extract(evidence, '$.b.rowid') IN (SELECT id FROM s_rec) " \
	"ELSE 0 END"

static int
erase(const struct subject *sj, int dry, long long runid)
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
		{ "merge_log", "SELECT count(*) FROM merge_log WHERE "
		    MERGE_LOG_PERSON },
		{ "score", "SELECT count(*) FROM score WHERE profile IN "
		    "(SELECT id FROM s_prof)" },
		{ "segment_member", "SELECT count(*) FROM segment_member WHERE "
		    "profile IN (SELECT id FROM s_prof)" },
		{ "reject", "SELECT count(*) FROM reject WHERE "
		    "priv_holds(raw) OR priv_holds(reason)" },
		{ "log", "SELECT (SELECT count(*) FROM run WHERE "
		    "priv_holds(args) OR priv_holds(message)) + (SELECT "
		    "count(*) FROM export_log WHERE priv_holds(what) OR "
		    "priv_holds(dest) OR priv_holds(path))" },
	};
	static const char *const deletes =
	    "INSERT INTO s_exit SELECT segment, profile FROM segment_member "
	    "  WHERE profile IN (SELECT id FROM s_prof);"
	    "DELETE FROM consent WHERE record IN (SELECT id FROM s_rec) OR "
	    "  (kind = 'profile' AND CAST(value AS INTEGER) IN "
	    "  (SELECT id FROM s_prof)) OR "
	    "  (kind, value) IN (SELECT kind, value FROM s_ident);"
	    "DELETE FROM merge_log WHERE " MERGE_LOG_PERSON ";"
	    "DELETE FROM score WHERE profile IN (SELECT id FROM s_prof);"
	    "DELETE FROM score_state WHERE profile IN (SELECT id FROM s_prof);"
	    "DELETE FROM segment_change WHERE profile IN "
	    "  (SELECT id FROM s_prof);"
	    "DELETE FROM export_item WHERE profile IN (SELECT id FROM s_prof);"
	    "DELETE FROM reject WHERE priv_holds(raw) OR priv_holds(reason);"
	    /* Logs keep what happened, not whom it was about. */
	    "UPDATE run SET args = '[\"(erased)\"]' WHERE priv_holds(args);"
	    "UPDATE run SET message = '(erased)' WHERE priv_holds(message);"
	    "UPDATE export_log SET what = substr(what, 1, instr(what || ' ', "
	    "  ' ')) || '(erased)' WHERE priv_holds(what);"
	    "DELETE FROM profile WHERE id IN (SELECT id FROM s_prof);";
	uint8_t salt[PRIV_SALT_LEN];
	sqlite3_stmt *st, *ins;
	struct ptok t;
	char hex[65], now[32];
	size_t i;
	long long nsupp = 0, unlinked = 0;
	int rc = 0;

	if (sj != NULL)
		unlinked = unlinked_records(sj);
	person_idents(sj);
	ptok_init(&t);
	person_tokens(&t);
	if (runconf != NULL)
		source_tokens();
	/* Before export_item loses them: the exports that carried them. */
	exec_or_die("CREATE TEMP TABLE s_xexp AS SELECT DISTINCT export, "
	    "profile FROM export_item WHERE profile IN (SELECT id FROM s_prof)");

	printf("%s:\n", dry ? "would erase" : "erased");
	for (i = 0; i < sizeof(counts) / sizeof(counts[0]); i++) {
		st = prep(counts[i][1]);
		if (sqlite3_step(st) == SQLITE_ROW)
			printf("  %-16s %lld\n", counts[i][0],
			    sqlite3_column_int64(st, 0));
		sqlite3_finalize(st);
	}
	if (unlinked > 0)
		printf("records not linked to the person, holding only their "
		    "identifiers (counted above): %lld\n", unlinked);
	/* Art. 17(2): who received the data and must be told. */
	st = prep("SELECT DISTINCT e.id, e.ts, CASE WHEN priv_holds(e.what) "
	    "THEN substr(e.what, 1, instr(e.what || ' ', ' ')) || '(erased)' "
	    "ELSE e.what END, CASE WHEN e.path IS NULL OR e.path = e.dest "
	    "THEN coalesce(e.dest, '-') ELSE coalesce(e.dest, '-') || "
	    "' file ' || e.path END FROM export_item x JOIN export_log e ON "
	    "e.id = x.export "
	    "WHERE x.profile IN (SELECT id FROM s_prof) ORDER BY e.id");
	printf("exports that included the person (notify their "
	    "recipients):\n");
	while (sqlite3_step(st) == SQLITE_ROW)
		printf("  export %lld  %s  %s  to %s\n",
		    sqlite3_column_int64(st, 0), sqlite3_column_text(st, 1),
		    sqlite3_column_text(st, 2), sqlite3_column_text(st, 3));
	sqlite3_finalize(st);
	pending_exits(1, 0);
	st = prep("SELECT kind, n FROM s_shared ORDER BY kind, value");
	printf("identifiers kept, shared with other profiles (not "
	    "suppressed):\n");
	while (sqlite3_step(st) == SQLITE_ROW)
		printf("  %-16s held by %lld other profile%s\n",
		    sqlite3_column_text(st, 0), sqlite3_column_int64(st, 1),
		    sqlite3_column_int64(st, 1) == 1 ? "" : "s");
	sqlite3_finalize(st);
	if (dry) {
		rc = scrub_kept_files(&t, 1);
		if (scrub_export_files(&t, 1) == -1)
			rc = -1;
		ptok_release(&t);
		source_tokens_release();
		return rc;
	}

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
	/*
	 * The catalog's top values and min/max may hold the person too.
	 * The rows of the records (merge/source_delete.h, as cdp-catalog
	 * delete does), the segment exits of s_exit and the records go
	 * last: the logs are searched while the records are there.
	 */
	if (cat_forget_records(db, "SELECT id FROM s_rec", &why) == -1 ||
	    db_exec(db, deletes, &why) == -1 ||
	    sd_forget_records(db, &why) == -1) {
		db_rollback(db);
		die(EXIT_FAIL, "%s", why.buf);
	}
	/*
	 * Each segment the person was in sees them leave, by profile id
	 * alone: the next changes export tells every destination.
	 */
	st = prep("INSERT OR IGNORE INTO segment_change(segment, run, "
	    "profile, change) SELECT segment, ?, profile, 'exit' FROM s_exit");
	sqlite3_bind_int64(st, 1, runid);
	done(st);
	pending_exits(0, runid);
	if (db_commit(db, &why) == -1)
		die(EXIT_FAIL, "%s", why.buf);
	printf("identifiers suppressed (erased, refused from now on): %lld\n",
	    nsupp);
	rc = scrub_kept_files(&t, 0);
	if (scrub_export_files(&t, 0) == -1)
		rc = -1;
	if (requeue_exits(runid) == -1)
		rc = -1;
	/*
	 * A file named after the person (-o jean@example.fr.json): its
	 * name goes once the file has been dealt with.
	 */
	if (db_exec(db, "UPDATE export_log SET dest = '(erased)' WHERE "
	    "priv_holds(dest); UPDATE export_log SET path = NULL "
	    "WHERE priv_holds(path)", &why) == -1) {
		warnx_("export_log: %s", why.buf);
		rc = -1;
	}
	ptok_release(&t);
	source_tokens_release();
	return rc;
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

/*
 * retain: the profiles with no activity since cutoff (temp tables s_prof
 * and s_rec, as resolve fills them).  A profile's last activity is the
 * latest time stamp of its records; a record without one counts from
 * the run that last stored it.  The number of profiles.
 */
static long long
inactive(const char *period, const char *asof, struct sbuf *cutoff)
{
	char unit[8];
	sqlite3_stmt *st;
	long long n = 0;
	size_t len = strlen(period);

	if (len < 2 || len > 6 || strspn(period, "0123456789") != len - 1 ||
	    strchr("ymd", period[len - 1]) == NULL)
		die(EXIT_USAGE, "invalid period %s: a number and y, m or d "
		    "(3y, 18m, 90d)", quote_value(period, len));
	snprintf(unit, sizeof(unit), "%s", period[len - 1] == 'y' ? "years" :
	    period[len - 1] == 'm' ? "months" : "days");
	st = prep("SELECT strftime('%Y-%m-%dT%H:%M:%SZ', ?1, '-' || ?2 || "
	    "' ' || ?3)");
	sqlite3_bind_text(st, 1, asof != NULL ? asof : "now", -1,
	    SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, strtoll(period, NULL, 10));
	sqlite3_bind_text(st, 3, unit, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_ROW ||
	    sqlite3_column_type(st, 0) == SQLITE_NULL)
		die(EXIT_USAGE, "invalid --as-of %s: a date or an ISO 8601 "
		    "time", quote_value(asof, strlen(asof)));
	sb_adds(cutoff, (const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	exec_or_die("CREATE TEMP TABLE s_rec (id INTEGER PRIMARY KEY);"
	    "CREATE TEMP TABLE s_prof (id INTEGER PRIMARY KEY);");
	st = prep("INSERT INTO s_prof SELECT m.profile FROM member m "
	    "JOIN record r ON r.id = m.record LEFT JOIN run u ON u.id = r.run "
	    "GROUP BY m.profile HAVING max(coalesce(r.ts, u.started_at)) < ?");
	sqlite3_bind_text(st, 1, cutoff->buf, -1, SQLITE_STATIC);
	done(st);
	exec_or_die("INSERT OR IGNORE INTO s_rec SELECT record FROM member "
	    "WHERE profile IN (SELECT id FROM s_prof);");
	st = prep("SELECT count(*) FROM s_prof");
	if (sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return n;
}

/*
 * unsuppress: take a person's identifier off the suppression list, so
 * that their data can come in again.  The run log says so (never the
 * value).  1 when it was listed, 0 when not.
 */
static int
unsuppress(const char *arg)
{
	static const char *const kinds[] = { "customer_id", "loyalty_id",
	    "anonymous_id" };
	uint8_t salt[PRIV_SALT_LEN];
	struct subject sj;
	sqlite3_stmt *st;
	const char *kind = NULL, *value = NULL;
	char hex[65];
	size_t i, k;
	int n;

	for (i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		k = strlen(kinds[i]);
		if (strncmp(arg, kinds[i], k) == 0 && arg[k] == ':' &&
		    arg[k + 1] != '\0') {
			kind = kinds[i];
			value = arg + k + 1;
		}
	}
	sb_init(&sj.value);
	sj.record_id = NULL;
	if (kind == NULL) {
		parse_subject(arg, &sj);
		if (strcmp(sj.kind, "email") != 0 &&
		    strcmp(sj.kind, "phone") != 0)
			die(EXIT_USAGE, "unsuppress takes an email, a phone or "
			    "KIND:VALUE (customer_id, loyalty_id, anonymous_id)");
		kind = sj.kind;
		value = sj.value.buf;
	}
	if (priv_salt(db, salt, 0) != 1) {
		sb_release(&sj.value);
		free(sj.record_id);
		return 0;
	}
	priv_hash(salt, kind, value, strlen(value), hex);
	st = prep("DELETE FROM suppression WHERE kind = ? AND hash = ?");
	sqlite3_bind_text(st, 1, kind, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, hex, 64, SQLITE_STATIC);
	done(st);
	n = sqlite3_changes(db);
	if (n > 0)
		printf("unsuppressed: %s\n", kind);
	sb_release(&sj.value);
	free(sj.record_id);
	return n > 0;
}

/*
 * The time an email or phone subject was erased, when its hash is on
 * the suppression list: access says so rather than "nothing".
 */
static int
suppressed_at(const struct subject *sj, struct sbuf *when)
{
	uint8_t salt[PRIV_SALT_LEN];
	sqlite3_stmt *st;
	char hex[65];
	int found;

	if ((strcmp(sj->kind, "email") != 0 && strcmp(sj->kind, "phone") != 0) ||
	    priv_salt(db, salt, 0) != 1)
		return 0;
	priv_hash(salt, sj->kind, sj->value.buf, sj->value.len, hex);
	st = prep("SELECT erased_at FROM suppression WHERE kind = ? AND "
	    "hash = ?");
	sqlite3_bind_text(st, 1, sj->kind, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, hex, 64, SQLITE_STATIC);
	if ((found = sqlite3_step(st) == SQLITE_ROW))
		sb_adds(when, (const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	return found;
}

/* Whether the database has a suppression salt: someone was erased. */
static int
anyone_erased(void)
{
	uint8_t salt[PRIV_SALT_LEN];

	return priv_salt(db, salt, 0) == 1;
}

/* kept_holds of scrub: a record holding an erased identifier. */
struct supp_check {
	struct priv_list l;
	uint8_t	salt[PRIV_SALT_LEN];
};

static int
holds_suppressed(void *arg, const char *rec, size_t len)
{
	struct supp_check *c = arg;

	return priv_text_suppressed(&c->l, c->salt, rec, len, country);
}

/*
 * scrub: the files, rewritten without their records that hold an
 * identifier on the suppression list (cdp-run keeps a re-delivered file
 * this way).  The number of records taken out, or -1 when a file could
 * not be read or rewritten.
 */
static long long
scrub(int nfiles, char **files)
{
	struct supp_check c;
	long long total = 0;
	long removed;
	int i, deleted, rc = 0;

	if (priv_salt(db, c.salt, 0) != 1)
		return 0;	/* no one was ever erased */
	if (priv_list_load(db, &c.l) == -1)
		die(EXIT_FAIL, "suppression list: %s", sqlite3_errmsg(db));
	for (i = 0; i < nfiles; i++) {
		sb_reset(&why);
		if (kept_scrub_file_by(holds_suppressed, &c, files[i], 0,
		    &removed, &deleted, &why) == -1) {
			warnx_("%s", why.buf);
			rc = -1;
			continue;
		}
		total += removed;
		if (deleted)
			printf("%s: deleted\n", files[i]);
		else if (removed > 0)
			printf("%s: %ld record%s removed\n", files[i], removed,
			    removed == 1 ? "" : "s");
	}
	priv_list_release(&c.l);
	return rc == -1 ? -1 : total;
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
	struct sbuf cutoff, msg;
	const char *dbopt = NULL, *verb, *subject = NULL, *asof = NULL;
	const char *period = NULL;
	char **logargs;
	int ch, dry = 0, force = 0, i, rc = EXIT_OK, nargs;
	long long n = 0;

	set_progname(argv[0]);
	run_log_usage(argc, argv);
	while ((ch = getopt_long(argc, argv, "+c:d:hqr:V",
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
		case 'r':
			runconf = optarg;
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
	/* erase takes -n, retain -f and --as-of, before or after. */
	for (i = 1, nargs = 1; i < argc; i++) {
		if (strcmp(verb, "erase") == 0 && strcmp(argv[i], "-n") == 0)
			dry = 1;
		else if (strcmp(verb, "access") == 0 &&
		    strcmp(argv[i], "-t") == 0)
			text = 1;
		else if (strcmp(verb, "retain") == 0 &&
		    strcmp(argv[i], "-f") == 0)
			force = 1;
		else if (strcmp(verb, "retain") == 0 &&
		    strcmp(argv[i], "--as-of") == 0 && i + 1 < argc)
			asof = argv[++i];
		else
			argv[nargs++] = argv[i];
	}
	argc = nargs;
	if (argc < 2)
		usage();
	if (strcmp(verb, "retain") == 0) {
		if (argc != 2)
			usage();
		period = argv[1];
		dry = !force;
	} else if (strcmp(verb, "scrub") != 0)
		subject = argv[1];
	if ((strcmp(verb, "access") == 0 && argc != 2) ||
	    (strcmp(verb, "erase") == 0 && argc != 2) ||
	    (strcmp(verb, "unsuppress") == 0 && argc != 2) ||
	    (strcmp(verb, "consents") == 0 && argc != 2) ||
	    (strcmp(verb, "consent") == 0 && (argc != 4 ||
	    (strcmp(argv[3], "granted") != 0 &&
	    strcmp(argv[3], "denied") != 0))))
		usage();
	if (strcmp(verb, "access") != 0 && strcmp(verb, "erase") != 0 &&
	    strcmp(verb, "consent") != 0 && strcmp(verb, "consents") != 0 &&
	    strcmp(verb, "unsuppress") != 0 && strcmp(verb, "retain") != 0 &&
	    strcmp(verb, "scrub") != 0)
		usage();

	if (strcmp(verb, "consent") == 0 && !valid_purpose(argv[2]))
		die(EXIT_USAGE, "invalid purpose %s: lower-case letters, "
		    "digits and '_'", quote_value(argv[2], strlen(argv[2])));
	/* Before anything is erased: the kept files must be reachable. */
	if (runconf != NULL && (strcmp(verb, "erase") == 0 ||
	    strcmp(verb, "retain") == 0) && access(runconf, R_OK) == -1)
		die(EXIT_USAGE, "%s: %s", runconf, strerror(errno));
	sb_init(&why);
	sb_init(&cutoff);
	sb_init(&msg);
	sb_init(&sj.value);
	sj.record_id = NULL;
	if (db_open(db_path(dbopt), 0, &db, &why) == -1)
		die(EXIT_FAIL, "%s", why.buf);
	if (subject != NULL && strcmp(verb, "unsuppress") != 0)
		parse_subject(subject, &sj);
	/*
	 * cdp-run scrubs each file it keeps: where no one was ever erased
	 * there is nothing to read, and no run to log.
	 */
	if (strcmp(verb, "scrub") == 0 && !anyone_erased()) {
		db_close(db);
		sb_release(&why);
		sb_release(&cutoff);
		sb_release(&msg);
		sb_release(&sj.value);
		return EXIT_OK;
	}

	/* The run log never holds the subject. */
	logargs = xcalloc((size_t)argc + 6, sizeof(*logargs));
	logargs[0] = "cdp-privacy";
	for (i = 0; i < argc; i++)
		logargs[i + 1] = i == 1 && subject != NULL ? "(subject)" :
		    argv[i];
	nargs = argc + 1;
	if (strcmp(verb, "erase") == 0 && dry)
		logargs[nargs++] = "-n";
	if (force)
		logargs[nargs++] = "-f";
	if (text)
		logargs[nargs++] = "-t";
	if (asof != NULL) {
		logargs[nargs++] = "--as-of";
		logargs[nargs++] = (char *)asof;
	}
	if (run_begin(&run, db, "cdp-privacy", nargs, logargs, 0,
	    &why) == -1)
		die(EXIT_FAIL, "run log: %s", why.buf);
	free(logargs);

	/*
	 * An erasure finds the person's rows, and the exports to name, under
	 * the write lock it deletes them with: nothing ingested, merged or
	 * exported in between escapes it.
	 */
	if (!dry && (strcmp(verb, "erase") == 0 ||
	    strcmp(verb, "retain") == 0)) {
		exec_or_die("PRAGMA secure_delete = ON");
		if (db_begin(db, &why) == -1)
			die(EXIT_FAIL, "%s", why.buf);
	}
	if (strcmp(verb, "retain") == 0) {
		n = inactive(period, asof, &cutoff);
		printf("profiles with no activity since %s: %lld\n",
		    cutoff.buf, n);
		if (erase(NULL, dry, run.id) == -1)
			rc = EXIT_FAIL;
		if (!dry && truncate_wal() == -1)
			rc = EXIT_FAIL;
	} else if (strcmp(verb, "scrub") == 0) {
		if ((n = scrub(argc - 1, argv + 1)) == -1) {
			n = 0;
			rc = EXIT_FAIL;
		}
	} else if (strcmp(verb, "unsuppress") == 0) {
		if (!unsuppress(subject)) {
			warnx_("not on the suppression list");
			rc = EXIT_FAIL;
		} else
			sb_adds(&msg, "unsuppressed");
	} else if ((n = resolve(&sj)), strcmp(verb, "access") == 0) {
		/* What erase would take as theirs, access shows. */
		n += unlinked_records(&sj);
		if (n == 0 && suppressed_at(&sj, &msg))
			warnx_("nothing held about this subject but a salted "
			    "hash of this %s on the suppression list (erased "
			    "%s), kept to refuse its data if sent again",
			    sj.kind, msg.buf);
		else if (n == 0 && strcmp(sj.kind, "profile") != 0)
			warnx_("nothing held about this subject");
		sb_reset(&msg);
		sb_reset(&why);
		if (priv_access(db, sj.kind, text, stdout, &why) == -1)
			die(EXIT_FAIL, "%s", why.buf);
	} else if (strcmp(verb, "erase") == 0) {
		if (n == 0)
			warnx_("no record holds this subject");
		if (erase(&sj, dry, run.id) == -1)
			rc = EXIT_FAIL;
		if (!dry && truncate_wal() == -1)
			rc = EXIT_FAIL;
	} else if (strcmp(verb, "consent") == 0)
		set_consent(&sj, argv[2], strcmp(argv[3], "granted") == 0,
		    run.id);
	else
		list_consents(&sj);
	run.rows_ok = n;
	if (run_end(&run, rc == EXIT_OK ? "ok" : "failed", msg.len ?
	    msg.buf : NULL, &why) == -1)
		warnx_("run log: %s", why.buf);
	if (!dry && (strcmp(verb, "erase") == 0 ||
	    strcmp(verb, "retain") == 0) && rc == EXIT_OK)
		(void)truncate_wal();	/* the run row itself came after */
	sb_release(&sj.value);
	sb_release(&cutoff);
	sb_release(&msg);
	free(sj.record_id);
	db_close(db);
	sb_release(&why);
	check_stdout();
	return rc;
}
