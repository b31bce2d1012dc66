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

#include "io/output_file.h"
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
	d->report = xstrdup("./report");
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
		else if (strcmp(key, "report") == 0)
			set(&d->report, val);
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
	free(d->report);
	memset(d, 0, sizeof(*d));
}

/*
 * The next record of f into rec: a line, and for CSV the lines after it
 * while a quoted field is open (an odd number of '"' so far: RFC 4180
 * doubles a quote inside a field, so the count of a whole record is
 * even).  0 at the end of the file.
 */
static int
next_record(FILE *f, int csv, char **line, size_t *cap, struct sbuf *rec)
{
	ssize_t n;
	size_t i, quotes = 0;

	sb_reset(rec);
	while ((n = getline(line, cap, f)) != -1) {
		sb_add(rec, *line, (size_t)n);
		for (i = 0; csv && i < (size_t)n; i++)
			quotes += (*line)[i] == '"';
		if (quotes % 2 == 0)
			break;
	}
	return rec->len > 0;
}

/* Whether the file is CSV: its first byte is not that of JSON. */
static int
is_csv(FILE *f)
{
	int c;

	while ((c = getc(f)) != EOF && strchr(" \t\r\n", c) != NULL)
		;
	rewind(f);
	return c != '{' && c != '[';
}

/* kept_holds of kept_scrub_file: a token of t, or of own. */
struct both {
	struct ptok *t, *own;
};

static int
holds_token(void *arg, const char *rec, size_t len)
{
	struct both *b = arg;

	return ptok_match(b->t, rec, len) || (b->own != NULL &&
	    ptok_match(b->own, rec, len));
}

int
kept_scrub_file(struct ptok *t, struct ptok *own, const char *path, int dry,
    long *removed, int *deleted, struct sbuf *why)
{
	struct both b = { t, own };

	return kept_scrub_file_by(holds_token, &b, path, dry, removed, deleted,
	    why);
}

int
kept_scrub_file_by(kept_holds *holds, void *arg, const char *path, int dry,
    long *removed, int *deleted, struct sbuf *why)
{
	FILE *in;
	char *line = NULL;
	struct ofile of;
	struct sbuf rec;
	struct stat st;
	size_t cap = 0;
	long kept = 0;
	int writing = 0, rc = -1, csv, fd;

	*removed = 0;
	*deleted = 0;
	/* Never through a link, never a FIFO or a device. */
	if ((fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK |
	    O_CLOEXEC)) == -1) {
		sb_addf(why, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode) ||
	    (in = fdopen(fd, "r")) == NULL) {
		sb_addf(why, "%s: %s", path, S_ISREG(st.st_mode) ?
		    strerror(errno) : "not a regular file");
		close(fd);
		return -1;
	}
	sb_init(&rec);
	csv = is_csv(in);
	/* A first pass finds whether the file holds the person at all. */
	while (next_record(in, csv, &line, &cap, &rec))
		if (holds(arg, rec.buf, rec.len))
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
	/* Written whole beside it, synced and renamed (io/output_file.h). */
	if (of_open(&of, path, why) == -1)
		goto out;
	writing = 1;
	while (next_record(in, csv, &line, &cap, &rec)) {
		if (holds(arg, rec.buf, rec.len))
			continue;
		kept++;
		if (fwrite(rec.buf, 1, rec.len, of.f) != rec.len)
			break;
	}
	if (ferror(in)) {
		sb_addf(why, "%s: read error", path);
		goto out;
	}
	if (kept == 0) {
		if (unlink(path) == -1) {
			sb_addf(why, "%s: %s", path, strerror(errno));
			goto out;
		}
		*deleted = 1;
		rc = 0;
		goto out;
	}
	writing = 0;
	rc = of_commit(&of, why);	/* a short write shows here */
out:
	if (writing)
		of_abort(&of);
	free(line);
	sb_release(&rec);
	fclose(in);
	return rc;
}

/* Files in name order, so that the report reads the same every time. */
static int
by_name(const FTSENT **a, const FTSENT **b)
{
	return strcmp((*a)->fts_name, (*b)->fts_name);
}

/* What kept_scrub and kept_remove do to one file; 1 changed, 0, -1. */
typedef int kept_visit(void *ctx, const char *path, struct sbuf *why);

/*
 * Each regular file under dir (a folder that does not exist holds
 * nothing), in name order, to visit: the number of files it changed,
 * or -1 with why.
 */
static long
walk(const char *dir, kept_visit *visit, void *ctx, struct sbuf *why)
{
	char *paths[2] = { (char *)dir, NULL };
	struct stat st;
	FTS *fts;
	FTSENT *e;
	long changed = 0;
	int k;

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
			changed = -1;
			break;
		}
		if (e->fts_info != FTS_F)
			continue;
		if ((k = visit(ctx, e->fts_path, why)) == -1) {
			changed = -1;
			break;
		}
		changed += k;
	}
	fts_close(fts);
	return changed;
}

/* The arguments of kept_scrub and kept_remove, for their visits. */
struct kept_ctx {
	struct ptok *t;
	kept_own *own;
	kept_mine *mine;
	int	 dry;
	kept_report *rep;
	void	*arg;
};

static int
scrub_one(void *ctx, const char *path, struct sbuf *why)
{
	struct kept_ctx *c = ctx;
	long removed;
	int deleted;

	if (kept_scrub_file(c->t, c->own != NULL ? c->own(c->arg, path) : NULL,
	    path, c->dry, &removed, &deleted, why) == -1)
		return -1;
	if (removed == 0)
		return 0;
	c->rep(c->arg, path, removed, deleted);
	return 1;
}

long
kept_scrub(struct ptok *t, kept_own *own, const char *dir, int dry,
    kept_report *rep, void *arg, struct sbuf *why)
{
	struct kept_ctx c = { t, own, NULL, dry, rep, arg };

	return walk(dir, scrub_one, &c, why);
}

static int
remove_one(void *ctx, const char *path, struct sbuf *why)
{
	struct kept_ctx *c = ctx;
	long holding;
	int deleted;

	if (c->mine == NULL || !c->mine(c->arg, path)) {
		/* A dry scrub counts the lines that hold them. */
		if (kept_scrub_file(c->t, NULL, path, 1, &holding, &deleted,
		    why) == -1)
			return -1;
		if (holding == 0)
			return 0;
	}
	if (!c->dry && unlink(path) == -1) {
		sb_addf(why, "%s: %s", path, strerror(errno));
		return -1;
	}
	c->rep(c->arg, path, -1, 1);
	return 1;
}

long
kept_remove(struct ptok *t, kept_mine *mine, const char *dir, int dry,
    kept_report *rep, void *arg, struct sbuf *why)
{
	struct kept_ctx c = { t, NULL, mine, dry, rep, arg };

	return walk(dir, remove_one, &c, why);
}
