/*
 * export_output.c - cdp-export's output layer; see export.h.
 */
#include <errno.h>
#include <math.h>
#include <string.h>

#include "export/export.h"

void
ex_write_failed(struct export *e)
{
	if (e->werr != 0)
		return;
	e->werr = errno != 0 ? errno : EIO;
	sb_reset(&e->why);
	sb_addf(&e->why, "%s: %s", e->outname, write_strerror(e->werr));
}

void
ex_header(struct export *e, const char *const *cols)
{
	size_t i;

	e->cols = cols;
	if (e->format != FMT_CSV || e->lazy)
		return;
	/* With the header: an export that writes nothing has no BOM. */
	if (e->bom)
		csvw_bom(&e->csv);
	for (i = 0; cols[i] != NULL; i++)
		csvw_str(&e->csv, cols[i]);
	if (csvw_end(&e->csv) == -1)
		ex_write_failed(e);
}

void
ex_begin(struct export *e)
{
	if (e->lazy) {
		e->lazy = 0;
		ex_header(e, e->cols);
	}
	e->col = 0;
	if (e->format == FMT_NDJSON) {
		jw_reset(&e->jw);
		jw_map_open(&e->jw);
	}
}

void
ex_str(struct export *e, const char *s, size_t n)
{
	const char *name = e->cols[e->col++];

	if (e->format == FMT_CSV) {
		csvw_field(&e->csv, s, n);
		return;
	}
	if (s == NULL)
		return;
	jw_key(&e->jw, name, strlen(name));
	if (jw_str(&e->jw, s, n) == -1)
		jw_null(&e->jw);
}

void
ex_int(struct export *e, long long v)
{
	const char *name = e->cols[e->col++];

	if (e->format == FMT_CSV) {
		csvw_int(&e->csv, v);
		return;
	}
	jw_key(&e->jw, name, strlen(name));
	jw_int(&e->jw, v);
}

/*
 * Value v of a row as text, or NULL.  Rows are read through
 * sqlite3_column_value: one call a column instead of three (type, text,
 * bytes), each of which enters and leaves the connection.
 */
void
ex_val(struct export *e, sqlite3_value *v)
{
	if (sqlite3_value_type(v) == SQLITE_NULL)
		ex_str(e, NULL, 0);
	else if (sqlite3_value_type(v) == SQLITE_FLOAT)
		ex_double(e, sqlite3_value_double(v));
	else
		ex_str(e, (const char *)sqlite3_value_text(v),
		    (size_t)sqlite3_value_bytes(v));
}

/* Column i of a row: text, or NULL. */
void
ex_col(struct export *e, sqlite3_stmt *st, int i)
{
	ex_val(e, sqlite3_column_value(st, i));
}

void
ex_end(struct export *e)
{
	e->rows++;
	if (e->format == FMT_CSV) {
		if (csvw_end(&e->csv) == -1)
			ex_write_failed(e);
		return;
	}
	jw_map_close(&e->jw);
	sb_addc(&e->line, '\n');
	if (fwrite(e->line.buf, 1, e->line.len, e->out) != e->line.len)
		ex_write_failed(e);
}

/* Step st through its rows, each written by row(); 0 or -1. */
int
ex_rows(struct export *e, sqlite3_stmt *st,
    void (*row)(struct export *, sqlite3_stmt *))
{
	sqlite3_value *p;
	int rc = SQLITE_DONE;

	while (!e->werr && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		ex_begin(e);
		row(e, st);
		ex_end(e);
		p = sqlite3_column_value(st, e->pcol);
		if (sqlite3_value_type(p) != SQLITE_NULL &&
		    xlog_item(&e->log, sqlite3_value_int64(p), &e->why) == -1)
			return -1;
	}
	if (e->werr)
		return -1;	/* e->why says it */
	if (rc != SQLITE_DONE) {
		sb_reset(&e->why);
		sb_adds(&e->why, sqlite3_errmsg(e->db));
		return -1;
	}
	return 0;
}

void
ex_double(struct export *e, double v)
{
	const char *name = e->cols[e->col++];

	if (e->format == FMT_CSV) {
		csvw_double(&e->csv, v);
		return;
	}
	jw_key(&e->jw, name, strlen(name));
	jw_double(&e->jw, v);
}

void
ex_money(struct export *e, double v)
{
	const char *name = e->cols[e->col++];

	if (e->format == FMT_CSV) {
		csvw_fixed(&e->csv, v, 2);
		return;
	}
	jw_key(&e->jw, name, strlen(name));
	jw_double(&e->jw, round(v * 100) / 100);
}

void
ex_score(struct export *e, double v)
{
	const char *name = e->cols[e->col++];

	if (e->format == FMT_CSV) {
		csvw_round(&e->csv, v, SCORE_DECIMALS);
		return;
	}
	jw_key(&e->jw, name, strlen(name));
	jw_double(&e->jw, v);
}
