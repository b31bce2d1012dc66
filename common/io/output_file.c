/*
 * output_file.c - -o as other Unix tools do it; see output_file.h.
 *
 * The decision is taken on lstat, then checked again on the descriptor
 * opened (fstat): a name swapped for a link or a device in between is
 * refused, not followed.
 */
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "io/output_file.h"

static int
fail(struct sbuf *why, const char *path, const char *reason)
{
	sb_reset(why);
	sb_addf(why, "%s: %s", path, reason);
	return -1;
}

/*
 * Remove the temporaries of path left by writers killed before their
 * rename ("path.tmpPID" whose process is gone): they hold personal data.
 * A live writer's, or one whose pid was reused, is left alone.
 */
static void
remove_stale(const char *path)
{
	char *copy = xstrdup(path), *dir, *base;
	struct dirent *d;
	struct sbuf full;
	size_t bl;
	long long pid;
	const char *errstr;
	DIR *dp;

	dir = dirname(copy);
	base = strrchr(path, '/') != NULL ? strrchr(path, '/') + 1 :
	    (char *)path;
	bl = strlen(base);
	if ((dp = opendir(dir)) == NULL) {
		free(copy);
		return;
	}
	sb_init(&full);
	while ((d = readdir(dp)) != NULL) {
		if (strncmp(d->d_name, base, bl) != 0 ||
		    strncmp(d->d_name + bl, ".tmp", 4) != 0 ||
		    parse_ll(d->d_name + bl + 4, 1, INT_MAX, &pid,
		    &errstr) == -1 || (kill((pid_t)pid, 0) == 0 ||
		    errno != ESRCH))
			continue;
		sb_reset(&full);
		sb_addf(&full, "%s/%s", dir, d->d_name);
		unlink(full.buf);
	}
	closedir(dp);
	sb_release(&full);
	free(copy);
}

/* The temporary beside path: "path.tmpPID"; O_EXCL, mode 0600. */
static int
open_tmp(struct ofile *of, struct sbuf *why)
{
	size_t n = strlen(of->path) + 32;
	int fd;

	remove_stale(of->path);

	of->tmp = xmalloc(n);
	snprintf(of->tmp, n, "%s.tmp%ld", of->path, (long)getpid());
	fd = open(of->tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
	    O_CLOEXEC, 0600);
	if (fd == -1 || fchmod(fd, 0600) == -1 ||
	    (of->f = fdopen(fd, "w")) == NULL) {
		fail(why, of->tmp, strerror(errno));
		if (fd != -1) {
			close(fd);
			unlink(of->tmp);
		}
		return -1;
	}
	return 0;
}

int
of_open(struct ofile *of, const char *path, struct sbuf *why)
{
	struct stat st, fst;
	char *real = NULL;
	int fd, link = 0;

	memset(of, 0, sizeof(*of));
	if (lstat(path, &st) == -1) {
		if (errno != ENOENT)
			return fail(why, path, strerror(errno));
		of->path = xstrdup(path);
		if (open_tmp(of, why) == 0)
			return 0;
		of_abort(of);
		return -1;
	}
	if (S_ISLNK(st.st_mode)) {
		if (stat(path, &st) == -1)
			return fail(why, path, errno == ENOENT ?
			    "a symbolic link to nothing" : strerror(errno));
		if (!S_ISREG(st.st_mode) && !S_ISDIR(st.st_mode))
			link = 1;	/* /dev/stdout: its target in place */
		else if ((real = realpath(path, NULL)) == NULL)
			return fail(why, path, strerror(errno));
		else if (stat(real, &st) == -1) {
			fail(why, path, strerror(errno));
			free(real);
			return -1;
		}
		/* Written through: the target is what gets replaced. */
		of->path = link ? xstrdup(path) : real;
	} else
		of->path = xstrdup(path);
	if (S_ISDIR(st.st_mode)) {
		of_abort(of);
		return fail(why, path, "is a directory");
	}
	if (S_ISREG(st.st_mode)) {
		of->existed = 1;
		if (open_tmp(of, why) == 0)
			return 0;
		of_abort(of);
		return -1;
	}
	/* A device, a FIFO: written in place, as the shell's > would. */
	fd = open(of->path, O_WRONLY | O_NOCTTY | O_CLOEXEC |
	    (link ? 0 : O_NOFOLLOW));
	if (fd == -1) {
		fail(why, path, strerror(errno));
		of_abort(of);
		return -1;
	}
	if (fstat(fd, &fst) == -1 || (fst.st_mode & S_IFMT) !=
	    (st.st_mode & S_IFMT)) {
		close(fd);
		of_abort(of);
		return fail(why, path, "changed while it was opened");
	}
	if ((of->f = fdopen(fd, "w")) == NULL) {
		fail(why, path, strerror(errno));
		close(fd);
		of_abort(of);
		return -1;
	}
	return 0;
}

/* fsync the directory holding path, so a rename in it is durable. */
static int
sync_dir(const char *path)
{
	char *copy = xstrdup(path);
	int fd, rc = 0;

	fd = open(dirname(copy), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd == -1 || (fsync(fd) == -1 && errno != EINVAL))
		rc = -1;
	if (fd != -1)
		close(fd);
	free(copy);
	return rc;
}

int
of_commit(struct ofile *of, struct sbuf *why)
{
	int rc = 0;

	errno = 0;
	if (fflush(of->f) == EOF)
		rc = fail(why, of->path, strerror(errno));
	else if (of->tmp != NULL && fsync(fileno(of->f)) == -1)
		rc = fail(why, of->path, strerror(errno));
	if (fclose(of->f) == EOF && rc == 0)
		rc = fail(why, of->path, strerror(errno));
	of->f = NULL;
	if (rc == 0 && of->tmp != NULL) {
		if (rename(of->tmp, of->path) == -1)
			rc = fail(why, of->path, strerror(errno));
		else {
			free(of->tmp);
			of->tmp = NULL;
			if (sync_dir(of->path) == -1)
				rc = fail(why, of->path, strerror(errno));
		}
	}
	of_abort(of);
	return rc;
}

void
of_abort(struct ofile *of)
{
	if (of->f != NULL)
		fclose(of->f);
	if (of->tmp != NULL)
		unlink(of->tmp);
	free(of->tmp);
	free(of->path);
	memset(of, 0, sizeof(*of));
}
