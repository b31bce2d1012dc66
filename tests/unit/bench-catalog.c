/*
 * bench-catalog.c - what the catalog costs cdp-ingest's reader thread
 * per record; not a test.
 *
 *	bench-catalog [-M MAPFILE] FILE ...
 *
 * Reads each FILE twice through rin, the reader cdp-ingest uses (CSV
 * or NDJSON, mapped and normalised): once alone, once calling cat_add
 * on every record as cdp-ingest does, and prints records, the CPU time
 * of both passes and the difference per record.  scripts/bench-catalog
 * generates the data and runs it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "catalog/catalog.h"
#include "core/util.h"
#include "io/record_reader.h"

static double
cpu(void)
{
	struct timespec t;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* One pass over the files: records read, CPU seconds into *secs. */
static long long
pass(char **files, int nfiles, const struct rin_opts *o, struct cat *cat,
    double *secs)
{
	struct rin *r;
	struct rin_rec *rec;
	long long n = 0;
	uint32_t sink = 0;
	double t0 = cpu();
	int i;

	for (i = 0; i < nfiles; i++) {
		if ((r = rin_open(files[i], o, NULL, NULL)) == NULL)
			die(EXIT_FAIL, "%s: cannot open", files[i]);
		while (rin_next(r, &rec) == 1) {
			if (cat != NULL) {
				sink ^= cat_add(cat, rec, rin_map(r));
				/* As cdp-ingest: one batch per 200,000 rows. */
				if (++n % 200000 == 0)
					cat_reset(cat);
			} else
				n++;
		}
		rin_close(r);
	}
	*secs = cpu() - t0;
	if (sink == 0xffffffff)
		putchar(' ');
	return n;
}

int
main(int argc, char *argv[])
{
	struct map map;
	struct rin_opts o;
	struct sbuf why;
	struct cat *cat;
	double base, with;
	long long n;
	int ch;

	set_progname(argv[0]);
	map_init(&map);
	sb_init(&why);
	while ((ch = getopt(argc, argv, "M:")) != -1) {
		if (ch != 'M')
			die(EXIT_USAGE, "usage: bench-catalog [-M MAPFILE] FILE ...");
		if (map_load(&map, optarg, &why) == -1)
			die(EXIT_USAGE, "%s", why.buf);
	}
	argc -= optind;
	argv += optind;
	if (argc == 0)
		die(EXIT_USAGE, "usage: bench-catalog [-M MAPFILE] FILE ...");
	memset(&o, 0, sizeof(o));
	o.map = &map;
	o.country = map.country;
	o.date_format = map.date_format;
	o.delim = map.delim;
	o.format = RIN_GUESS;
	cat = cat_new();
	/* A warm-up pass so both timed passes read from the page cache. */
	pass(argv, argc, &o, NULL, &base);
	n = pass(argv, argc, &o, NULL, &base);
	pass(argv, argc, &o, cat, &with);
	printf("%lld records: rin %.2f s (%.2f us/record), rin + cat_add "
	    "%.2f s; catalog %.2f us/record\n", n, base, base * 1e6 /
	    (double)(n ? n : 1), with, (with - base) * 1e6 / (double)(n ? n : 1));
	cat_free(cat);
	map_release(&map);
	sb_release(&why);
	return 0;
}
