/*
 * csv_reader.h - CSV record reader on libcsv.
 *
 * Reads RFC 4180 CSV from a line reader: a header row, then one record
 * per call.  A UTF-8 BOM is dropped, CRLF and LF both end records,
 * quoted fields may hold delimiters, quotes ("") and newlines.  The
 * delimiter is ';', ',', tab or '|', detected from the header (the one
 * that occurs most often outside quotes, ',' on a tie) unless forced.
 *
 * A bad record never ends the stream: csvr_next returns CSVR_BAD with the
 * record's first physical line, its raw bytes and the reason, and the
 * next call goes on after it.  Bad records are: a field count other than
 * the header's, a malformed quote (strict mode: a quote inside an
 * unquoted field, text after a closing quote), an unterminated quote
 * (at end of input, or a quoted field running past maxrec bytes: the
 * record's first line is rejected and reading resumes on the line after
 * it), a NUL byte, invalid UTF-8, and a record longer than maxrec bytes.
 * Memory stays within a small multiple of maxrec.
 */
#ifndef CDP_CSV_READER_H
#define CDP_CSV_READER_H

#include <stddef.h>

#include "core/util.h"
#include "io/line_reader.h"

enum {
	CSVR_ERR = -1,	/* read error on the underlying lr; errno set */
	CSVR_EOF = 0,	/* no more records */
	CSVR_REC = 1,	/* a good record */
	CSVR_BAD = 2	/* a rejected record: line, raw and why are set */
};

struct csvr_rec {
	size_t	 nf;		/* number of fields */
	char	**f;		/* field values, NUL-terminated */
	size_t	*flen;		/* their lengths in bytes */
	long	 line;		/* first physical line of the record, 1-based */
	const char *raw;	/* the record's bytes as read (for rejects) */
	size_t	 rawlen;
};

struct csvr;

/*
 * Start reading from lr.  delim is the forced delimiter or 0 to detect
 * it from the header.  maxrec bounds one record's size in bytes.
 */
struct csvr *csvr_open(struct lr *lr, int delim, size_t maxrec);
void	csvr_close(struct csvr *);

/*
 * The header record, read on first use (csvr_header or csvr_next).
 * NULL when the input holds no header (empty input), or when the header
 * fails a check: then the next csvr_next returns it as one CSVR_BAD
 * ("bad header: ...") and CSVR_EOF after it.  Header names are trimmed
 * of surrounding whitespace.
 */
const struct csvr_rec *csvr_header(struct csvr *);

/* The delimiter in use (after detection). */
int	csvr_delim(struct csvr *);

/*
 * Next record.  *rec stays valid until the next call.  On CSVR_BAD, why
 * holds a reason such as "expected 5 fields, got 6",
 * "unterminated quoted field", "NUL byte in field 3",
 * "invalid UTF-8 in field 2", "record longer than 4194304 bytes".
 */
int	csvr_next(struct csvr *, struct csvr_rec **rec, struct sbuf *why);

#endif
