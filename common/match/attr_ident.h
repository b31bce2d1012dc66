/*
 * attr_ident.h - identifiers among the columns a map leaves unmapped.
 *
 * A people file often carries a social security, passport or licence
 * number that no canonical field names.  Read as attr.COLUMN it would
 * say nothing unless a configuration compared it; these columns are
 * found from the data instead: filled in at least half the records,
 * nearly every value of an identifier's shape (mload_attr_norm), six
 * digits or more on average, and ten records or fewer a value on
 * average (a duplicated file repeats its numbers; a category has few
 * values).  Each one found is compared (exact, one typo, else) and
 * blocked on, as configuration text for mcfg_load_with.
 */
#ifndef CDP_ATTR_IDENT_H
#define CDP_ATTR_IDENT_H

#include "core/util.h"
#include "io/record_reader.h"

#include <sqlite3.h>

/*
 * Look at the first records of the file at path (a regular file: stdin
 * is not read twice) and append to conf a "compare" and a "block" line
 * for each identifier column not yet in conf.  Returns the number of
 * columns found, or -1 when the file cannot be read (nothing appended).
 */
int	mattr_find(const char *path, const struct rin_opts *, struct sbuf *conf);

/*
 * The same over the store: the first records of each source, the
 * columns its stored map leaves unmapped.  A column found must also keep
 * to one person: of its values that two named records share, at most one
 * in two joins last names of different first two letters (a product or
 * shop code does not).
 * Returns the number found, or -1 with the reason in why.
 */
int	mattr_find_db(sqlite3 *, struct sbuf *conf, struct sbuf *why);

#endif
