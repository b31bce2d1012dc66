/*
 * t-csvr.c - unit tests for the CSV record reader (common/io/csv_reader.c).
 *
 * Each fixture is written to a temporary file (or a pipe) and read back
 * whole; the results are rendered one line per record, "LINE: f1|f2"
 * for a good record and "LINE! reason [raw]" for a rejected one, with
 * control and non-ASCII bytes escaped, so one exact comparison pins the
 * fields, the line numbers, the reasons and the order at once.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "io/csv_reader.h"
#include "tap.h"

#define MIB	(1024 * 1024)

struct fx {
	struct lr lr;
	struct csvr *c;
};

static void
write_all(int fd, const char *p, size_t n)
{
	ssize_t w;

	while (n > 0) {
		if ((w = write(fd, p, n)) < 0) {
			if (errno == EINTR)
				continue;
			perror("write");
			exit(1);
		}
		p += w;
		n -= (size_t)w;
	}
}

/* Open data[0..len) from an unlinked temporary file. */
static struct csvr *
fx_open(struct fx *x, const char *data, size_t len, int delim,
    size_t maxline, size_t maxrec)
{
	char path[] = "/tmp/t-csvr.XXXXXX";
	int fd;

	if ((fd = mkstemp(path)) == -1) {
		perror("mkstemp");
		exit(1);
	}
	unlink(path);
	write_all(fd, data, len);
	if (lseek(fd, 0, SEEK_SET) != 0) {
		perror("lseek");
		exit(1);
	}
	lr_fdopen(&x->lr, fd, "fixture", maxline);
	x->lr.own = 1;
	x->c = csvr_open(&x->lr, delim, maxrec);
	return x->c;
}

static void
fx_close(struct fx *x)
{
	csvr_close(x->c);
	lr_close(&x->lr);
}

static void
esc(struct sbuf *out, const char *s, size_t n)
{
	size_t i;
	unsigned char ch;

	for (i = 0; i < n; i++) {
		ch = (unsigned char)s[i];
		if (ch == '\n')
			sb_adds(out, "\\n");
		else if (ch == '\r')
			sb_adds(out, "\\r");
		else if (ch == '\0')
			sb_adds(out, "\\0");
		else if (ch == '|' || ch == '\\')
			sb_addf(out, "\\%c", ch);
		else if (ch < 0x20 || ch >= 0x7f)
			sb_addf(out, "\\x%02x", ch);
		else
			sb_addc(out, ch);
	}
}

static void
dump_fields(struct sbuf *out, const struct csvr_rec *r)
{
	size_t i;

	for (i = 0; i < r->nf; i++) {
		if (i > 0)
			sb_addc(out, '|');
		esc(out, r->f[i], r->flen[i]);
	}
}

/* Everything the reader yields, header first, as text. */
static char *
dump(struct csvr *c)
{
	const struct csvr_rec *h;
	struct csvr_rec *r;
	struct sbuf out, why;
	int rc;

	sb_init(&out);
	sb_init(&why);
	if ((h = csvr_header(c)) != NULL) {
		sb_addf(&out, "h%ld: ", h->line);
		dump_fields(&out, h);
		sb_addc(&out, '\n');
	} else
		sb_adds(&out, "h: none\n");
	while ((rc = csvr_next(c, &r, &why)) > 0) {
		if (rc == CSVR_REC) {
			sb_addf(&out, "%ld: ", r->line);
			dump_fields(&out, r);
		} else {
			sb_addf(&out, "%ld! %s [", r->line, why.buf);
			esc(&out, r->raw, r->rawlen);
			sb_addc(&out, ']');
		}
		sb_addc(&out, '\n');
	}
	if (rc == CSVR_ERR)
		sb_adds(&out, "ERR\n");
	sb_release(&why);
	return out.buf;
}

static void
check_n(const char *desc, const char *data, size_t len, int delim,
    size_t maxline, size_t maxrec, const char *want)
{
	struct fx x;
	char *got;

	fx_open(&x, data, len, delim, maxline, maxrec);
	got = dump(x.c);
	is_str(got, want, desc);
	free(got);
	fx_close(&x);
}

