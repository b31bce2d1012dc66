/*
 * fuzz-csv.c - the CSV record reader (common/io/csv_reader.c over common/io/line_reader.c).
 *
 * fuzz-sources: core/util io/line_reader io/csv_reader
 * fuzz-options: -max_len=16384
 *
 * The first byte picks the delimiter (detected, or forced), whether the
 * bytes come from a pipe or a memory file, and whether the line and
 * record limits are tiny (so the over-long and replay paths run on
 * small inputs); the second byte sizes those limits.  The rest is read
 * to the end.  Checked: reading ends within one result per line or
 * carriage return; a good record has the header's field count, fields
 * free of NUL and of invalid UTF-8, NUL-terminated at their length;
 * records come in line order; a rejected one has a reason.  Then, with
 * the default limits, the good records written back as fully quoted CSV
 * must read back as the very same fields: whatever csvr accepts, it
 * accepts unchanged.
 */
#include <fcntl.h>

#include "io/csv_reader.h"
#include "fuzz.h"

#define FZ_CSV_BIG	(1024 * 1024)

static const int fz_csv_delims[] = { 0, ',', ';', '\t', '|' };

/* The good records of a read, kept for the round trip. */
struct fz_csv_out {
	struct sbuf text;	/* header and records, quoted CSV */
	struct sbuf flat;	/* fields of good records, for comparison */
	long	 nrec;
	int	 delim;		/* the delimiter read with */
};

static void
fz_csv_quote(struct sbuf *sb, const struct csvr_rec *r, int delim)
{
	size_t i, j;

	for (i = 0; i < r->nf; i++) {
		if (i > 0)
			sb_addc(sb, delim);
		sb_addc(sb, '"');
		for (j = 0; j < r->flen[i]; j++) {
			if (r->f[i][j] == '"')
				sb_addc(sb, '"');
			sb_addc(sb, r->f[i][j]);
		}
		sb_addc(sb, '"');
	}
	sb_adds(sb, "\r\n");
}

static void
fz_csv_flat(struct sbuf *sb, const struct csvr_rec *r)
{
	size_t i;

	sb_addf(sb, "%zu:", r->nf);
	for (i = 0; i < r->nf; i++) {
		sb_addf(sb, "%zu=", r->flen[i]);
		sb_add(sb, r->f[i], r->flen[i]);
	}
	sb_addc(sb, '\n');
}

/* Read everything from fd; fill out (may be NULL) with the good records. */
static void
fz_csv_read(int fd, int delim, size_t maxline, size_t maxrec, size_t nl,
    struct fz_csv_out *out)
{
	struct lr lr;
	struct csvr *c;
	const struct csvr_rec *h;
	struct csvr_rec *rec;
	struct sbuf why;
	long last = 0, n = 0;
	size_t i;
	int r;

