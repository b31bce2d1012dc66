/*
 * export_files.c - erasure in the files cdp-export -o wrote; see
 * export_files.h.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/hash.h"
#include "privacy/export_files.h"
#include "privacy/kept_files.h"

/* The SHA-256 of the regular file path, in hex; 0, or -1. */
static int
file_digest(const char *path, char hex[2 * HASH_LEN + 1])
{
	struct hash h;
	uint8_t d[HASH_LEN];
	char buf[1 << 16];
	ssize_t n;
	int fd;

	if ((fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK |
	    O_CLOEXEC)) == -1)
		return -1;
	hash_init(&h);
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		hash_add(&h, buf, (size_t)n);
	close(fd);
	if (n == -1)
		return -1;
	hash_final(&h, d);
	hash_hex(d, HASH_LEN, hex);
	return 0;
}

/* Whether path is in folder dir or below it. */
static int
under(const char *path, const char *dir)
{
	size_t n = strlen(dir);

	while (n > 1 && dir[n - 1] == '/')
		n--;
	return n > 0 && strncmp(path, dir, n) == 0 && path[n] == '/';
}

/* Whether the file and its folder (for the rename) can be written. */
static int
writable(const char *path)
{
	char dir[PATH_MAX], *slash;

	if (access(path, W_OK) == -1)
		return 0;
	snprintf(dir, sizeof(dir), "%s", path);
	if ((slash = strrchr(dir, '/')) == NULL)
		return access(".", W_OK) == 0;
	if (slash == dir)
		slash[1] = '\0';
	else
		*slash = '\0';
	return access(dir, W_OK) == 0;
}

long
priv_export_files(sqlite3 *db, struct ptok *t, const char *included,
    const char *skipdir, int dry, xfile_report *rep, void *arg, long *left,
    struct sbuf *why)
{
	sqlite3_stmt *st = NULL, *upd = NULL;
	struct sbuf sql, err;
	struct stat sb;
	char real[PATH_MAX], skip[PATH_MAX], hex[2 * HASH_LEN + 1];
	const char *path, *logged;
	long long id;
	long n = 0, removed;
	int inc, deleted, haveskip = 0, rc;

	*left = 0;
	if (skipdir != NULL && realpath(skipdir, skip) != NULL)
		haveskip = 1;
	sb_init(&sql);
	sb_init(&err);
	/* Each path once, with the last complete export to it. */
	sb_addf(&sql, "WITH l AS (SELECT path, max(id) AS id FROM export_log "
	    "WHERE path IS NOT NULL AND complete GROUP BY path) "
	    "SELECT l.path, l.id, e.sha256, l.path IN (SELECT path FROM "
	    "export_log WHERE path IS NOT NULL AND id IN (%s)) FROM l JOIN "
	    "export_log e ON e.id = l.id ORDER BY l.path", included);
	if (sqlite3_prepare_v2(db, sql.buf, -1, &st, NULL) != SQLITE_OK ||
	    (!dry && sqlite3_prepare_v2(db, "UPDATE export_log SET sha256 = ? "
	    "WHERE id = ?", -1, &upd, NULL) != SQLITE_OK)) {
		sb_addf(why, "export_log: %s", sqlite3_errmsg(db));
		n = -1;
		goto out;
	}
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		path = (const char *)sqlite3_column_text(st, 0);
		id = sqlite3_column_int64(st, 1);
		logged = (const char *)sqlite3_column_text(st, 2);
		inc = sqlite3_column_int(st, 3);
		if (haveskip && under(path, skip))
			continue;
		/* A link is followed to its target (the digest vouches). */
		if (lstat(path, &sb) == -1 || realpath(path, real) == NULL ||
		    stat(real, &sb) == -1) {
			if (errno == ENOENT || errno == ENOTDIR) {
				if (inc)
					rep(arg, path, XF_MISSING, 0, id);
			} else if (inc) {
				rep(arg, path, XF_UNREADABLE, 0, id);
				(*left)++;
			}
			continue;
		}
		if (haveskip && under(real, skip))
			continue;
		if (!S_ISREG(sb.st_mode)) {
			if (inc)
				rep(arg, path, XF_NOT_REGULAR, 0, id);
			continue;
		}
		sb_reset(&err);
		if (kept_scrub_file(t, NULL, real, 1, &removed, &deleted,
		    &err) == -1) {
			if (inc) {
				rep(arg, path, XF_UNREADABLE, 0, id);
				(*left)++;
			}
			continue;
		}
		if (removed == 0)
			continue;
		if (logged == NULL || file_digest(real, hex) == -1 ||
		    strcmp(hex, logged) != 0) {
			rep(arg, path, XF_CHANGED, removed, id);
			(*left)++;
			continue;
		}
		if (!writable(real)) {
			rep(arg, path, XF_NOT_WRITABLE, removed, id);
			(*left)++;
			continue;
		}
		if (dry) {
			rep(arg, path, XF_HOLDS, removed, id);
			n++;
			continue;
		}
		sb_reset(&err);
		if (kept_scrub_file(t, NULL, real, 0, &removed, &deleted,
		    &err) == -1) {
			rep(arg, path, XF_UNREADABLE, removed, id);
			(*left)++;
			continue;
		}
		n++;
		if (!deleted && file_digest(real, hex) == 0) {
			sqlite3_bind_text(upd, 1, hex, -1, SQLITE_STATIC);
			sqlite3_bind_int64(upd, 2, id);
			if (sqlite3_step(upd) != SQLITE_DONE) {
				sb_addf(why, "export_log: %s",
				    sqlite3_errmsg(db));
				n = -1;
				goto out;
			}
			sqlite3_reset(upd);
		}
		rep(arg, path, deleted ? XF_DELETED : XF_REWRITTEN, removed,
		    id);
	}
	if (rc != SQLITE_DONE) {
		sb_addf(why, "export_log: %s", sqlite3_errmsg(db));
		n = -1;
	}
