/*
 * table.c - tables, CSV and NDJSON from the same rows; see table.h.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "io/csv_options.h"
#include "io/csv_writer.h"
#include "io/json_writer.h"
#include "io/table.h"

int
tab_format(const char *s, int allowed)
{
	static const char *const names[] = { "table", "csv", "ndjson" };
	int i;

	for (i = 0; i < 3; i++)
		if (strcmp(s, names[i]) == 0 && (allowed & (1 << i)))
			return i;
	return -1;
}

int
tab_term_width(void)
{
	struct winsize ws;
	const char *e;
	long long w;
	const char *err;

	if (!isatty(1))
		return 0;
	if ((e = getenv("COLUMNS")) != NULL && parse_ll(e, 20, 10000, &w,
	    &err) == 0)
		return (int)w;
	if (ioctl(1, TIOCGWINSZ, &ws) == 0 && ws.ws_col >= 20)
		return ws.ws_col;
	return 80;
}

void
tab_init(struct tab *t, FILE *f, int fmt, const char *const *cols,
    size_t ncol)
{
	memset(t, 0, sizeof(*t));
	t->f = f;
	t->fmt = fmt;
	t->cols = cols;
	t->ncol = ncol;
	t->row = xcalloc(ncol, sizeof(*t->row));
	t->width = fmt == TAB_TABLE ? tab_term_width() : 0;
	t->keep = xmalloc(ncol ? ncol : 1);
	memset(t->keep, 1, ncol);
	t->nkeep = ncol;
	t->delim = ',';
	t->decimal = '.';
	sb_init(&t->line);
}

void
tab_csv_options(struct tab *t, const struct csvo *o)
{
	t->delim = csvo_delim(o);
	t->decimal = csvo_decimal(o);
	t->bom = o->bom || o->excel;
	t->crlf = o->crlf || o->excel;
}

void
tab_table_cols(struct tab *t, const char *list)
{
	size_t i, n;
	const char *p;

	t->nkeep = 0;
	for (i = 0; i < t->ncol; i++) {
		n = strlen(t->cols[i]);
		t->keep[i] = 0;
		for (p = list; (p = strstr(p, t->cols[i])) != NULL; p += n)
			if ((p == list || p[-1] == ' ') && (p[n] == ' ' ||
			    p[n] == '\0'))
				t->keep[i] = 1;
		t->nkeep += t->keep[i];
	}
}

static void
free_cells(struct tab_cell *c, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(c[i].s);
}

void
tab_release(struct tab *t)
{
	free_cells(t->cells, t->ncells);
	free(t->cells);
	free_cells(t->row, t->nrow);
	free(t->row);
	free(t->keep);
	sb_release(&t->line);
}

static void
cell(struct tab *t, char *s, int kind)
{
	if (t->nrow == t->ncol) {	/* a caller's bug: drop the extra */
		free(s);
		return;
	}
	t->row[t->nrow].s = s;
	t->row[t->nrow++].kind = kind;
}

void
tab_str(struct tab *t, const char *s)
{
	cell(t, s ? xstrdup(s) : NULL, 's');
}

void
tab_int(struct tab *t, long long v)
{
	char b[32];

	snprintf(b, sizeof(b), "%lld", v);
	cell(t, xstrdup(b), 'n');
}

void
tab_real(struct tab *t, double v, int decimals)
{
	char b[512];

	snprintf(b, sizeof(b), "%.*f", decimals, v);
	cell(t, xstrdup(b), 'n');
}

void
tab_json(struct tab *t, const char *s)
{
	cell(t, s ? xstrdup(s) : NULL, 'j');
}

void
tab_num(struct tab *t, const char *s)
{
	cell(t, s ? xstrdup(s) : NULL, 'n');
}

void
tab_null(struct tab *t)
{
	cell(t, NULL, 's');
}

static int
put(struct tab *t)
{
	if (fwrite(t->line.buf, 1, t->line.len, t->f) != t->line.len)
		return -1;
	sb_reset(&t->line);
	return 0;
}

/* The CSV header, after the BOM when asked for. */
static void
csv_header(struct tab *t)
{
	size_t i;

	if (t->bom)
		sb_add(&t->line, "\xef\xbb\xbf", 3);
	for (i = 0; i < t->ncol; i++) {
		if (i > 0)
			sb_addc(&t->line, (char)t->delim);
		csvw_quote(&t->line, t->cols[i], strlen(t->cols[i]), t->delim);
	}
	if (t->crlf)
		sb_addc(&t->line, '\r');
	sb_addc(&t->line, '\n');
	t->header = 1;
}

/* A CSV cell; a number with the decimal mark in force. */
static void
csv_cell(struct tab *t, const struct tab_cell *c)
{
	size_t start = t->line.len, i;

	if (c->s == NULL)
		return;
	csvw_quote(&t->line, c->s, strlen(c->s), t->delim);
	if (c->kind == 'n' && t->decimal != '.')
		for (i = start; i < t->line.len; i++)
			if (t->line.buf[i] == '.')
				t->line.buf[i] = (char)t->decimal;
}

static void
json_string(struct sbuf *out, const char *s)
{
	struct sbuf tmp;
	struct jw w;

	sb_init(&tmp);
	jw_init(&w, &tmp);
	if (jw_str(&w, s, strlen(s)) == -1)
		sb_adds(&tmp, "null");
	sb_add(out, tmp.buf, tmp.len);
	jw_release(&w);
	sb_release(&tmp);
}

