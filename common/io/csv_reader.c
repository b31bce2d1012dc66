/*
 * csv_reader.c - CSV record reader on libcsv; see csv_reader.h.
 *
 * libcsv parses a byte stream and knows nothing of lines, and in its
 * lenient mode it accepts anything.  So it runs in strict mode and is
 * fed one physical line at a time, cut again after each carriage return
 * so that at most one record can end per csv_parse call: that tells on
 * which line a record began, and keeps the pending record's bytes at
 * hand.  When a quote turns out to be unterminated (end of input, the
 * record outgrowing maxrec, or a parse error lines later), only the
 * record's first line is rejected and the lines after it are fed again,
 * from the replay buffer, to a fresh parser: one stray quote costs one
 * line, not the rest of the file.  Each replay drops a line for good,
 * so reading always ends, and every buffer holds at most one record
 * plus one line.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <csv.h>

#include "io/csv_reader.h"

#define CSVR_OPTS	(CSV_STRICT | CSV_STRICT_FINI | CSV_APPEND_NULL)
/* libcsv grows its field buffer linearly by this much. */
#define CSVR_BLK	(64 * 1024)
#define CSVR_DEFREC	(4 * 1024 * 1024)

enum { HDR_UNREAD, HDR_OK, HDR_BAD, HDR_NONE };

/* The fields of one record, copied out of libcsv's reused buffer. */
struct fields {
	char	*buf;		/* every field, each NUL-terminated */
	size_t	 len;
	size_t	 cap;
	size_t	*off;		/* offsets in buf: buf moves as it grows */
	size_t	*flen;
	char	**f;		/* pointers, set once the record is complete */
	size_t	 n;
	size_t	 ncap;
};

struct csvr {
	struct lr *lr;
	struct csv_parser p;
	int	 delim;
	int	 detect;	/* the delimiter is still to be detected */
	size_t	 maxrec;
	int	 hstate;	/* HDR_* */
	int	 err;		/* errno of a read error, which sticks */

	const char *line;	/* the line being fed, [pos, len) still to go */
	size_t	 len;
	size_t	 pos;
	long	 lineno;

	struct sbuf raw;	/* the pending record's bytes as read */
	long	 first;		/* its first line */
	int	 done;		/* libcsv ended the row */
	struct fields fs;

	struct sbuf replay;	/* lines to feed again before new input */
	size_t	 rpos;
	long	 rline;		/* number of the line at rpos */
	struct sbuf tmp;	/* spare for rebuilding replay */
	long	 longline;	/* an over-long line waiting behind replay */
	int	 eof;		/* lr is at end of input */

	struct sbuf why;	/* reason for the last CSVR_BAD */
	struct csvr_rec rec;
	struct csvr_rec hdr;
	struct fields hfs;	/* the header's fields, kept */
	struct sbuf hraw;
};

/* Every byte is data: fields come back untrimmed, as RFC 4180 says. */
static int
no_space(unsigned char ch)
{
	(void)ch;
	return 0;
}

static void
parser_init(struct csvr *c)
{
	csv_init(&c->p, CSVR_OPTS);
	csv_set_delim(&c->p, (unsigned char)c->delim);
	csv_set_space_func(&c->p, no_space);
	csv_set_realloc_func(&c->p, xrealloc);
	csv_set_free_func(&c->p, free);
	csv_set_blk_size(&c->p, CSVR_BLK);
}

static void
fields_release(struct fields *fs)
{
	free(fs->buf);
	free(fs->off);
	free(fs->flen);
	free(fs->f);
	memset(fs, 0, sizeof(*fs));
}

static void
on_field(void *s, size_t n, void *arg)
{
	struct csvr *c = arg;
	struct fields *fs = &c->fs;

	if (fs->n == fs->ncap) {
		fs->ncap = fs->ncap ? fs->ncap * 2 : 64;
		fs->off = xrealloc(fs->off, fs->ncap * sizeof(*fs->off));
		fs->flen = xrealloc(fs->flen, fs->ncap * sizeof(*fs->flen));
		fs->f = xrealloc(fs->f, fs->ncap * sizeof(*fs->f));
	}
	if (fs->cap - fs->len < n + 1) {
		if (fs->cap == 0)
			fs->cap = 4096;
		while (fs->cap - fs->len < n + 1)
			fs->cap *= 2;
		fs->buf = xrealloc(fs->buf, fs->cap);
	}
	if (n > 0)
		memcpy(fs->buf + fs->len, s, n);
	fs->buf[fs->len + n] = '\0';
	fs->off[fs->n] = fs->len;
	fs->flen[fs->n] = n;
	fs->n++;
	fs->len += n + 1;
}

