/*
 * csv_options.h - the options every tool that writes CSV takes for a
 * spreadsheet: -D DELIM, --bom, --crlf, and --excel, the one switch for
 * "Excel in this locale" (';' and a decimal comma where the locale writes
 * one, a UTF-8 BOM, CRLF).  One parser and one setup, so that cdp-export,
 * cdp-segment, cdp-score, cdp-merge, cdp-catalog and cdp-status write
 * the same bytes for the same options.
 *
 *	static const struct option longopts[] = {
 *		CSVO_LONGOPTS,
 *		...
 *	};
 *	struct csvo co = { 0 };
 *
 *	while ((ch = getopt_long(argc, argv, "D:...", longopts, NULL)) != -1)
 *		switch (csvo_option(&co, ch, optarg)) {
 *		case 1: continue;		(one of ours)
 *		case -1: die(EXIT_USAGE, MAP_DELIM_ERR);
 *		}
 *	...
 *	csvo_writer(&co, &w, stdout);	(csvw_init with them)
 */
#ifndef CDP_CSV_OPTIONS_H
#define CDP_CSV_OPTIONS_H

#include <getopt.h>
#include <stdio.h>

#include "io/csv_writer.h"
#include "normalise/field_map.h"	/* MAP_DELIM_ERR */

/* getopt_long values of the long options, out of the range of letters. */
enum { CSVO_BOM = 0x4301, CSVO_CRLF, CSVO_EXCEL };

#define CSVO_LONGOPTS \
	{ "bom", no_argument, NULL, CSVO_BOM }, \
	{ "crlf", no_argument, NULL, CSVO_CRLF }, \
	{ "excel", no_argument, NULL, CSVO_EXCEL }

/* The usage text of the options, for a tool's usage line. */
#define CSVO_USAGE	"[-D DELIM] [--bom] [--crlf] [--excel]"

struct csvo {
	int	 delim;		/* -D, or 0: ',' (';' with --excel in a
				   decimal-comma locale) */
	int	 bom;		/* --bom: a UTF-8 BOM first */
	int	 crlf;		/* --crlf: rows end with CR LF */
	int	 excel;		/* --excel: all of it, for this locale */
};

/*
 * Take option ch (with its argument) if it is one of these: 1 taken, 0
 * not one of them, -1 a -D value that is no delimiter (MAP_DELIM_ERR of
 * normalise/field_map.h says why).
 */
int	csvo_option(struct csvo *, int ch, const char *arg);
/* Whether any of the options was given (they are for CSV only). */
int	csvo_any(const struct csvo *);

/* The field delimiter and the decimal mark the options give. */
int	csvo_delim(const struct csvo *);
int	csvo_decimal(const struct csvo *);

/* csvw_init(w, f, ...) with the delimiter, decimal mark, BOM and CRLF. */
void	csvo_writer(const struct csvo *, struct csvw *w, FILE *f);
/* The same without the BOM, for a writer that puts it with its first row. */
void	csvo_setup(const struct csvo *, struct csvw *w, FILE *f);
int	csvo_bom(const struct csvo *);

#endif
