/*
 * fuzz.h - shared by the libFuzzer harnesses in tests/fuzz/.
 *
 * A harness is one file, tests/fuzz/fuzz-NAME.c, defining
 * LLVMFuzzerTestOneInput and nothing else with external linkage.  Two
 * comment lines in its opening paragraph tell scripts/fuzz how to build
 * and run it:
 *
 *	fuzz-sources: util lr csvr	(common/ sources it links, by stem)
 *	fuzz-options: -max_len=65536	(extra libFuzzer flags, optional)
 *
 * Its seeds live in tests/fuzz/corpus/NAME/, its dictionary (optional)
 * in tests/fuzz/NAME.dict, and inputs that once crashed it in
 * tests/fuzz/regress/NAME/, which tests/unit/t-fuzz-regress.c replays
 * through the same function in `make check` (each harness is included
 * there with its entry point renamed, so its static names must not
 * clash with another harness's: prefix them with the harness name).
 *
 * A harness checks invariants, not just "no crash": a violated one
 * calls fz_fail, which prints what and aborts, so libFuzzer saves the
 * input and the regression replay fails.
 */
#ifndef CDP_FUZZ_H
#define CDP_FUZZ_H

#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static void fz_fail(const char *, ...)
    __attribute__((format(printf, 1, 2), noreturn, unused));

static void
fz_fail(const char *fmt, ...)
{
	va_list ap;

	fputs("fuzz invariant violated: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	abort();
}

#define FZ_CHECK(cond, ...) do {				\
	if (!(cond))						\
		fz_fail(__VA_ARGS__);				\
} while (0)

/*
 * A descriptor holding data[0..n), positioned at 0: an anonymous
 * memory file, so no harness touches the disk.  /proc/self/fd/N opens
 * it again by name for APIs that take a path.
 */
static int __attribute__((unused))
fz_memfd(const void *data, size_t n)
{
	const char *p = data;
	ssize_t w;
	int fd;

	if ((fd = memfd_create("fuzz", MFD_CLOEXEC)) == -1) {
		perror("memfd_create");
		abort();
	}
	while (n > 0) {
		if ((w = write(fd, p, n)) < 0) {
			if (errno == EINTR)
				continue;
			perror("write");
			abort();
		}
		p += w;
		n -= (size_t)w;
	}
	if (lseek(fd, 0, SEEK_SET) != 0) {
		perror("lseek");
		abort();
	}
	return fd;
}

/* Take the first byte of the input as an option byte (0 when empty). */
static unsigned __attribute__((unused))
fz_byte(const uint8_t **data, size_t *n)
{
	unsigned b;

	if (*n == 0)
		return 0;
	b = **data;
	(*data)++;
	(*n)--;
	return b;
}

#endif
