/*
 * kept_files.c - erasure in the files cdp-run keeps; see kept_files.h.
 */
#include <errno.h>
#include <fcntl.h>
#include <fts.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "privacy/kept_files.h"

static void
set(char **dst, const char *v)
{
	free(*dst);
	*dst = xstrdup(v);
}

int
kept_dirs_read(struct kept_dirs *d, const char *conf, struct sbuf *why)
{
	FILE *f;
	char *line = NULL, *p, *key, *val, *e;
	size_t cap = 0;

	d->spool = xstrdup("./spool");
	d->log = xstrdup("./log");
	d->exports = xstrdup("./exports");
	if ((f = fopen(conf, "r")) == NULL) {
		sb_addf(why, "%s: %s", conf, strerror(errno));
		return -1;
	}
	while (getline(&line, &cap, f) != -1) {
		p = line + strspn(line, " \t");
		if (*p == '#' || *p == '\n' || *p == '\0')
			continue;
		key = p;
		p += strcspn(p, " \t\n");
		if (*p == '\0')
			continue;
		*p++ = '\0';
		val = p + strspn(p, " \t");
		e = val + strlen(val);
		while (e > val && strchr(" \t\r\n", e[-1]) != NULL)
			*--e = '\0';
		if (strcmp(key, "spool") == 0)
			set(&d->spool, val);
		else if (strcmp(key, "log") == 0)
			set(&d->log, val);
		else if (strcmp(key, "exports") == 0)
			set(&d->exports, val);
	}
	free(line);
	if (ferror(f)) {
		sb_addf(why, "%s: read error", conf);
		fclose(f);
		return -1;
	}
	fclose(f);
	return 0;
}

void
kept_dirs_release(struct kept_dirs *d)
{
	free(d->spool);
	free(d->log);
	free(d->exports);
	memset(d, 0, sizeof(*d));
}

/* Rewrite one file without its lines that hold a token. */
static int
scrub_file(const struct ptok *t, const char *path, int dry, long *removed,
    int *deleted, struct sbuf *why)
{
	FILE *in, *out = NULL;
	char *line = NULL, *tmp = NULL;
	size_t cap = 0;
	ssize_t n;
	long kept = 0;
	int fd, rc = -1;

	*removed = 0;
	*deleted = 0;
	if ((in = fopen(path, "r")) == NULL) {
		sb_addf(why, "%s: %s", path, strerror(errno));
		return -1;
	}
	/* A first pass finds whether the file holds the person at all. */
	while ((n = getline(&line, &cap, in)) != -1)
		if (ptok_match(t, line, (size_t)n))
			(*removed)++;
	if (ferror(in)) {
		sb_addf(why, "%s: read error", path);
		goto out;
	}
	if (*removed == 0 || dry) {
		rc = 0;
		goto out;
	}
	rewind(in);
	tmp = xmalloc(strlen(path) + 16);
	sprintf(tmp, "%s.XXXXXX", path);
	if ((fd = mkstemp(tmp)) == -1 || fchmod(fd, 0600) == -1 ||
	    (out = fdopen(fd, "w")) == NULL) {
		sb_addf(why, "%s: %s", tmp, strerror(errno));
		goto out;
	}
	while ((n = getline(&line, &cap, in)) != -1) {
		if (ptok_match(t, line, (size_t)n))
			continue;
		kept++;
		if (fwrite(line, 1, (size_t)n, out) != (size_t)n)
			break;
	}
	if (ferror(in) || fflush(out) == EOF || ferror(out) ||
	    fsync(fileno(out)) == -1) {
		sb_addf(why, "%s: %s", tmp, strerror(errno ? errno : EIO));
		goto out;
	}
	if (kept == 0) {
		if (unlink(path) == -1) {
			sb_addf(why, "%s: %s", path, strerror(errno));
			goto out;
		}
		*deleted = 1;
	} else if (rename(tmp, path) == -1) {
		sb_addf(why, "%s: %s", path, strerror(errno));
		goto out;
	}
	rc = 0;
out:
	if (out != NULL)
		fclose(out);
	if (tmp != NULL && (rc == -1 || *deleted))
		unlink(tmp);
	free(tmp);
	free(line);
	fclose(in);
	return rc;
}

/* Files in name order, so that the report reads the same every time. */
static int
by_name(const FTSENT **a, const FTSENT **b)
{
	return strcmp((*a)->fts_name, (*b)->fts_name);
}

long
kept_scrub(const struct ptok *t, const char *dir, int dry, kept_report *rep,
    void *arg, struct sbuf *why)
{
	char *paths[2] = { (char *)dir, NULL };
	struct stat st;
	FTS *fts;
	FTSENT *e;
	long changed = 0, removed;
	int deleted;

	if (stat(dir, &st) == -1 && errno == ENOENT)
		return 0;
	if ((fts = fts_open(paths, FTS_PHYSICAL | FTS_NOCHDIR, by_name)) == NULL) {
		sb_addf(why, "%s: %s", dir, strerror(errno));
		return -1;
	}
	while ((e = fts_read(fts)) != NULL) {
		if (e->fts_info == FTS_DNR || e->fts_info == FTS_ERR) {
			sb_addf(why, "%s: %s", e->fts_path,
			    strerror(e->fts_errno));
			fts_close(fts);
			return -1;
		}
		if (e->fts_info != FTS_F)
			continue;
		if (scrub_file(t, e->fts_path, dry, &removed, &deleted,
		    why) == -1) {
			fts_close(fts);
			return -1;
		}
		if (removed > 0) {
			changed++;
			rep(arg, e->fts_path, removed, deleted);
		}
	}
	fts_close(fts);
	return changed;
}