static void
on_row(int ch, void *arg)
{
	struct csvr *c = arg;

	(void)ch;
	c->done = 1;
}

struct csvr *
csvr_open(struct lr *lr, int delim, size_t maxrec)
{
	struct csvr *c;

	if (delim < 0 || delim > 255 || delim == '"' || delim == '\r' ||
	    delim == '\n') {
		errno = EINVAL;
		return NULL;
	}
	c = xcalloc(1, sizeof(*c));
	c->lr = lr;
	c->delim = delim ? delim : ',';
	c->detect = delim == 0;
	c->maxrec = maxrec ? maxrec : CSVR_DEFREC;
	sb_init(&c->raw);
	sb_init(&c->replay);
	sb_init(&c->tmp);
	sb_init(&c->why);
	sb_init(&c->hraw);
	parser_init(c);
	return c;
}

void
csvr_close(struct csvr *c)
{
	if (c == NULL)
		return;
	csv_free(&c->p);
	fields_release(&c->fs);
	fields_release(&c->hfs);
	sb_release(&c->raw);
	sb_release(&c->replay);
	sb_release(&c->tmp);
	sb_release(&c->why);
	sb_release(&c->hraw);
	free(c);
}

/*
 * The header decides the delimiter: the candidate seen most often
 * outside quotes in its first line, ',' when none or several lead.
 */
static int
detect_delim(const char *s, size_t n)
{
	static const char cand[] = ";,\t|";
	size_t cnt[4] = { 0, 0, 0, 0 }, best = 0;
	size_t i, k, nbest = 0;
	int inq = 0;

	for (i = 0; i < n; i++) {
		if (s[i] == '"')
			inq = !inq;
		else if (!inq)
			for (k = 0; k < 4; k++)
				if (s[i] == cand[k])
					cnt[k]++;
	}
	for (k = 0; k < 4; k++) {
		if (cnt[k] > cnt[best])
			best = k;
	}
	for (k = 0; k < 4; k++)
		if (cnt[k] == cnt[best])
			nbest++;
	if (cnt[best] == 0 || nbest > 1)
		return ',';
	return cand[best];
}

/* Forget the pending record and start a fresh parser. */
static void
drop_pending(struct csvr *c)
{
	csv_free(&c->p);
	parser_init(c);
	c->fs.n = c->fs.len = 0;
	c->done = 0;
}

/* Strip the line terminator a rejected line ends with. */
static void
chop_eol(struct sbuf *sb)
{
	while (sb->len > 0 && (sb->buf[sb->len - 1] == '\n' ||
	    sb->buf[sb->len - 1] == '\r'))
		sb->len--;
	sb->buf[sb->len] = '\0';
}

/* Fill rec as a rejected record without fields. */
static int
bad(struct csvr *c, long line, const char *raw, size_t rawlen)
{
	c->rec.nf = 0;
	c->rec.f = NULL;
	c->rec.flen = NULL;
	c->rec.line = line;
	c->rec.raw = raw;
	c->rec.rawlen = rawlen;
	return CSVR_BAD;
}

/*
 * Next physical line into line/len/lineno: the replay buffer first,
 * then an over-long line held back, then the line reader.
 */
static int
next_line(struct csvr *c)
{
	const char *s, *nl;
	size_t n;
	int r;

	c->line = NULL;
	c->len = c->pos = 0;
	if (c->rpos < c->replay.len) {
		s = c->replay.buf + c->rpos;
		n = c->replay.len - c->rpos;
		if ((nl = memchr(s, '\n', n)) != NULL)
			n = (size_t)(nl - s) + 1;
		c->line = s;
		c->len = n;
		c->rpos += n;
		c->lineno = c->rline++;
		return LR_LINE;
	}
	if (c->replay.len > 0) {
		sb_reset(&c->replay);
		c->rpos = 0;
	}
	if (c->longline > 0) {
		c->lineno = c->longline;
		c->longline = 0;
		return LR_LONG;
	}
	if (c->eof)
		return LR_EOF;
	r = lr_next(c->lr, &s, &n);
	if (r == LR_EOF)
		c->eof = 1;
	if (r != LR_LINE && r != LR_LONG)
		return r;
	c->lineno = c->lr->lineno;
	if (r == LR_LONG)
		return r;
	if (c->lr->offset == 0 && n >= 3 && memcmp(s, "\xef\xbb\xbf", 3) == 0) {
		s += 3;
		n -= 3;
	}
	c->line = s;
	c->len = n;
	return r;
}