int
tab_row(struct tab *t)
{
	size_t i;
	int rc = 0;

	while (t->nrow < t->ncol)
		tab_null(t);
	if (t->fmt == TAB_TABLE) {
		if (t->ncells + t->nkeep > t->cap) {
			t->cap = t->cap ? 2 * t->cap : 64 * t->ncol;
			t->cells = xrealloc(t->cells, t->cap * sizeof(*t->cells));
		}
		for (i = 0; i < t->ncol; i++)
			if (t->keep[i])
				t->cells[t->ncells++] = t->row[i];
			else
				free(t->row[i].s);
		t->nrow = 0;
		return 0;
	}
	if (t->fmt == TAB_CSV) {
		if (!t->header)
			csv_header(t);
		for (i = 0; i < t->ncol; i++) {
			if (i > 0)
				sb_addc(&t->line, (char)t->delim);
			csv_cell(t, &t->row[i]);
		}
		if (t->crlf)
			sb_addc(&t->line, '\r');
	} else {
		sb_addc(&t->line, '{');
		for (i = 0; i < t->ncol; i++) {
			if (i > 0)
				sb_addc(&t->line, ',');
			json_string(&t->line, t->cols[i]);
			sb_addc(&t->line, ':');
			if (t->row[i].s == NULL)
				sb_adds(&t->line, "null");
			else if (t->row[i].kind == 's')
				json_string(&t->line, t->row[i].s);
			else
				sb_adds(&t->line, t->row[i].s);
		}
		sb_addc(&t->line, '}');
	}
	sb_addc(&t->line, '\n');
	rc = put(t);
	free_cells(t->row, t->ncol);
	t->nrow = 0;
	return rc;
}

/* Display width: code points (wide characters are rare in this data). */
static size_t
width(const char *s)
{
	size_t w = 0;

	for (; *s != '\0'; s++)
		w += ((unsigned char)*s & 0xc0) != 0x80;
	return w;
}

/* Append s cut or padded to w columns; right-aligned when right. */
static void
fit(struct sbuf *out, const char *s, size_t w, int right)
{
	size_t n = width(s), i, k;

	if (n > w) {
		/* Keep w - 1 characters and mark the cut. */
		for (i = k = 0; s[i] != '\0'; i++) {
			if (((unsigned char)s[i] & 0xc0) != 0x80 && k++ == w - 1)
				break;
		}
		sb_add(out, s, i);
		sb_addc(out, '~');
		return;
	}
	if (right)
		for (i = n; i < w; i++)
			sb_addc(out, ' ');
	sb_adds(out, s);
	if (!right)
		for (i = n; i < w; i++)
			sb_addc(out, ' ');
}

int
tab_flush(struct tab *t)
{
	size_t *w, r, i, k, nrows, total, big, nc = t->nkeep, nshow = nc;
	const char **head;
	const char *s;
	int rc = 0;

	if (t->fmt == TAB_CSV && !t->header) {
		/* No row: the header alone still says what would be there. */
		csv_header(t);
		return put(t);
	}
	if (t->fmt != TAB_TABLE || nc == 0)
		return 0;
	nrows = t->ncells / nc;
	head = xcalloc(nc, sizeof(*head));
	for (i = k = 0; i < t->ncol; i++)
		if (t->keep[i])
			head[k++] = t->cols[i];
	w = xcalloc(nc, sizeof(*w));
	for (i = 0; i < nc; i++)
		w[i] = width(head[i]);
	for (r = 0; r < nrows; r++)
		for (i = 0; i < nc; i++)
			if ((s = t->cells[r * nc + i].s) != NULL &&
			    width(s) > w[i])
				w[i] = width(s);
	/*
	 * Too wide: narrow the columns after the first two (the keys),
	 * last first, each down to the smaller of its natural width and 8
	 * (or its header), then leave out the last columns that still do
	 * not fit, then cut the widest.
	 */
	for (total = 2 * (nc - 1), i = 0; i < nc; i++)
		total += w[i];
	for (i = nc; t->width > 0 && total > (size_t)t->width && i-- > 2; ) {
		size_t floor = w[i] < 8 ? w[i] : 8;

		if (width(head[i]) > floor)
			floor = width(head[i]);
		while (w[i] > floor && total > (size_t)t->width) {
			w[i]--;
			total--;
		}
	}
	while (t->width > 0 && total > (size_t)t->width && nshow > 2) {
		nshow--;
		total -= w[nshow] + 2;
	}
	while (t->width > 0 && total > (size_t)t->width) {
		for (big = 0, i = 1; i < nshow; i++)
			if (w[i] > w[big])
				big = i;
		if (w[big] <= 4)
			break;
		w[big]--;
		total--;
	}
	for (r = 0; r <= nrows && rc == 0; r++) {
		for (i = 0; i < nshow; i++) {
			struct tab_cell *c = r ? &t->cells[(r - 1) * nc + i] :
			    NULL;

			s = r == 0 ? head[i] : c->s ? c->s : "";
			if (i > 0)
				sb_adds(&t->line, "  ");
			fit(&t->line, s, w[i], r > 0 && c->kind == 'n');
		}
		while (t->line.len > 0 && t->line.buf[t->line.len - 1] == ' ')
			t->line.len--;
		sb_addc(&t->line, '\n');
		rc = put(t);
	}
	free(w);
	free(head);
	return rc;
}
