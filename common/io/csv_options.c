/*
 * csv_options.c - -D, --bom, --crlf and --excel for every CSV writer;
 * see csv_options.h.
 */
#include <string.h>

#include "io/csv_options.h"
#include "normalise/field_map.h"

int
csvo_option(struct csvo *o, int ch, const char *arg)
{
	switch (ch) {
	case 'D':
		if ((o->delim = map_parse_delim(arg)) == -1)
			return -1;
		return 1;
	case CSVO_BOM:
		o->bom = 1;
		return 1;
	case CSVO_CRLF:
		o->crlf = 1;
		return 1;
	case CSVO_EXCEL:
		o->excel = 1;
		return 1;
	}
	return 0;
}

int
csvo_any(const struct csvo *o)
{
	return o->delim || o->bom || o->crlf || o->excel;
}

int
csvo_decimal(const struct csvo *o)
{
	return o->excel && csvw_locale_comma() ? ',' : '.';
}

int
csvo_delim(const struct csvo *o)
{
	if (o->delim)
		return o->delim;
	/* Excel in a decimal-comma locale splits fields on ';'. */
	return csvo_decimal(o) == ',' ? ';' : ',';
}

void
csvo_setup(const struct csvo *o, struct csvw *w, FILE *f)
{
	csvw_init(w, f, csvo_delim(o));
	if (csvo_decimal(o) == ',')
		csvw_decimal(w, ',');
	csvw_crlf(w, o->crlf || o->excel);
	if (o->excel)
		csvw_keeptext(w);
}

int
csvo_bom(const struct csvo *o)
{
	return o->bom || o->excel;
}

void
csvo_writer(const struct csvo *o, struct csvw *w, FILE *f)
{
	csvo_setup(o, w, f);
	if (csvo_bom(o))
		csvw_bom(w);
}
