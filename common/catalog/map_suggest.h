/*
 * map_suggest.h - propose a map file (cdp-map(5)) for a new source from a
 * sample of one of its files: cdp-catalog suggest.
 *
 * Each field of the sample (a CSV column, or a JSON path outside
 * arrays) is matched to a canonical field by its name (the common names
 * cdp-ingest recognises, in French and English: courriel, PRENOM,
 * tel_portable, ...) and by the shape of its values (a column of
 * emails is an email whatever its name), and proposed only when its
 * values fit the canonical field: IP addresses are never phones, order
 * numbers and product names never names, dates never emails; a
 * doubtful proposal is written commented out with its reason, and a
 * field cdp-ingest would take by name all the same gets @ignore.
 * Settings are proposed from
 * the values too: @id for a column whose values are all present and
 * distinct, @date-format from the layout of the dates (day first when
 * a day above 12 is seen, month first when a month position holds one),
 * @country from the phone field's own numbers, with enough support,
 * @delimiter for a CSV file not separated by commas.  Every line comes
 * after a comment that gives its evidence.
 */
#ifndef CDP_MAP_SUGGEST_H
#define CDP_MAP_SUGGEST_H

#include "core/util.h"

/*
 * Read at most nsample records of path (format RIN_CSV, RIN_NDJSON or
 * RIN_GUESS, as io/record_reader.h; in encoding, an iconv(1) name, or
 * NULL for UTF-8) and append the proposed map file to out.  A file
 * that is not UTF-8 and has no encoding named is read again as
 * WINDOWS-1252 (a regular file only), the map saying so and which -E
 * cdp-ingest needs.  0, or -1 with the reason in why (the file cannot
 * be read, or holds no record).
 */
int	sg_suggest(const char *path, int format, const char *encoding,
	    long nsample, struct sbuf *out, struct sbuf *why);

#endif
