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

/* The temporary's mark: "NAME.cdp-tmpPID". */
#define TMP_MARK	".cdp-tmp"
#define TMP_OLD		".tmp"	/* before: "NAME.tmpPID" */

/*
 * The temporaries of this process not yet renamed or removed: removed
 * at exit, so that a failure that exits (die, out of memory) leaves
 * none behind.
 */
static char **live;
static size_t nlive;
static pid_t owner;	/* a forked child's exit removes none of them */

static void
remove_live(void)
{
	size_t i;

	if (getpid() != owner)
		return;
	for (i = 0; i < nlive; i++)
		unlink(live[i]);
}

static void
track(const char *tmp)
{
	static int registered;

	if (!registered) {
		owner = getpid();
		atexit(remove_live);
		registered = 1;
	}
	live = xrealloc(live, (nlive + 1) * sizeof(*live));
	live[nlive++] = (char *)tmp;
}

static void
untrack(const char *tmp)
{
	size_t i;

	for (i = 0; i < nlive; i++)
		if (live[i] == tmp) {
			live[i] = live[--nlive];
			return;
		}
}

/* The writer's pid in name's temporary suffix mark+PID, or 0. */
static pid_t
tmp_pid(const char *name, const char *mark)
{
	const char *p = strstr(name, mark), *q;
	long long pid;
	const char *errstr;

	for (q = p; q != NULL; q = strstr(q + 1, mark))
		p = q;		/* the last one */
	if (p == NULL || p == name || parse_ll(p + strlen(mark), 1, INT_MAX,
	    &pid, &errstr) == -1)
		return 0;
	return (pid_t)pid;
}

/*
 * Remove from path's directory the temporaries of writers killed before
 * their rename, whatever file they were for (an export with a new name
 * each night leaves its temporary under a name never written again):
 * "NAME.cdp-tmpPID" whose process is gone, a regular file of this user,
 * mode 0600, one link, as this file creates them.  They hold personal
 * data.  The older "NAME.tmpPID" is taken by the same rule when it is
 * path's own or empty (a temporary killed before its first write), so
 * that nobody else's "x.tmp2024" is touched.  A live writer's, or one
 * whose pid was reused, is left alone.
 */
static void
remove_stale(const char *path)
{
	char *copy = xstrdup(path), *dir;
	const char *base;
	struct dirent *d;
	struct sbuf own;
	struct stat st;
	pid_t pid;
	int dfd, old;
	DIR *dp;

	dir = dirname(copy);
	base = strrchr(path, '/') != NULL ? strrchr(path, '/') + 1 : path;
	if ((dp = opendir(dir)) == NULL) {
		free(copy);
		return;
	}
	sb_init(&own);
	dfd = dirfd(dp);
	while ((d = readdir(dp)) != NULL) {
		old = 0;
		if ((pid = tmp_pid(d->d_name, TMP_MARK)) == 0) {
			if ((pid = tmp_pid(d->d_name, TMP_OLD)) == 0)
				continue;
			old = 1;
		}
		if (kill(pid, 0) == 0 || errno != ESRCH ||
		    fstatat(dfd, d->d_name, &st, AT_SYMLINK_NOFOLLOW) == -1 ||
		    !S_ISREG(st.st_mode) || st.st_uid != geteuid() ||
		    (st.st_mode & 07777) != 0600 || st.st_nlink != 1)
			continue;
		if (old && st.st_size > 0) {
			sb_reset(&own);
			sb_addf(&own, "%s" TMP_OLD "%ld", base, (long)pid);
			if (strcmp(d->d_name, own.buf) != 0)
				continue;
		}
		unlinkat(dfd, d->d_name, 0);
	}
	closedir(dp);
	sb_release(&own);
	free(copy);
}

/* The temporary beside path: "path.cdp-tmpPID"; O_EXCL, mode 0600. */
static int
open_tmp(struct ofile *of, struct sbuf *why)
{
	size_t n = strlen(of->path) + 32;
	int fd;

	remove_stale(of->path);

	of->tmp = xmalloc(n);
	snprintf(of->tmp, n, "%s" TMP_MARK "%ld", of->path, (long)getpid());
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
	track(of->tmp);
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
			untrack(of->tmp);
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
	if (of->tmp != NULL) {
		unlink(of->tmp);
		untrack(of->tmp);
	}
	free(of->tmp);
	free(of->path);
	memset(of, 0, sizeof(*of));
}
