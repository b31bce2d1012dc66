/*
 * run_log.c - the run log; see run_log.h.
 */
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "io/json_writer.h"
#include "store/database.h"
#include "store/run_log.h"

int
run_begin(struct run *r, sqlite3 *db, const char *tool, int argc,
    char **argv, long long source_id, struct sbuf *why)
{
	struct sbuf args;
	struct jw jw;
	sqlite3_stmt *st;
	char now[32];
	int i, rc;

	memset(r, 0, sizeof(*r));
	r->db = db;
	r->t0 = mono_now();
	r->source_id = source_id;
	sb_init(&args);
	jw_init(&jw, &args);
	jw_array_open(&jw);
	for (i = 0; i < argc; i++)
		jw_str(&jw, argv[i], strlen(argv[i]));
	jw_array_close(&jw);
	jw_release(&jw);
	now_iso(now, sizeof(now));
	st = db_prepare(db, "INSERT INTO run(tool, args, source_id, pid, "
	    "started_at) VALUES (?, ?, ?, ?, ?)", why);
	if (st == NULL) {
		sb_release(&args);
		return -1;
	}
	sqlite3_bind_text(st, 1, tool, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, args.buf, (int)args.len, SQLITE_STATIC);
	if (source_id > 0)
		sqlite3_bind_int64(st, 3, source_id);
	sqlite3_bind_int64(st, 4, (long long)getpid());
	sqlite3_bind_text(st, 5, now, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	sb_release(&args);
	if (rc != SQLITE_DONE) {
		sb_reset(why);
		sb_adds(why, sqlite3_errmsg(db));
		return -1;
	}
	r->id = sqlite3_last_insert_rowid(db);
	return 0;
}

int
run_end(struct run *r, const char *outcome, const char *message,
    struct sbuf *why)
{
	sqlite3_stmt *st;
	char now[32];
	int rc;

	if (r->id == 0)
		return 0;
	now_iso(now, sizeof(now));
	st = db_prepare(r->db, "UPDATE run SET ended_at = ?, seconds = ?, "
	    "rows_in = ?, rows_ok = ?, rows_rejected = ?, inserted = ?, "
	    "updated = ?, unchanged = ?, warnings = ?, outcome = ?, "
	    "message = ?, source_id = coalesce(?, source_id), suppressed = ? "
	    "WHERE id = ?",
	    why);
	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, now, -1, SQLITE_STATIC);
	sqlite3_bind_double(st, 2, mono_now() - r->t0);
	sqlite3_bind_int64(st, 3, r->rows_in);
	sqlite3_bind_int64(st, 4, r->rows_ok);
	sqlite3_bind_int64(st, 5, r->rejected);
	sqlite3_bind_int64(st, 6, r->inserted);
	sqlite3_bind_int64(st, 7, r->updated);
	sqlite3_bind_int64(st, 8, r->unchanged);
	sqlite3_bind_int64(st, 9, r->warnings);
	sqlite3_bind_text(st, 10, outcome, -1, SQLITE_STATIC);
	if (message != NULL)
		sqlite3_bind_text(st, 11, message, -1, SQLITE_STATIC);
	if (r->source_id > 0)
		sqlite3_bind_int64(st, 12, r->source_id);
	sqlite3_bind_int64(st, 13, r->suppressed);
	sqlite3_bind_int64(st, 14, r->id);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		sb_reset(why);
		sb_adds(why, sqlite3_errmsg(r->db));
		return -1;
	}
	/* The samples were for the rate while running. */
	if ((st = db_prepare(r->db, "DELETE FROM run_progress WHERE run = ?",
	    why)) != NULL) {
		sqlite3_bind_int64(st, 1, r->id);
		(void)sqlite3_step(st);
		sqlite3_finalize(st);
	}
	return 0;
}