/* A fixture given as a string literal, NUL bytes and all. */
#define CHECK_N(desc, lit, delim, maxline, maxrec, want) \
	check_n((desc), (lit), sizeof(lit) - 1, (delim), (maxline), (maxrec), \
	    (want))

static void
check(const char *desc, const char *data, const char *want)
{
	check_n(desc, data, strlen(data), 0, MIB, MIB, want);
}

static int
delim_of(const char *data, int forced)
{
	struct fx x;
	int d;

	fx_open(&x, data, strlen(data), forced, MIB, MIB);
	d = csvr_delim(x.c);
	fx_close(&x);
	return d;
}

static void
test_delimiters(void)
{
	is_num(delim_of("id,name,email\n1,a,b\n", 0), ',', 0, "comma detected");
	is_num(delim_of("id;name;city\n1;a;b\n", 0), ';', 0,
	    "semicolon detected");
	is_num(delim_of("id\tname\tcity\n", 0), '\t', 0, "tab detected");
	is_num(delim_of("id|name|city\n", 0), '|', 0, "pipe detected");
	is_num(delim_of("\"a,b,c\";d;e\n", 0), ';', 0,
	    "delimiters inside quotes are not counted");
	is_num(delim_of("a,b;c|d\n", 0), ',', 0, "comma on a tie");
	is_num(delim_of("a;b;c\td\te\n", 0), ',', 0,
	    "comma on a tie without commas");
	is_num(delim_of("email\n", 0), ',', 0, "comma when none appears");
	is_num(delim_of("a,b;c\n", ';'), ';', 0, "forced delimiter kept");

	check("comma file",
	    "id,name,email\n1,Ann,ann@x.fr\n2,Bob,\n",
	    "h1: id|name|email\n2: 1|Ann|ann@x.fr\n3: 2|Bob|\n");
	check("semicolon file, comma inside a field",
	    "id;name;city\n1;Ann;Paris, France\n",
	    "h1: id|name|city\n2: 1|Ann|Paris, France\n");
	check("tab file",
	    "id\tname\n1\tAnn Lee\n",
	    "h1: id|name\n2: 1|Ann Lee\n");
	check("pipe file",
	    "id|name\n1|\"a|b\"\n",
	    "h1: id|name\n2: 1|a\\|b\n");
	CHECK_N("forced delimiter skips detection",
	    "a,b;c\n1,2;3\n", ';', MIB, MIB,
	    "h1: a,b|c\n2: 1,2|3\n");
	CHECK_N("forced tab on a comma-heavy header",
	    "a,b,c\td\n1\t2\n", '\t', MIB, MIB,
	    "h1: a,b,c|d\n2: 1|2\n");
}

static void
test_bom_crlf_multiline(void)
{
	static const char data[] =
	    "\xef\xbb\xbfid;name;note\r\n"
	    "1;Ann;plain\r\n"
	    "2;Bob;\"multi\r\nline \"\"quoted\"\"\"\r\n"
	    "3;Cy;last\r\n";
	struct fx x;
	const struct csvr_rec *h;
	struct csvr_rec *r;
	struct sbuf why;

	sb_init(&why);
	fx_open(&x, data, sizeof(data) - 1, 0, MIB, MIB);
	h = csvr_header(x.c);
	ok(h != NULL && h->nf == 3, "BOM file: header has 3 fields");
	is_str(h ? h->f[0] : NULL, "id", "BOM dropped from the first name");
	is_num(h ? (double)h->flen[0] : -1, 2, 0, "first name length 2");
	is_str(h ? h->f[2] : NULL, "note", "no CR kept in the last name");
	is_num(csvr_delim(x.c), ';', 0, "semicolon detected after BOM");
	if (!is_num(csvr_next(x.c, &r, &why), CSVR_REC, 0, "line 2 read"))
		goto out;
	is_num(r->line, 2, 0, "line 2 numbered 2");
	is_str(r->f[2], "plain", "no CR kept in the last field");
	is_num((double)r->flen[2], 5, 0, "last field length without CR");
	if (!is_num(csvr_next(x.c, &r, &why), CSVR_REC, 0,
	    "multi-line record read"))
		goto out;
	is_num(r->line, 3, 0, "record on lines 3-4 reports line 3");
	is_str(r->f[1], "Bob", "field before the quoted one");
	is_str(r->f[2], "multi\r\nline \"quoted\"",
	    "newline kept and doubled quote undone");
	is_num((double)r->flen[2], 20, 0, "quoted field length");
	if (!is_num(csvr_next(x.c, &r, &why), CSVR_REC, 0,
	    "record after it read"))
		goto out;
	is_num(r->line, 5, 0, "next record reports line 5");
	is_str(r->f[0], "3", "its first field");
	is_str(r->f[2], "last", "its last field");
	ok(csvr_next(x.c, &r, &why) == CSVR_EOF && r == NULL, "then EOF");
	ok(csvr_next(x.c, &r, &why) == CSVR_EOF, "EOF again");
out:
	fx_close(&x);
	sb_release(&why);

	check("BOM alone is an empty input", "\xef\xbb\xbf", "h: none\n");
	check("BOM only at the very start",
	    "a\n\xef\xbb\xbf\n", "h1: a\n2: \\xef\\xbb\\xbf\n");
}

