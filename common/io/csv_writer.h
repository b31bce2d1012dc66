/*
 * csv_writer.h - the CSV writer of every tool that prints tables (RFC 4180).
 *
 * A row is built field by field in a buffer and written whole by
 * csvw_end, so a row is never half-written between two stdio flushes of
 * a pipe reader.  A field is quoted only when it must be: when it holds
 * the delimiter, a double quote, a CR or an LF; quotes inside are
 * doubled.  Rows end with LF (the Unix convention; readers of RFC 4180
 * accept it), or CRLF for a spreadsheet (csvw_crlf).  NULL and "" are
 * both written as an empty field.
 *
 * Numbers are written for people as well as programs: never in
 * exponent form, never with the noise of binary fractions (0.1 + 0.2 is
 * written 0.3), money to the cent with csvw_fixed, and with a decimal
 * comma when the file is for a spreadsheet in a locale that uses one.
 *
 * Cells are safe to open in a spreadsheet by default (OWASP's advice on
 * CSV injection): a text cell that begins with '=', '+', '-', '@', a tab
 * or a CR gets a single quote in front, so Excel, LibreOffice and
 * Google Sheets show it as text instead of running it as a formula.  A
 * cell that is a number as a whole (an optional sign, digits, an
 * optional fraction and exponent: -12.5, +33612345678, -1e-3) is left
 * as it is, and so is every csvw_int and csvw_double: a sign alone
 * cannot start a formula that does anything.  csvw_raw turns this off
 * for machine readers, which want the bytes as stored.
 *
 *	struct csvw w;
 *
 *	csvw_init(&w, stdout, ',');
 *	csvw_str(&w, "profile_id");
 *	csvw_str(&w, "source");
 *	csvw_end(&w);
 *	...
 *	csvw_release(&w);
 */
#ifndef CDP_CSV_WRITER_H
#define CDP_CSV_WRITER_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "core/util.h"

struct csvw {
	FILE	*f;		/* output; the caller's, not closed here */
	struct sbuf row;	/* the row being built (rows, when batched) */
	int	 delim;		/* field separator */
	int	 nf;		/* fields in the row so far */
	size_t	 batch;		/* write when this much is pending; 0: a row */
	int	 raw;		/* cells as they are: no formula guard */
	int	 keeptext;	/* digit strings Excel would change kept as text */
	unsigned char special[256];	/* bytes that make a field quoted */
	uint64_t pat[4];	/* each of those bytes, repeated eight times */
	int	 crlf;		/* rows end with CR LF, not LF */
	int	 decimal;	/* the decimal mark of numbers: '.' or ',' */
};

void	csvw_init(struct csvw *, FILE *, int delim);
void	csvw_release(struct csvw *);
/* Write text cells as they are, without the formula guard above. */
void	csvw_raw(struct csvw *);
/*
 * For Excel: a text cell of digits that Excel would read as a number and
 * change (a leading zero, a leading +, 12 digits or more: a postcode
 * 06000, a phone +33612345678, a card number) is written as the formula
 * ="06000", which Excel shows as the text itself.
 */
void	csvw_keeptext(struct csvw *);
/* Whether s[0..n) is a number as a whole, as the guard reads it. */
int	csvw_is_number(const char *s, size_t n);

/* End rows with CR LF (on nonzero) instead of LF. */
void	csvw_crlf(struct csvw *, int on);
/* Write numbers with decimal mark c ('.' by default, or ','). */
void	csvw_decimal(struct csvw *, int c);
/* Start the output with a UTF-8 byte-order mark; before the first row. */
void	csvw_bom(struct csvw *);
/*
 * Whether the user's locale writes numbers with a decimal comma (and so
 * a spreadsheet there separates fields with ';'): the language of the
 * first of LC_ALL, LC_NUMERIC and LANG that is set (fr_FR.UTF-8: fr),
 * read from the environment, so that it holds whether or not the locale
 * is installed.
 */
int	csvw_locale_comma(void);

/*
 * Keep whole rows until n bytes are pending, then write them in one
 * fwrite: for a writer that alone writes to f, a per-row fwrite costs
 * more than the row.  Call csvw_flush before anything else writes to
 * f and before closing it.
 */
void	csvw_batch(struct csvw *, size_t n);
/* Write the pending rows: 0, or -1 on a write error (errno set). */
int	csvw_flush(struct csvw *);

/* Append s[0..n) as the next field; s may be NULL (empty field). */
void	csvw_field(struct csvw *, const char *s, size_t n);
void	csvw_str(struct csvw *, const char *s);	/* NUL-terminated or NULL */
void	csvw_int(struct csvw *, long long);
/*
 * A finite double to 15 significant digits (all a double holds, so the
 * noise of binary fractions goes: 494.71999999999997 is 494.72), trailing
 * zeros dropped, never in exponent form (2.75e-06 is 0.00000275).
 */
void	csvw_double(struct csvw *, double);
/* A double rounded to decimals places, zeros kept: money with 2. */
void	csvw_fixed(struct csvw *, double, int decimals);
/* A double rounded to at most decimals places, trailing zeros dropped. */
void	csvw_round(struct csvw *, double, int decimals);
/*
 * The text of csvw_double into buf (at least CSVW_NUMLEN bytes) with
 * decimal mark dec; returns its length.  For other writers of numbers.
 */
#define CSVW_NUMLEN	400
size_t	csvw_format_double(char *buf, double v, int dec);

/*
 * End the row and write it (batched: once enough is pending): 0, or -1
 * on a write error (errno set).
 */
int	csvw_end(struct csvw *);

/* Append s[0..n) to sb as one field, quoted when needed. */
void	csvw_quote(struct sbuf *sb, const char *s, size_t n, int delim);

#endif