static void
iso_at(char *buf, size_t len, time_t t)
{
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

int
run_progress(struct run *r, long long rows, struct sbuf *why)
{
	sqlite3_stmt *st;
	char now[32], old[32];
	time_t t = time(NULL);
	double m = mono_now();
	int rc;

	if (r->id == 0 || (r->sampled > 0 && m - r->sampled < 60))
		return 0;
	r->sampled = m;
	iso_at(now, sizeof(now), t);
	iso_at(old, sizeof(old), t - 900);
	st = db_prepare(r->db, "INSERT OR REPLACE INTO run_progress(run, at, "
	    "rows) VALUES (?1, ?2, ?3)", why);
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, r->id);
	sqlite3_bind_text(st, 2, now, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, rows);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc == SQLITE_DONE && (st = db_prepare(r->db, "DELETE FROM "
	    "run_progress WHERE run = ?1 AND at < ?2", why)) != NULL) {
		sqlite3_bind_int64(st, 1, r->id);
		sqlite3_bind_text(st, 2, old, -1, SQLITE_STATIC);
		rc = sqlite3_step(st);
		sqlite3_finalize(st);
	}
	if (rc == SQLITE_DONE && (st = db_prepare(r->db, "UPDATE run SET "
	    "rows_in = max(rows_in, ?2), rows_ok = ?2 WHERE id = ?1",
	    why)) != NULL) {
		sqlite3_bind_int64(st, 1, r->id);
		sqlite3_bind_int64(st, 2, rows);
		rc = sqlite3_step(st);
		sqlite3_finalize(st);
	}
	if (rc != SQLITE_DONE) {
		sb_reset(why);
		sb_adds(why, sqlite3_errmsg(r->db));
		return -1;
	}
	return 0;
}

static int usage_argc;
static char **usage_argv;

/* A word of the command line as logged: never a person's identifier. */
static const char *
usage_word(int i, int *operands)
{
	const char *a = usage_argv[i];

	if (strchr(a, '@') != NULL)
		return "(subject)";
	if (a[0] == '-' && a[1] != '\0')
		return a;
	/* cdp-privacy VERB SUBJECT: the verb is kept, nothing after it. */
	if ((*operands)++ > 0 && strcmp(progname, "cdp-privacy") == 0)
		return "(subject)";
	/* cdp-export profile SUBJECT: a person, by a phone or an id. */
	if (i > 1 && strcmp(usage_argv[i - 1], "profile") == 0 &&
	    strcmp(progname, "cdp-export") == 0)
		return "(subject)";
	return a;
}

static void
log_usage(const char *message)
{
	struct sbuf args, why;
	struct jw jw;
	sqlite3 *db;
	sqlite3_stmt *st;
	const char *path = NULL, *w;
	char now[32];
	int i, operands = 0;

	for (i = 1; i < usage_argc && strcmp(usage_argv[i], "--") != 0; i++)
		if (strcmp(usage_argv[i], "-d") == 0 && i + 1 < usage_argc)
			path = usage_argv[i + 1];
		else if (strncmp(usage_argv[i], "-d", 2) == 0)
			path = usage_argv[i] + 2;
	path = db_path(path);
	if (access(path, F_OK) == -1)
		return;
	sb_init(&why);
	if (db_open(path, 0, &db, &why) == -1) {
		sb_release(&why);
		return;
	}
	sb_init(&args);
	jw_init(&jw, &args);
	jw_array_open(&jw);
	for (i = 0; i < usage_argc; i++) {
		w = i == 0 ? usage_argv[0] : usage_word(i, &operands);
		jw_str(&jw, w, strlen(w));
	}
	jw_array_close(&jw);
	jw_release(&jw);
	if (strchr(message, '@') != NULL ||
	    strcmp(progname, "cdp-privacy") == 0)
		message = "usage error";
	now_iso(now, sizeof(now));
	if ((st = db_prepare(db, "INSERT INTO run(tool, args, pid, "
	    "started_at, ended_at, seconds, outcome, message) VALUES (?1, ?2, "
	    "?3, ?4, ?4, 0, 'usage', ?5)", &why)) != NULL) {
		sqlite3_bind_text(st, 1, progname, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, args.buf, (int)args.len,
		    SQLITE_STATIC);
		sqlite3_bind_int64(st, 3, (long long)getpid());
		sqlite3_bind_text(st, 4, now, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 5, message, -1, SQLITE_STATIC);
		(void)sqlite3_step(st);
		sqlite3_finalize(st);
	}
	db_close(db);
	sb_release(&args);
	sb_release(&why);
}

void
run_log_usage(int argc, char **argv)
{
	usage_argc = argc;
	usage_argv = argv;
	usage_hook = log_usage;
}