static void
test_field_counts(void)
{
	struct fx x;
	struct csvr_rec *r;
	struct sbuf why;

	check("too many and too few columns",
	    "a,b,c\n1,2,3\n4,5,6,7\n8,9,10\n11,12\n13,14,15\n",
	    "h1: a|b|c\n2: 1|2|3\n"
	    "3! expected 3 fields, got 4 [4,5,6,7]\n"
	    "4: 8|9|10\n"
	    "5! expected 3 fields, got 2 [11,12]\n"
	    "6: 13|14|15\n");
	check("single column file",
	    "email\nx@y\n\"a,b\"\na,b\n",
	    "h1: email\n2: x@y\n3: a,b\n"
	    "4! expected 1 field, got 2 [a,b]\n");
	check("empty fields count",
	    "a,b,c\n,,\n1,,\n,\n",
	    "h1: a|b|c\n2: ||\n3: 1||\n4! expected 3 fields, got 2 [,]\n");

	sb_init(&why);
	fx_open(&x, "a,b\n1,2,3\n", 10, 0, MIB, MIB);
	if (ok(csvr_next(x.c, &r, &why) == CSVR_BAD,
	    "count reject is CSVR_BAD")) {
		ok(r->nf == 3 && strcmp(r->f[2], "3") == 0,
		    "a count reject still carries its fields");
		is_num((double)r->rawlen, 5, 0,
		    "raw length without the newline");
	}
	fx_close(&x);
	sb_release(&why);
}

static void
test_quotes(void)
{
	check("unterminated quote on line 3 of 6",
	    "id,name\n1,Ann\n2,\"Bob\n3,Cy\n4,Di\n5,Ed\n",
	    "h1: id|name\n2: 1|Ann\n"
	    "3! unterminated quoted field [2,\"Bob]\n"
	    "4: 3|Cy\n5: 4|Di\n6: 5|Ed\n");
	check("stray quote found out by a later quote",
	    "id,name\n1,Ann\n2,\"Bob\n3,\"Cy\"\n4,Di\n",
	    "h1: id|name\n2: 1|Ann\n"
	    "3! unterminated quoted field [2,\"Bob]\n"
	    "4: 3|Cy\n5: 4|Di\n");
	check("unterminated quote on the last line",
	    "id,name\n1,Ann\n2,\"Bob\n",
	    "h1: id|name\n2: 1|Ann\n"
	    "3! unterminated quoted field [2,\"Bob]\n");
	check("unterminated quote, no final newline",
	    "id,name\n1,Ann\n2,\"Bob",
	    "h1: id|name\n2: 1|Ann\n"
	    "3! unterminated quoted field [2,\"Bob]\n");
	check("unterminated quote with CRLF",
	    "id,name\r\n2,\"Bob\r\n3,Cy\r\n",
	    "h1: id|name\n"
	    "2! unterminated quoted field [2,\"Bob]\n3: 3|Cy\n");
	check("malformed quote",
	    "a,b,c\na,\"b\"c,d\n1,2,3\n",
	    "h1: a|b|c\n2! malformed quote [a,\"b\"c,d]\n3: 1|2|3\n");
	check("quote inside an unquoted field",
	    "a,b,c\na,b\"c,d\n1,2,3\n",
	    "h1: a|b|c\n2! malformed quote [a,b\"c,d]\n3: 1|2|3\n");
	check("space after a closing quote is malformed",
	    "a,b\n\"x\" ,y\n1,2\n",
	    "h1: a|b\n2! malformed quote [\"x\" ,y]\n3: 1|2\n");
	check("quoted delimiter, quote and empty quoted field",
	    "a,b,c\n\"x,y\",\"say \"\"hi\"\"\",\"\"\n",
	    "h1: a|b|c\n2: x,y|say \"hi\"|\n");
	check("a good multi-line record between good lines",
	    "a,b\n1,\"x\ny\nz\"\n2,w\n",
	    "h1: a|b\n2: 1|x\\ny\\nz\n5: 2|w\n");
	check("malformed end of a multi-line record rejects line by line",
	    "a,b\n1,\"x\ny\"z\n2,w\n",
	    "h1: a|b\n2! unterminated quoted field [1,\"x]\n"
	    "3! malformed quote [y\"z]\n4: 2|w\n");
}