	sb_init(&why);
	lr_fdopen(&lr, fd, "fuzz", maxline);
	c = csvr_open(&lr, delim, maxrec);
	FZ_CHECK(c != NULL, "csvr_open refused delimiter %d", delim);
	h = csvr_header(c);
	if (h != NULL) {
		FZ_CHECK(h->nf >= 1, "a header without fields");
		FZ_CHECK(h->line >= 1 && (size_t)h->line <= nl + 1,
		    "header line %ld", h->line);
		if (out != NULL)
			fz_csv_quote(&out->text, h, csvr_delim(c));
	}
	if (out != NULL)
		out->delim = csvr_delim(c);
	for (;;) {
		r = csvr_next(c, &rec, &why);
		if (r == CSVR_EOF)
			break;
		FZ_CHECK(r == CSVR_REC || r == CSVR_BAD, "csvr_next gave %d", r);
		/* Each result takes at least one line or one CR-cut piece. */
		FZ_CHECK(++n <= (long)nl + 2, "%ld results from %zu line ends",
		    n, nl);
		FZ_CHECK(rec != NULL, "no record with result %d", r);
		FZ_CHECK(rec->line >= 1 && (size_t)rec->line <= nl + 1,
		    "record at line %ld of %zu", rec->line, nl + 1);
		FZ_CHECK(rec->line >= last, "record at line %ld after %ld",
		    rec->line, last);
		last = rec->line;
		if (r == CSVR_BAD) {
			FZ_CHECK(why.len > 0, "a reject without a reason");
			continue;
		}
		FZ_CHECK(h != NULL, "a record without a header");
		FZ_CHECK(rec->nf == h->nf, "%zu fields under a %zu-field "
		    "header", rec->nf, h->nf);
		for (i = 0; i < rec->nf; i++) {
			FZ_CHECK(rec->f[i][rec->flen[i]] == '\0',
			    "field %zu not terminated", i);
			FZ_CHECK(memchr(rec->f[i], '\0', rec->flen[i]) == NULL,
			    "NUL in field %zu", i);
			FZ_CHECK(utf8_check(rec->f[i], rec->flen[i]) < 0,
			    "invalid UTF-8 in field %zu", i);
		}
		FZ_CHECK(rec->rawlen <= maxrec, "record of %zu bytes, limit %zu",
		    rec->rawlen, maxrec);
		if (out != NULL) {
			fz_csv_quote(&out->text, rec, csvr_delim(c));
			fz_csv_flat(&out->flat, rec);
			out->nrec++;
		}
	}
	csvr_close(c);
	lr_close(&lr);
	sb_release(&why);
}

/* A descriptor holding data: a memory file, or a pipe already closed. */
static int
fz_csv_fd(const uint8_t *data, size_t n, int pipe_it)
{
	int p[2];
	size_t off = 0;
	ssize_t w;

	/* A pipe holds 64 KiB; larger inputs go through a memory file. */
	if (!pipe_it || n > 60000)
		return fz_memfd(data, n);
	if (pipe(p) == -1)
		abort();
	while (off < n) {
		if ((w = write(p[1], data + off, n - off)) < 0)
			abort();
		off += (size_t)w;
	}
	close(p[1]);
	return p[0];
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fz_csv_out a, b;
	unsigned o = fz_byte(&data, &size), l = fz_byte(&data, &size);
	int delim = fz_csv_delims[o % 5], tiny = (o / 5) & 1;
	int pipe_it = (o / 10) & 1, fd;
	size_t maxline = FZ_CSV_BIG, maxrec = FZ_CSV_BIG, nl = 0, i;

	if (tiny) {
		maxline = 1 + l % 64;
		maxrec = 1 + (l / 4) % 64;
	}
	for (i = 0; i < size; i++)
		nl += data[i] == '\n' || data[i] == '\r';
	memset(&a, 0, sizeof(a));
	sb_init(&a.text);
	sb_init(&a.flat);
	fd = fz_csv_fd(data, size, pipe_it);
	fz_csv_read(fd, delim, maxline, maxrec, nl, tiny ? NULL : &a);
	close(fd);
	if (!tiny && a.text.len > 0) {
		/* The round trip: same delimiter, forced. */
		memset(&b, 0, sizeof(b));
		sb_init(&b.text);
		sb_init(&b.flat);
		for (i = nl = 0; i < a.text.len; i++)
			nl += a.text.buf[i] == '\n' || a.text.buf[i] == '\r';
		fd = fz_memfd(a.text.buf, a.text.len);
		fz_csv_read(fd, a.delim, 4 * FZ_CSV_BIG,
		    4 * FZ_CSV_BIG, nl, &b);
		close(fd);
		FZ_CHECK(a.nrec == b.nrec, "%ld records, %ld after a round "
		    "trip", a.nrec, b.nrec);
		FZ_CHECK(a.flat.len == b.flat.len && memcmp(a.flat.buf,
		    b.flat.buf, a.flat.len) == 0, "records changed by a round "
		    "trip");
		sb_release(&b.text);
		sb_release(&b.flat);
	}
	sb_release(&a.text);
	sb_release(&a.flat);
	return 0;
}
