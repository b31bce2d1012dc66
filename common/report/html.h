/*
 * html.h - the HTML of cdp-report: one self-contained page at a time
 * (the style inline, no script, no font, no request of any kind), its
 * labels in English or French, tables, and charts drawn as inline SVG
 * that always come with the same numbers as a table, for screen readers,
 * for printing and for copying into a spreadsheet.
 *
 *	struct rh h;
 *
 *	rh_open(&h, f, RH_FR);
 *	rh_begin(&h, "index.html", rh_t(&h, "overview"));
 *	rh_bars(&h, "Records per day", "Day", "Records", labels,
 *	    values, NULL, n);
 *	rh_end(&h);
 */
#ifndef CDP_REPORT_HTML_H
#define CDP_REPORT_HTML_H

#include <stddef.h>
#include <stdio.h>

#include "core/util.h"

enum { RH_EN, RH_FR };

struct rh {
	FILE	*f;
	int	 lang;		/* RH_EN or RH_FR */
	int	 nchart;	/* charts so far: their ids */
};

/* The language of the labels: French when LC_ALL, LC_MESSAGES or LANG
 * (the first set) is French, else English. */
int	rh_lang_from_env(void);

void	rh_open(struct rh *, FILE *, int lang);
/* A label in the page's language; the key itself when unknown. */
const char *rh_t(const struct rh *, const char *key);
/*
 * The label of key prefix+name in the page's language, else name: "sc_"
 * scores, "an_" anomaly kinds, "ty_" the catalog's observed types.
 */
const char *rh_label(const struct rh *, const char *prefix,
	    const char *name);
/* A score's readable label in the page's language, else its name. */
const char *rh_score(const struct rh *, const char *name);

/*
 * An ISO 8601 UTC time (2026-12-07T20:48:55Z) as <time datetime=ISO>
 * read in the page's language (7 Dec 2026 20:48 UTC, 7 déc. 2026 20:48
 * UTC); anything else as it is.
 */
void	rh_time(struct rh *, const char *iso);

/* The page's head, its navigation (page is this file's name) and <h1>. */
void	rh_begin(struct rh *, const char *page, const char *title);
void	rh_end(struct rh *);

/* Text escaped for HTML; NULL writes nothing. */
void	rh_esc(struct rh *, const char *);
/* Formatted text, escaped. */
void	rh_printf(struct rh *, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));
/* Raw HTML. */
void	rh_raw(struct rh *, const char *);

void	rh_h2(struct rh *, const char *);
/* A row of key figures: labels[i] with values[i]. */
void	rh_kpis(struct rh *, const char *const *labels,
	    const char *const *values, size_t n);

/* A table: rh_table_begin with its caption and headers, then rows of
 * cells (rh_td escapes, rh_td_num right-aligns), rh_table_end. */
void	rh_table_begin(struct rh *, const char *caption,
	    const char *const *heads, size_t n);
void	rh_tr(struct rh *);
void	rh_td(struct rh *, const char *);
void	rh_td_num(struct rh *, const char *);
void	rh_tr_end(struct rh *);
void	rh_table_end(struct rh *);

/*
 * A bar chart of n labelled values as inline SVG, followed by the same
 * numbers as a table (its caption the chart's title, its columns dim and
 * unit); texts[i] is how value i is written (NULL: as a number).
 */
void	rh_bars(struct rh *, const char *title, const char *dim,
	    const char *unit,
	    char *const *labels, const double *values,
	    char *const *texts, size_t n);

/* A number for people: integers plain, others to two places, with the
 * page language's decimal mark; into buf (at least 64 bytes). */
const char *rh_num(const struct rh *, double, char *buf);

#endif
