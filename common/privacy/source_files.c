/*
 * source_files.c - the files cdp-run keeps for one source; see
 * source_files.h.
 */
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "privacy/source_files.h"

/* The regular files of SPOOL/SOURCE/sub, each given to fn, deleted with del. */
static long
files_of(const char *spool, const char *source, const char *sub, int del,
    void (*fn)(void *, const char *), void *arg, struct sbuf *why)
{
	struct sbuf dir, path;
	struct dirent *e;
	struct stat st;
	DIR *d;
	long n = 0;

	if (strchr(source, '/') != NULL || strcmp(source, ".") == 0 ||
	    strcmp(source, "..") == 0 || *source == '\0') {
		sb_addf(why, "source %s is no folder name", source);
		return -1;
	}
	sb_init(&dir);
	sb_init(&path);
	sb_addf(&dir, "%s/%s/%s", spool, source, sub);
	if ((d = opendir(dir.buf)) == NULL) {
		if (errno == ENOENT) {
			sb_release(&dir);
			sb_release(&path);
			return 0;
		}
		sb_addf(why, "%s: %s", dir.buf, strerror(errno));
		n = -1;
		goto out;
	}
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.' && (e->d_name[1] == '\0' ||
		    (e->d_name[1] == '.' && e->d_name[2] == '\0')))
			continue;
		sb_reset(&path);
		sb_addf(&path, "%s/%s", dir.buf, e->d_name);
		if (lstat(path.buf, &st) == -1 || !S_ISREG(st.st_mode))
			continue;
		if (fn != NULL)
			fn(arg, path.buf);
		if (del && unlink(path.buf) == -1) {
			sb_addf(why, "%s: %s", path.buf, strerror(errno));
			n = -1;
			break;
		}
		n++;
	}
	closedir(d);
out:
	sb_release(&dir);
	sb_release(&path);
	return n;
}

long
sf_kept(const char *spool, const char *source, int del,
    void (*fn)(void *, const char *), void *arg, struct sbuf *why)
{
	long a, b;

	if ((a = files_of(spool, source, "done", del, fn, arg, why)) == -1 ||
	    (b = files_of(spool, source, "rejects", del, fn, arg, why)) == -1)
		return -1;
	return a + b;
}

long
sf_waiting(const char *spool, const char *source, struct sbuf *why)
{
	long a, b;

	if ((a = files_of(spool, source, "incoming", 0, NULL, NULL,
	    why)) == -1 ||
	    (b = files_of(spool, source, "failed", 0, NULL, NULL, why)) == -1)
		return -1;
	return a + b;
}