/*
 * Reject the pending record's first line alone: its quote never closed.
 * The lines after it go back to the front of the input.
 */
static int
reject_first(struct csvr *c)
{
	struct sbuf t;
	const char *nl;
	size_t k;

	nl = memchr(c->raw.buf, '\n', c->raw.len);
	k = nl != NULL ? (size_t)(nl - c->raw.buf) + 1 : c->raw.len;
	if (k < c->raw.len) {
		sb_reset(&c->tmp);
		sb_add(&c->tmp, c->raw.buf + k, c->raw.len - k);
		sb_add(&c->tmp, c->replay.buf + c->rpos,
		    c->replay.len - c->rpos);
		t = c->replay;
		c->replay = c->tmp;
		c->tmp = t;
		c->rpos = 0;
		c->rline = c->first + 1;
	}
	c->raw.len = k;
	chop_eol(&c->raw);
	drop_pending(c);
	sb_adds(&c->why, "unterminated quoted field");
	return bad(c, c->first, c->raw.buf, c->raw.len);
}

/* A strict parse error at the current line. */
static int
malformed(struct csvr *c)
{
	/* The rest of the line belongs to the broken record. */
	sb_add(&c->raw, c->line + c->pos, c->len - c->pos);
	c->pos = c->len;
	/*
	 * A record begun lines earlier most likely went wrong at the
	 * quote that kept it open: drop that line, retry the others.
	 */
	if (c->first < c->lineno)
		return reject_first(c);
	chop_eol(&c->raw);
	drop_pending(c);
	sb_adds(&c->why, "malformed quote");
	return bad(c, c->first, c->raw.buf, c->raw.len);
}

/* The pending record, still open at a line's end, outgrew maxrec. */
static int
overlong(struct csvr *c)
{
	if (c->first < c->lineno)
		return reject_first(c);
	chop_eol(&c->raw);
	drop_pending(c);
	sb_addf(&c->why, "record longer than %zu bytes", c->maxrec);
	return bad(c, c->first, c->raw.buf, c->raw.len);
}

/* libcsv ended a row: make it the current record. */
static int
finish(struct csvr *c, int chop)
{
	struct fields *fs = &c->fs;
	size_t i;

	if (chop) {
		/* The CR or LF that ended the row is not part of it. */
		c->raw.buf[--c->raw.len] = '\0';
	}
	c->done = 0;
	for (i = 0; i < fs->n; i++)
		fs->f[i] = fs->buf + fs->off[i];
	c->rec.nf = fs->n;
	c->rec.f = fs->f;
	c->rec.flen = fs->flen;
	c->rec.line = c->first;
	c->rec.raw = c->raw.buf;
	c->rec.rawlen = c->raw.len;
	if (c->raw.len > c->maxrec) {
		sb_addf(&c->why, "record longer than %zu bytes", c->maxrec);
		c->rec.nf = 0;
		return CSVR_BAD;
	}
	return CSVR_REC;
}

/* next_line gave no line to feed: r is LR_EOF, LR_LONG or LR_ERR. */
static int
no_line(struct csvr *c, int r)
{
	if (r == LR_ERR) {
		c->err = errno;
		return CSVR_ERR;
	}
	if (r == LR_LONG) {
		if (c->raw.len > 0) {
			/* Its bytes are lost, so the record cannot end. */
			c->longline = c->lineno;
			return reject_first(c);
		}
		sb_addf(&c->why, "line longer than %zu bytes",
		    c->lr->maxline);
		return bad(c, c->lineno, c->raw.buf, 0);
	}
	if (c->raw.len == 0)
		return CSVR_EOF;
	if (csv_fini(&c->p, on_field, on_row, c) != 0)
		return reject_first(c);
	if (c->done)
		return finish(c, 0);
	return CSVR_EOF;	/* not reached: fini ends any row begun */
}

/*
 * The next record, well-formed CSV or not, into rec: CSVR_REC, CSVR_BAD
 * with c->why set, CSVR_EOF or CSVR_ERR.
 */
