/*
 * table.h - the tabular output of the reporting tools (cdp-catalog,
 * cdp-status): one set of rows written as an aligned table for a
 * person, CSV for a spreadsheet, or NDJSON for a program.
 *
 * A table needs every row to size its columns, so rows are kept until
 * tab_flush; CSV and NDJSON rows are written as they end.  On a
 * terminal the table is cut to its width ($COLUMNS, or TIOCGWINSZ): the
 * columns after the first two (the keys) are narrowed, the last first,
 * then the last ones left out; a cut cell ends with "~".
 *
 *	struct tab t;
 *	static const char *const cols[] = { "source", "records" };
 *
 *	tab_init(&t, stdout, TAB_CSV, cols, 2);
 *	tab_str(&t, "crm");
 *	tab_int(&t, 263);
 *	tab_row(&t);
 *	tab_flush(&t);
 *	tab_release(&t);
 */
#ifndef CDP_TABLE_H
#define CDP_TABLE_H

#include <stddef.h>
#include <stdio.h>

#include "core/util.h"

enum { TAB_TABLE, TAB_CSV, TAB_NDJSON };

struct tab_cell {
	char	*s;		/* text, or NULL for null */
	int	 kind;		/* 's' string, 'n' number, 'j' JSON text */
};

struct tab {
	FILE	*f;
	int	 fmt;		/* TAB_* */
	const char *const *cols;	/* column names (NDJSON keys) */
	size_t	 ncol;
	struct tab_cell *cells;	/* kept rows (table), row-major */
	size_t	 ncells, cap;
	struct tab_cell *row;	/* the row being built (CSV, NDJSON) */
	size_t	 nrow;		/* cells in the row being built */
	int	 width;		/* cut the table to this many columns, or 0 */
	int	 header;	/* the CSV header was written */
	char	*keep;		/* table: columns shown (1) or not (0) */
	size_t	 nkeep;		/* columns shown */
	struct sbuf line;
	int	 delim;		/* CSV: the field separator */
	int	 decimal;	/* CSV: the decimal mark of numbers */
	int	 bom;		/* CSV: a UTF-8 BOM before the header */
	int	 crlf;		/* CSV: rows end with CR LF */
};

struct csvo;

/*
 * Parse a -f value: "table", "csv" or "ndjson" (only those allowed by
 * the mask of (1 << TAB_*) bits).  The format, or -1.
 */
int	tab_format(const char *, int allowed);

/* The width of the terminal on stdout, or 0 when it is not one. */
int	tab_term_width(void);

void	tab_init(struct tab *, FILE *, int fmt, const char *const *cols,
	    size_t ncol);
void	tab_release(struct tab *);

/*
 * CSV for a spreadsheet: the delimiter, decimal mark, BOM and CRLF of
 * cdp's -D, --bom, --crlf and --excel (io/csv_options.h).  Before the
 * first row.
 */
void	tab_csv_options(struct tab *, const struct csvo *);

/*
 * Show only the columns named in the space-separated list in the table
 * format (a person reads fewer columns than a program); CSV and NDJSON
 * keep them all.
 */
void	tab_table_cols(struct tab *, const char *list);

/* The next cell of the current row. */
void	tab_str(struct tab *, const char *);	/* NULL: null */
void	tab_int(struct tab *, long long);
void	tab_real(struct tab *, double, int decimals);
void	tab_json(struct tab *, const char *);	/* JSON text, as is */
/* Number text, as is: a JSON number, or for a table any text ("7%"). */
void	tab_num(struct tab *, const char *);
void	tab_null(struct tab *);

/* End the row (missing cells are null): 0, or -1 on a write error. */
int	tab_row(struct tab *);
/* Write what is kept (the table): 0, or -1 on a write error. */
int	tab_flush(struct tab *);

#endif