static void
test_bytes(void)
{
	CHECK_N("NUL byte",
	    "a,b,c\n1,x\0y,3\n4,5,6\n", 0, MIB, MIB,
	    "h1: a|b|c\n2! NUL byte in field 2 [1,x\\0y,3]\n3: 4|5|6\n");
	check("overlong encoding",
	    "a,b\n1,\xc0\xaf\n",
	    "h1: a|b\n2! invalid UTF-8 in field 2 [1,\\xc0\\xaf]\n");
	check("lone continuation byte",
	    "a,b,c\n1,2,x\x80y\n",
	    "h1: a|b|c\n2! invalid UTF-8 in field 3 [1,2,x\\x80y]\n");
	check("surrogate",
	    "a,b\n\xed\xa0\x80,2\n3,4\n",
	    "h1: a|b\n2! invalid UTF-8 in field 1 [\\xed\\xa0\\x80,2]\n"
	    "3: 3|4\n");
	check("valid UTF-8 passes, fields not trimmed",
	    "nom,ville\n Zoé , Besançon \xe2\x82\xac\xf0\x9f\x98\x80\n",
	    "h1: nom|ville\n"
	    "2:  Zo\\xc3\\xa9 | Besan\\xc3\\xa7on \\xe2\\x82\\xac\\xf0\\x9f"
	    "\\x98\\x80\n");
	check("header names trimmed",
	    " id ,\tname\t, e mail \n1,2,3\n",
	    "h1: id|name|e mail\n2: 1|2|3\n");
	check("bare CR ends a record",
	    "a,b\n1,2\r3,4\n",
	    "h1: a|b\n2: 1|2\n2: 3|4\n");
}

