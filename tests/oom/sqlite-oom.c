/*
 * sqlite-oom.c - an LD_PRELOAD shim that makes SQLite's memory
 * allocator fail, for the out-of-memory fault tests of tests/96-faults.bats
 * (built there with cc -shared).
 *
 * A constructor, which runs before the program's main and so before
 * SQLite initialises, installs a wrapper around SQLite's default
 * allocator with sqlite3_config(SQLITE_CONFIG_MALLOC).  The wrapper
 * counts every allocation (malloc and realloc) and fails those the
 * environment names:
 *
 *	CDP_OOM_AT=N		fail the Nth allocation (1-based)
 *	CDP_OOM_PERSIST=1	and every one after it (memory stays short)
 *	CDP_OOM_REPORT=FILE	at exit, write "COUNT FIRED" to FILE: how
 *				many allocations were made, and 1 when a
 *				failure was injected, 0 when N was not reached
 *
 * Only SQLite's allocations fail: the program's own xmalloc still
 * works, so what is tested is how the tool and SQLite handle
 * SQLITE_NOMEM, the file left behind above all.
 */
#include <stdio.h>
#include <stdlib.h>

#include <sqlite3.h>

static sqlite3_mem_methods orig;
static long oom_at;
static int persist;
static long count;		/* allocations seen, atomically */
static int fired;

static int
fail_now(void)
{
	long n = __atomic_add_fetch(&count, 1, __ATOMIC_SEQ_CST);

	if (oom_at <= 0 || n < oom_at || (n > oom_at && !persist))
		return 0;
	__atomic_store_n(&fired, 1, __ATOMIC_SEQ_CST);
	return 1;
}

static void *
oom_malloc(int n)
{
	return fail_now() ? NULL : orig.xMalloc(n);
}

static void *
oom_realloc(void *p, int n)
{
	return fail_now() ? NULL : orig.xRealloc(p, n);
}

static void
report(void)
{
	const char *path = getenv("CDP_OOM_REPORT");
	FILE *fp;

	if (path == NULL || (fp = fopen(path, "w")) == NULL)
		return;
	fprintf(fp, "%ld %d\n", __atomic_load_n(&count, __ATOMIC_SEQ_CST),
	    __atomic_load_n(&fired, __ATOMIC_SEQ_CST));
	fclose(fp);
}

__attribute__((constructor)) static void
oom_init(void)
{
	sqlite3_mem_methods m;
	const char *e;

	if ((e = getenv("CDP_OOM_AT")) != NULL)
		oom_at = atol(e);
	persist = (e = getenv("CDP_OOM_PERSIST")) != NULL && *e == '1';
	if (sqlite3_config(SQLITE_CONFIG_GETMALLOC, &orig) != SQLITE_OK) {
		fputs("sqlite-oom: cannot read the allocator\n", stderr);
		abort();
	}
	m = orig;
	m.xMalloc = oom_malloc;
	m.xRealloc = oom_realloc;
	if (sqlite3_config(SQLITE_CONFIG_MALLOC, &m) != SQLITE_OK) {
		fputs("sqlite-oom: cannot install the allocator\n", stderr);
		abort();
	}
	atexit(report);
}