static int
read_rec(struct csvr *c)
{
	const char *s, *cr;
	size_t n;
	int r;

	sb_reset(&c->why);
	sb_reset(&c->raw);
	c->fs.n = c->fs.len = 0;
	c->first = 0;
	if (c->err) {
		errno = c->err;
		return CSVR_ERR;
	}
	for (;;) {
		if (c->pos == c->len) {
			if ((r = next_line(c)) != LR_LINE)
				return no_line(c, r);
			continue;
		}
		s = c->line + c->pos;
		n = c->len - c->pos;
		if ((cr = memchr(s, '\r', n)) != NULL)
			n = (size_t)(cr - s) + 1;
		c->pos += n;
		if (c->raw.len == 0) {
			/* Blank lines between records are no records. */
			while (n > 0 && (*s == '\n' || *s == '\r')) {
				s++;
				n--;
			}
			if (n == 0)
				continue;
			c->first = c->lineno;
			if (c->detect) {
				c->delim = detect_delim(s,
				    (size_t)(c->line + c->len - s));
				csv_set_delim(&c->p, (unsigned char)c->delim);
				c->detect = 0;
			}
		}
		sb_add(&c->raw, s, n);
		if (csv_parse(&c->p, s, n, on_field, on_row, c) < n)
			return malformed(c);
		if (c->done)
			return finish(c, 1);
		if (c->pos == c->len && c->raw.len > c->maxrec)
			return overlong(c);
	}
}

/* Whether every field is free of NUL bytes and valid UTF-8. */
static int
check_fields(struct csvr *c, struct csvr_rec *r)
{
	size_t i;

	/*
	 * Fields are the raw bytes less some ASCII quotes and delimiters,
	 * so a clean raw record has clean fields: one pass, usually.
	 */
	if (memchr(r->raw, '\0', r->rawlen) == NULL &&
	    utf8_check(r->raw, r->rawlen) < 0)
		return 0;
	for (i = 0; i < r->nf; i++) {
		if (memchr(r->f[i], '\0', r->flen[i]) != NULL) {
			sb_addf(&c->why, "NUL byte in field %zu", i + 1);
			return -1;
		}
		if (utf8_check(r->f[i], r->flen[i]) >= 0) {
			sb_addf(&c->why, "invalid UTF-8 in field %zu", i + 1);
			return -1;
		}
	}
	return 0;
}

/* Read the header on first use; a bad one is kept for csvr_next. */
static void
load_header(struct csvr *c)
{
	struct fields tf;
	struct csvr_rec *h = &c->hdr;
	char *s;
	size_t i, n;
	int r;

	if (c->hstate != HDR_UNREAD)
		return;
	r = read_rec(c);
	if (r == CSVR_ERR)
		return;
	if (r == CSVR_EOF) {
		c->hstate = HDR_NONE;
		return;
	}
	if (r == CSVR_REC && check_fields(c, &c->rec) == 0) {
		tf = c->hfs;
		c->hfs = c->fs;
		c->fs = tf;
		sb_add(&c->hraw, c->rec.raw, c->rec.rawlen);
		*h = c->rec;
		h->raw = c->hraw.buf;
		for (i = 0; i < h->nf; i++) {
			s = h->f[i];
			n = h->flen[i];
			while (n > 0 && (*s == ' ' || *s == '\t')) {
				s++;
				n--;
			}
			while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
				n--;
			s[n] = '\0';
			h->f[i] = s;
			h->flen[i] = n;
		}
		c->hstate = HDR_OK;
		return;
	}
	/* Without a header no record can be checked: report it and stop. */
	sb_reset(&c->tmp);
	sb_addf(&c->tmp, "bad header: %s", c->why.buf);
	sb_reset(&c->why);
	sb_add(&c->why, c->tmp.buf, c->tmp.len);
	c->hstate = HDR_BAD;
}

const struct csvr_rec *
csvr_header(struct csvr *c)
{
	load_header(c);
	return c->hstate == HDR_OK ? &c->hdr : NULL;
}

int
csvr_delim(struct csvr *c)
{
	load_header(c);
	return c->delim;
}

int
csvr_next(struct csvr *c, struct csvr_rec **rec, struct sbuf *why)
{
	int r;

	*rec = NULL;
	load_header(c);
	switch (c->hstate) {
	case HDR_UNREAD:
		errno = c->err;
		return CSVR_ERR;
	case HDR_BAD:
		c->hstate = HDR_NONE;
		r = CSVR_BAD;
		goto out;
	case HDR_NONE:
		return CSVR_EOF;
	}
	r = read_rec(c);
	if (r == CSVR_REC) {
		if (c->rec.nf != c->hdr.nf) {
			sb_addf(&c->why, "expected %zu field%s, got %zu",
			    c->hdr.nf, c->hdr.nf == 1 ? "" : "s", c->rec.nf);
			r = CSVR_BAD;
		} else if (check_fields(c, &c->rec) != 0)
			r = CSVR_BAD;
	}
out:
	if (r == CSVR_REC || r == CSVR_BAD)
		*rec = &c->rec;
	if (r == CSVR_BAD && why != NULL) {
		sb_reset(why);
		sb_add(why, c->why.buf, c->why.len);
	}
	return r;
}
