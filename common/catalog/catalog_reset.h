/*
 * catalog_reset.h - forget a source's data map (cdp-catalog reset).
 *
 * The catalog only ever adds what each run reads: after a map is fixed
 * (a column of IP addresses no longer taken for phones), its figures
 * still count the old values.  Resetting drops the source's fields,
 * totals and per-run counts, so that the next run of cdp-ingest starts
 * its data map again from what it reads; the records are not touched.
 */
#ifndef CDP_CATALOG_RESET_H
#define CDP_CATALOG_RESET_H

#include <sqlite3.h>

#include "core/util.h"

/*
 * Drop the data map of source source_id in one transaction, its deleted
 * rows overwritten (secure_delete: top values hold personal data).
 * *nfields: the fields it had.  0, or -1 with the reason in why.
 */
int	cat_drop_source(sqlite3 *db, long long source_id, long *nfields,
	    struct sbuf *why);
/* The same in the caller's transaction (cdp-catalog delete). */
int	cat_forget_source(sqlite3 *db, long long source_id, long *nfields,
	    struct sbuf *why);

#endif
