/*
 * cdp-report - a static HTML report of the cdp database for the people
 * who do not use a shell: the overview, the data map, identity, scores
 * and segments, or one customer's page (-p).  The pages are written into
 * a directory, self-contained, readable from file://, an intranet server
 * or a mailed zip (common/report/).
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/cli.h"
#include "core/util.h"
#include "report/html.h"
#include "report/report.h"
#include "store/database.h"

static void __attribute__((noreturn))
usage(void)
{
	fprintf(cli_usage_out(),
	    "usage: %s [-q] [-d DB] -o DIR [-p EMAIL|PROFILE_ID]\n",
	    progname);
	cli_usage_exit();
}

int
main(int argc, char *argv[])
{
	static const struct option longopts[] = {
		CLI_LONGOPTS,
		{ NULL, 0, NULL, 0 }
	};
	const char *dbopt = NULL, *dir = NULL, *who = NULL;
	struct sbuf why, path;
	struct stat sb;
	sqlite3 *db;
	double t0 = mono_now();
	int ch, rc, lang;

	set_progname(argv[0]);
	while ((ch = getopt_long(argc, argv, "d:ho:p:qV", longopts,
	    NULL)) != -1) {
		switch (ch) {
		case 'd':
			dbopt = optarg;
			break;
		case 'h':
			cli_help = 1;
			usage();
		case 'o':
			dir = optarg;
			break;
		case 'p':
			who = optarg;
			break;
		case 'q':
			quiet = 1;
			break;
		case 'V':
			printf("cdp-report %s\n", CDP_VERSION);
			check_stdout();
			return EXIT_OK;
		default:
			usage();
		}
	}
	if (optind != argc || dir == NULL || *dir == '\0' ||
	    (who != NULL && *who == '\0'))
		usage();
	/* The pages hold personal data (the customer page above all). */
	if (mkdir(dir, 0700) == -1 && errno != EEXIST)
		die(EXIT_FAIL, "%s: %s", dir, strerror(errno));
	if (stat(dir, &sb) == -1)
		die(EXIT_FAIL, "%s: %s", dir, strerror(errno));
	if (!S_ISDIR(sb.st_mode))
		die(EXIT_FAIL, "%s: not a directory", dir);
	sb_init(&why);
	sb_init(&path);
	if (db_open(db_path(dbopt), DB_RDONLY, &db, &why) == -1)
		die(EXIT_FAIL, "%s", why.buf);
	lang = rh_lang_from_env();
	if (who != NULL) {
		rc = report_customer(db, dir, who, lang, &path, &why);
		if (rc == 1)
			die(EXIT_FAIL, "no profile %s", quote_value(who,
			    strlen(who)));
		if (rc == -1)
			die(EXIT_FAIL, "%s", why.buf);
		printf("%s\n", path.buf);
	} else {
		if (report_write(db, dir, lang, &why) == -1)
			die(EXIT_FAIL, "%s", why.buf);
		printf("%s/index.html\n", dir);
		if (!quiet)
			fprintf(stderr, "%s: 5 pages in %.2f s\n", progname,
			    mono_now() - t0);
	}
	db_close(db);
	sb_release(&why);
	sb_release(&path);
	check_stdout();
	return EXIT_OK;
}