static void
test_long(void)
{
	size_t big = 10 * (size_t)MIB, n;
	char *data = xmalloc(big + 64);
	struct fx x;
	struct csvr_rec *r;
	struct sbuf why;
	int rc;

	sb_init(&why);
	memcpy(data, "a,b\n", 4);
	memset(data + 4, 'x', big);
	memcpy(data + 4 + big, "\n1,2\n", 5);
	n = big + 9;
	fx_open(&x, data, n, 0, 4 * MIB, 4 * MIB);
	rc = csvr_next(x.c, &r, &why);
	is_num(rc, CSVR_BAD, 0, "10 MB line rejected");
	is_str(why.buf, "line longer than 4194304 bytes", "10 MB line reason");
	ok(r != NULL && r->line == 2, "10 MB line at line 2");
	ok(r != NULL && r->rawlen == 0, "10 MB line raw is empty");
	rc = csvr_next(x.c, &r, &why);
	ok(rc == CSVR_REC && r->line == 3 && strcmp(r->f[1], "2") == 0,
	    "line after the 10 MB line read");
	is_num(csvr_next(x.c, &r, &why), CSVR_EOF, 0, "EOF after it");
	fx_close(&x);
	sb_release(&why);
	free(data);

	CHECK_N("record longer than maxrec",
	    "a,b\n1,0123456789012345678901234567890123456789\n2,3\n",
	    0, 1024, 32,
	    "h1: a|b\n2! record longer than 32 bytes "
	    "[1,0123456789012345678901234567890123456789]\n3: 2|3\n");
	CHECK_N("open quote running past maxrec",
	    "a,b\n1,\"x\n2,y\n3,z\n4,w\n5,v\n6,u\n", 0, 1024, 12,
	    "h1: a|b\n2! unterminated quoted field [1,\"x]\n"
	    "3: 2|y\n4: 3|z\n5: 4|w\n6: 5|v\n7: 6|u\n");
	CHECK_N("over-long line inside an open quote",
	    "a,b\n1,\"x\n2,y\n0123456789012345678901234567890123456789\n3,z\n",
	    0, 16, 1024,
	    "h1: a|b\n2! unterminated quoted field [1,\"x]\n3: 2|y\n"
	    "4! line longer than 16 bytes []\n5: 3|z\n");
	CHECK_N("over-long line after a re-opened quote",
	    "a,b\n1,\"x\n2,\"y\n"
	    "0123456789012345678901234567890123456789\n3,z\n",
	    0, 16, 1024,
	    "h1: a|b\n2! unterminated quoted field [1,\"x]\n"
	    "3! unterminated quoted field [2,\"y]\n"
	    "4! line longer than 16 bytes []\n5: 3|z\n");
}

static void
test_edges(void)
{
	static const char in[] = "id;v\n1;\"a\nb\"\n2;c\n";
	struct fx x;
	struct csvr_rec *r;
	struct sbuf why;
	char *got;
	int fd[2], dfd;

	sb_init(&why);
	fx_open(&x, "", 0, 0, MIB, MIB);
	ok(csvr_header(x.c) == NULL, "empty input: no header");
	is_num(csvr_next(x.c, &r, &why), CSVR_EOF, 0, "empty input: EOF");
	fx_close(&x);

	check("blank lines only", "\n\r\n\n", "h: none\n");
	check("header only", "a,b,c\n", "h1: a|b|c\n");
	check("header only, no newline", "a,b,c", "h1: a|b|c\n");
	check("no trailing newline", "a,b\n1,2\n3,4",
	    "h1: a|b\n2: 1|2\n3: 3|4\n");
	check("no trailing newline after a quoted field",
	    "a,b\n1,\"x\"", "h1: a|b\n2: 1|x\n");
	check("blank lines between records skipped",
	    "\na,b\n\n1,2\r\n\r\n\n3,4\n\n",
	    "h2: a|b\n4: 1|2\n7: 3|4\n");
	check("bad header stops the stream",
	    "a,\"b\n1,2\n", "h: none\n1! bad header: unterminated quoted field "
	    "[a,\"b]\n");
	check("header with invalid UTF-8",
	    "a,\xe9t\xe9\n1,2\n", "h: none\n1! bad header: invalid UTF-8 "
	    "in field 2 [a,\\xe9t\\xe9]\n");

	if (pipe(fd) != 0) {
		perror("pipe");
		exit(1);
	}
	write_all(fd[1], in, sizeof(in) - 1);
	close(fd[1]);
	lr_fdopen(&x.lr, fd[0], "pipe", MIB);
	x.lr.own = 1;
	x.c = csvr_open(&x.lr, 0, MIB);
	got = dump(x.c);
	is_str(got, "h1: id|v\n2: 1|a\\nb\n4: 2|c\n", "read from a pipe");
	free(got);
	fx_close(&x);

	/* A directory cannot be read: an I/O error, not an empty file. */
	dfd = open("/tmp", O_RDONLY | O_DIRECTORY);
	lr_fdopen(&x.lr, dfd, "/tmp", MIB);
	x.lr.own = 1;
	x.c = csvr_open(&x.lr, 0, MIB);
	ok(csvr_header(x.c) == NULL, "read error: no header");
	errno = 0;
	is_num(csvr_next(x.c, &r, &why), CSVR_ERR, 0, "read error: CSVR_ERR");
	is_num(errno, EISDIR, 0, "read error: errno kept");
	is_num(csvr_next(x.c, &r, &why), CSVR_ERR, 0, "read error sticks");
	fx_close(&x);

	ok(csvr_open(&x.lr, '"', MIB) == NULL && errno == EINVAL,
	    "quote refused as a delimiter");
	sb_release(&why);
}