out:
	sqlite3_finalize(st);
	sqlite3_finalize(upd);
	sb_release(&sql);
	sb_release(&err);
	return n;
}

int
priv_export_redigest(sqlite3 *db, const char *path, struct sbuf *why)
{
	sqlite3_stmt *st;
	char real[PATH_MAX], hex[2 * HASH_LEN + 1];

	if (realpath(path, real) == NULL || file_digest(real, hex) == -1) {
		sb_addf(why, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (sqlite3_prepare_v2(db, "UPDATE export_log SET sha256 = ?1 WHERE "
	    "id = (SELECT max(id) FROM export_log WHERE complete AND path IN "
	    "(?2, ?3))", -1, &st, NULL) != SQLITE_OK) {
		sb_addf(why, "export_log: %s", sqlite3_errmsg(db));
		return -1;
	}
	sqlite3_bind_text(st, 1, hex, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, path, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, real, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_DONE) {
		sb_addf(why, "export_log: %s", sqlite3_errmsg(db));
		sqlite3_finalize(st);
		return -1;
	}
	sqlite3_finalize(st);
	return 0;
}

int
priv_export_touched(sqlite3 *db, const char *path, struct sbuf *why)
{
	sqlite3_stmt *st;
	char real[PATH_MAX], dir[PATH_MAX], *slash, *abs = NULL;
	const char *base = path;

	if (sqlite3_exec(db, "CREATE TEMP TABLE IF NOT EXISTS s_touched "
	    "(path TEXT PRIMARY KEY)", NULL, NULL, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(db, "INSERT OR IGNORE INTO s_touched VALUES (?)",
	    -1, &st, NULL) != SQLITE_OK) {
		sb_addf(why, "%s", sqlite3_errmsg(db));
		return -1;
	}
	snprintf(dir, sizeof(dir), "%s", path);
	if ((slash = strrchr(dir, '/')) != NULL) {
		base = path + (slash - dir) + 1;
		if (slash == dir)
			slash[1] = '\0';
		else
			*slash = '\0';
	}
	if (realpath(slash != NULL ? dir : ".", real) != NULL) {
		abs = xmalloc(strlen(real) + strlen(base) + 2);
		sprintf(abs, "%s/%s", strcmp(real, "/") == 0 ? "" : real, base);
	}
	sqlite3_bind_text(st, 1, path, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_DONE)
		goto fail;
	sqlite3_reset(st);
	if (abs != NULL) {
		sqlite3_bind_text(st, 1, abs, -1, SQLITE_STATIC);
		if (sqlite3_step(st) != SQLITE_DONE)
			goto fail;
	}
	sqlite3_finalize(st);
	free(abs);
	return 0;
fail:
	sb_addf(why, "%s", sqlite3_errmsg(db));
	sqlite3_finalize(st);
	free(abs);
	return -1;
}
