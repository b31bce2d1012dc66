/*
 * report.h - cdp-report's pages: what the database knows, aggregated in
 * SQL into a handful of static HTML files (html.h) that a person opens
 * from a file, an intranet server or a mailed zip.  Every figure is an
 * aggregate or a bounded list, so a page's size does not grow with the
 * number of profiles; personal values appear only on a customer's own
 * page, and masked in the data map as cdp-catalog masks them.
 */
#ifndef CDP_REPORT_H
#define CDP_REPORT_H

#include <sqlite3.h>

#include "core/util.h"

/*
 * Write index.html, datamap.html, identity.html, scores.html and
 * segments.html into directory dir (which must exist), each written
 * under a temporary name and renamed, mode 0600.  0, or -1 with why set.
 */
int	report_write(sqlite3 *, const char *dir, int lang, struct sbuf *why);

/*
 * Write the page of one customer, found by profile id or e-mail, as
 * dir/customer-ID.html; its path into path.  0; 1 when no profile
 * matches who; -1 with why set.
 */
int	report_customer(sqlite3 *, const char *dir, const char *who, int lang,
	    struct sbuf *path, struct sbuf *why);

#endif