static void
test_wide(void)
{
	size_t ncol = 100000, i;
	struct sbuf in, why;
	struct fx x;
	const struct csvr_rec *h;
	struct csvr_rec *r;
	double t0, dt;
	int rc;

	sb_init(&in);
	sb_init(&why);
	for (i = 0; i < ncol; i++)
		sb_addf(&in, "%scol%zu", i ? "," : "", i);
	sb_addc(&in, '\n');
	for (i = 0; i < ncol; i++)
		sb_addf(&in, "%s%zu", i ? "," : "", i * 7);
	sb_addc(&in, '\n');
	t0 = mono_now();
	fx_open(&x, in.buf, in.len, 0, 4 * MIB, 4 * MIB);
	h = csvr_header(x.c);
	ok(h != NULL && h->nf == ncol, "100000 header columns");
	is_str(h ? h->f[ncol - 1] : NULL, "col99999", "last header name");
	rc = csvr_next(x.c, &r, &why);
	ok(rc == CSVR_REC && r->nf == ncol, "100000 fields in the row");
	is_str(rc == CSVR_REC ? r->f[ncol - 1] : NULL, "699993",
	    "last field value");
	is_str(rc == CSVR_REC ? r->f[50000] : NULL, "350000",
	    "a middle field value");
	is_num(csvr_next(x.c, &r, &why), CSVR_EOF, 0, "EOF after the wide row");
	dt = mono_now() - t0;
	ok(dt < 2.0, "100000 columns read in under 2 s");
	fx_close(&x);
	sb_release(&in);
	sb_release(&why);
}

/*
 * Many records across the line reader's buffer refills: multi-line
 * fields, CRLF, blank lines and stray quotes at known places, every
 * field and line number checked.
 */
static void
test_bulk(void)
{
	size_t nrec = 60000, i, good = 0, wrong = 0, bads = 0;
	long line = 2, *want_line, *bad_line;
	struct sbuf in, why, v;
	struct fx x;
	struct csvr_rec *r;
	int rc;

	sb_init(&in);
	sb_init(&why);
	sb_init(&v);
	want_line = xcalloc(nrec, sizeof(*want_line));
	bad_line = xcalloc(nrec / 1000 + 1, sizeof(*bad_line));
	sb_adds(&in, "id,text,tail\n");
	for (i = 0; i < nrec; i++) {
		if (i % 11 == 5) {
			sb_adds(&in, i % 2 ? "\r\n" : "\n");
			line++;
		}
		if (i % 1000 == 999) {
			bad_line[i / 1000] = line;
			sb_addf(&in, "%zu,\"stray,x\n", i);
			line++;
		}
		want_line[i] = line;
		sb_addf(&in, "%zu,\"first %zu\nsecond \"\"%zu\"\"\",t%s", i, i,
		    i, i % 7 == 3 ? "\r\n" : "\n");
		line += 2;
	}
	fx_open(&x, in.buf, in.len, 0, MIB, MIB);
	i = 0;
	while ((rc = csvr_next(x.c, &r, &why)) > 0) {
		if (rc == CSVR_BAD) {
			if (bads > nrec / 1000 || r->line != bad_line[bads] ||
			    strcmp(why.buf, "unterminated quoted field") != 0)
				wrong++;
			bads++;
			continue;
		}
		sb_reset(&v);
		sb_addf(&v, "first %zu\nsecond \"%zu\"", i, i);
		if (i >= nrec || r->line != want_line[i] || r->nf != 3 ||
		    strtoul(r->f[0], NULL, 10) != i ||
		    strcmp(r->f[1], v.buf) != 0 || strcmp(r->f[2], "t") != 0)
			wrong++;
		else
			good++;
		i++;
	}
	is_num(rc, CSVR_EOF, 0, "bulk: ends in EOF");
	is_num((double)good, (double)nrec, 0, "bulk: every record right");
	is_num((double)bads, (double)(nrec / 1000), 0,
	    "bulk: every stray quote rejected");
	is_num((double)wrong, 0, 0, "bulk: nothing out of place");
	fx_close(&x);
	free(want_line);
	free(bad_line);
	sb_release(&in);
	sb_release(&why);
	sb_release(&v);
}

