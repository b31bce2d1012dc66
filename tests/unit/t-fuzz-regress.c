/*
 * t-fuzz-regress.c - replay the fuzz harnesses' inputs in `make check`.
 *
 * Every input that once crashed a harness of tests/fuzz/ (or broke one
 * of its invariants) is kept in tests/fuzz/regress/NAME/, and the seed
 * corpus in tests/fuzz/corpus/NAME/.  This runs each file through the
 * harness's own entry point, compiled here with gcc (and, with SAN=1,
 * under ASan and UBSan), in a child process so that one crash is one
 * failed test naming its file, and a replay that hangs is killed and
 * fails.  A harness aborts when an invariant
 * fails, so a replay checks what the fuzzer checked, not only that
 * nothing crashed.
 *
 * Adding a harness: one HARNESS line and one #include below.
 */
#include <dirent.h>
#include <signal.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "tap.h"

/* Longest a replay may take, sanitizers and valgrind included. */
#define FZ_REPLAY_SECONDS	120

typedef int (*fz_fn)(const uint8_t *, size_t);

int	fz_entry_csv(const uint8_t *, size_t);
int	fz_entry_ndjson(const uint8_t *, size_t);
int	fz_entry_norm(const uint8_t *, size_t);
int	fz_entry_map(const uint8_t *, size_t);
int	fz_entry_rin(const uint8_t *, size_t);
int	fz_entry_expr(const uint8_t *, size_t);
int	fz_entry_mcfg(const uint8_t *, size_t);

#define LLVMFuzzerTestOneInput fz_entry_csv
#include "../fuzz/fuzz-csv.c"
#undef LLVMFuzzerTestOneInput
#define LLVMFuzzerTestOneInput fz_entry_ndjson
#include "../fuzz/fuzz-ndjson.c"
#undef LLVMFuzzerTestOneInput
#define LLVMFuzzerTestOneInput fz_entry_norm
#include "../fuzz/fuzz-norm.c"
#undef LLVMFuzzerTestOneInput
#define LLVMFuzzerTestOneInput fz_entry_map
#include "../fuzz/fuzz-map.c"
#undef LLVMFuzzerTestOneInput
#define LLVMFuzzerTestOneInput fz_entry_rin
#include "../fuzz/fuzz-rin.c"
#undef LLVMFuzzerTestOneInput
#define LLVMFuzzerTestOneInput fz_entry_expr
#include "../fuzz/fuzz-expr.c"
#undef LLVMFuzzerTestOneInput
#define LLVMFuzzerTestOneInput fz_entry_mcfg
#include "../fuzz/fuzz-mcfg.c"
#undef LLVMFuzzerTestOneInput

#define HARNESS(name)	{ #name, fz_entry_##name }

static const struct {
	const char *name;
	fz_fn	 fn;
} harnesses[] = {
	HARNESS(csv),
	HARNESS(ndjson),
	HARNESS(norm),
	HARNESS(map),
	HARNESS(rin),
	HARNESS(expr),
	HARNESS(mcfg),
};

/* The whole file at path into *buf; its length, or -1. */
static long
slurp(const char *path, uint8_t **buf)
{
	FILE *fp;
	struct sbuf sb;
	char chunk[8192];
	size_t n;

	if ((fp = fopen(path, "rb")) == NULL)
		return -1;
	sb_init(&sb);
	while ((n = fread(chunk, 1, sizeof(chunk), fp)) > 0)
		sb_add(&sb, chunk, n);
	fclose(fp);
	n = sb.len;
	*buf = (uint8_t *)sb_detach(&sb);
	return (long)n;
}

/* Run fn on the file in a child; 1 when it returned normally. */
static int
replay(fz_fn fn, const char *path, char *why, size_t whylen)
{
	uint8_t *buf;
	long n;
	pid_t pid;
	int st;

	fflush(stdout);
	if ((pid = fork()) == -1) {
		snprintf(why, whylen, "fork failed");
		return 0;
	}
	if (pid == 0) {
		/* A hang is a failure too (libFuzzer's -timeout is 10 s). */
		alarm(FZ_REPLAY_SECONDS);
		if ((n = slurp(path, &buf)) < 0)
			_exit(98);
		fn(buf, (size_t)n);
		free(buf);
		/* exit, not _exit: LeakSanitizer checks at exit. */
		exit(0);
	}
	if (waitpid(pid, &st, 0) == -1) {
		snprintf(why, whylen, "waitpid failed");
		return 0;
	}
	if (WIFEXITED(st) && WEXITSTATUS(st) == 0)
		return 1;
	if (WIFSIGNALED(st))
		snprintf(why, whylen, "killed by signal %d", WTERMSIG(st));
	else
		snprintf(why, whylen, "exit status %d", WEXITSTATUS(st));
	return 0;
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/*
 * The files of the directory being replayed: global, so that a child's
 * leak check at exit sees the parent's list as reachable, not lost.
 */
static char **files;

/* Replay every regular file of dir (sorted); how many there were. */
static int
replay_dir(const char *name, fz_fn fn, const char *dir)
{
	DIR *d;
	struct dirent *e;
	struct stat sb;
	char path[4096], why[64], desc[4200];
	size_t n = 0, i;

	if ((d = opendir(dir)) == NULL)
		return 0;
	while ((e = readdir(d)) != NULL) {
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		if (e->d_name[0] == '.' || stat(path, &sb) == -1 ||
		    !S_ISREG(sb.st_mode))
			continue;
		files = xrealloc(files, (n + 1) * sizeof(*files));
		files[n++] = xstrdup(path);
	}
	closedir(d);
	qsort(files, n, sizeof(*files), cmp_str);
	for (i = 0; i < n; i++) {
		why[0] = '\0';
		snprintf(desc, sizeof(desc), "fuzz-%s replays %s", name,
		    files[i]);
		if (!ok(replay(fn, files[i], why, sizeof(why)), desc))
			printf("#   %s\n", why);
		free(files[i]);
	}
	free(files);
	files = NULL;
	return (int)n;
}

int
main(void)
{
	char dir[256];
	size_t i;
	int n;

	for (i = 0; i < sizeof(harnesses) / sizeof(harnesses[0]); i++) {
		snprintf(dir, sizeof(dir), "tests/fuzz/corpus/%s",
		    harnesses[i].name);
		n = replay_dir(harnesses[i].name, harnesses[i].fn, dir);
		ok(n > 0, "a seed corpus for every harness");
		snprintf(dir, sizeof(dir), "tests/fuzz/regress/%s",
		    harnesses[i].name);
		replay_dir(harnesses[i].name, harnesses[i].fn, dir);
	}
	return done_testing();
}
