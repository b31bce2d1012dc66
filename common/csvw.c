/*
 * csvw.c - RFC 4180 CSV writer; see csvw.h.
 */
#include <stdlib.h>
#include <string.h>

#include "csvw.h"

void
csvw_init(struct csvw *w, FILE *f, int delim)
{
	w->f = f;
	w->delim = delim;
	w->nf = 0;
	sb_init(&w->row);
}

void
csvw_release(struct csvw *w)
{
	sb_release(&w->row);
}

void
csvw_quote(struct sbuf *sb, const char *s, size_t n, int delim)
{
	size_t i;
	int need = 0;

	for (i = 0; i < n; i++)
		if (s[i] == delim || s[i] == '"' || s[i] == '\n' ||
		    s[i] == '\r') {
			need = 1;
			break;
		}
	if (!need) {
		sb_add(sb, s, n);
		return;
	}
	sb_addc(sb, '"');
	for (i = 0; i < n; i++) {
		if (s[i] == '"')
			sb_addc(sb, '"');
		sb_addc(sb, s[i]);
	}
	sb_addc(sb, '"');
}

void
csvw_field(struct csvw *w, const char *s, size_t n)
{
	if (w->nf++ > 0)
		sb_addc(&w->row, w->delim);
	if (s != NULL)
		csvw_quote(&w->row, s, n, w->delim);
}

void
csvw_str(struct csvw *w, const char *s)
{
	csvw_field(w, s, s != NULL ? strlen(s) : 0);
}

void
csvw_int(struct csvw *w, long long v)
{
	char buf[32];
	int n = snprintf(buf, sizeof(buf), "%lld", v);

	csvw_field(w, buf, (size_t)n);
}

void
csvw_double(struct csvw *w, double v)
{
	char buf[40];
	int n = 0, p;

	for (p = 15; p <= 17; p++) {
		n = snprintf(buf, sizeof(buf), "%.*g", p, v);
		if (strtod(buf, NULL) == v)
			break;
	}
	csvw_field(w, buf, (size_t)n);
}

int
csvw_end(struct csvw *w)
{
	sb_addc(&w->row, '\n');
	w->nf = 0;
	if (fwrite(w->row.buf, 1, w->row.len, w->f) != w->row.len) {
		sb_reset(&w->row);
		return -1;
	}
	sb_reset(&w->row);
	return 0;
}