static uint64_t rng = 0x9e3779b97f4a7c15ULL;

static uint64_t
next_rand(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

/*
 * Random bytes must never crash or loop: every call either yields a
 * record in line order or ends, good records match the header and hold
 * clean UTF-8.
 */
static void
test_garbage(const char *desc, const char *hdr, const char *alphabet,
    size_t alen, size_t len, size_t maxline, size_t maxrec)
{
	char *data = xmalloc(len);
	struct fx x;
	struct csvr_rec *r;
	const struct csvr_rec *h;
	struct sbuf why;
	size_t i, calls = 0, lines = 1, recs = 0, bads = 0;
	long last = 0;
	int rc, order = 1, clean = 1;
	char d[128];

	sb_init(&why);
	i = strlen(hdr);
	memcpy(data, hdr, i);
	for (; i < len; i++)
		data[i] = alphabet ? alphabet[next_rand() % alen] :
		    (char)(next_rand() & 0xff);
	for (i = 0; i < len; i++)
		if (data[i] == '\n')
			lines++;
	fx_open(&x, data, len, 0, maxline, maxrec);
	h = csvr_header(x.c);
	while ((rc = csvr_next(x.c, &r, &why)) > 0 && calls <= len) {
		calls++;
		if (r->line < last || r->line < 1 || (size_t)r->line > lines)
			order = 0;
		last = r->line;
		if (rc == CSVR_REC) {
			recs++;
			if (h == NULL || r->nf != h->nf ||
			    utf8_check(r->raw, r->rawlen) >= 0 ||
			    memchr(r->raw, '\0', r->rawlen) != NULL)
				clean = 0;
		} else
			bads++;
	}
	snprintf(d, sizeof(d), "%s: ends in EOF", desc);
	is_num(rc, CSVR_EOF, 0, d);
	snprintf(d, sizeof(d), "%s: lines in order", desc);
	ok(order, d);
	snprintf(d, sizeof(d), "%s: good records are clean", desc);
	ok(clean, d);
	/*
	 * Without a header, garbage makes a bad header and nothing else;
	 * after one, no run of lines may be swallowed whole.
	 */
	snprintf(d, sizeof(d), "%s: %zu lines give %zu good, %zu bad",
	    desc, lines, recs, bads);
	if (*hdr == '\0')
		ok(h == NULL && recs == 0 && bads == 1, d);
	else
		ok(h != NULL && recs + bads >= lines / 4, d);
	fx_close(&x);
	sb_release(&why);
	free(data);
}

int
main(void)
{
	static const char csvish[] = "\"\",;\n\r\n\"a\"b\0\xff\xc3\xa9 ";

	test_delimiters();
	test_bom_crlf_multiline();
	test_field_counts();
	test_quotes();
	test_bytes();
	test_long();
	test_edges();
	test_wide();
	test_bulk();
	test_garbage("random bytes", "", NULL, 0, 1 << 20, 4096, 8192);
	test_garbage("random bytes after a header", "a,b\n", NULL, 0,
	    1 << 20, 4096, 8192);
	test_garbage("random CSV bytes", "a,b,c\n", csvish,
	    sizeof(csvish) - 1, 1 << 20, 4096, 8192);
	test_garbage("random quotes and newlines", "a,b\n", "\"\"\n,aa", 6,
	    1 << 20, 256, 512);
	test_garbage("CSV bytes, tiny limits", "a,b\n", csvish,
	    sizeof(csvish) - 1, 1 << 18, 16, 24);
	return done_testing();
}
