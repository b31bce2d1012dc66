/*
 * record_load.h - filling cdp-match's record store (record_set.h) from files
 * read through rin (no database) or from the record table.
 *
 * Both loaders put the same thing in each slot of the configuration: a
 * canonical field's normalised value (first_name, last_name and
 * full_name as their match keys), or an attribute's value found in the
 * record's original JSON, trimmed, blanks collapsed and ASCII letters
 * lower-cased.  full_name, when absent, is derived from the first and
 * last names, so that a record holding only "Jean Dupont" meets one
 * holding them apart.
 */
#ifndef CDP_RECORD_LOAD_H
#define CDP_RECORD_LOAD_H

#include <sqlite3.h>

#include "io/record_reader.h"
#include "match/match_config.h"
#include "match/record_set.h"

/*
 * Append the records of the file at path ("-" for stdin) with the given
 * source name.  The record id is the id field's value, else the
 * record's line number.  Diagnostics go to diag as in rin_open.
 * Returns the number of records, or -1 with the reason in why (the
 * file could not be opened or read).
 */
long	mload_file(struct mset *, const struct mcfg *, const char *path,
	    const char *source, const struct rin_opts *, rin_diag_fn diag,
	    void *arg, struct sbuf *why);

/*
 * Append every record of the database, in rowid order, flagged
 * MSET_NEW when unresolved (no member row, or changed since: record.run
 * > member.run) or when all is set; ms->run holds each record.run.
 * Returns the number of records, or
 * -1 with sqlite's message in why.
 */
long	mload_db(struct mset *, const struct mcfg *, sqlite3 *, int all,
	    struct sbuf *why);

/*
 * The stream's watermark (cdp-pairs(5)): the largest record rowid and
 * the largest record.run in the database, read in the caller's
 * transaction, so that they bound exactly the records the run saw.
 * 0, or -1 with sqlite's message in why.
 */
int	mload_watermark(sqlite3 *, long long *rowid, long long *run,
	    struct sbuf *why);

/*
 * The same for some records only, flagged likewise: MLOAD_UNRESOLVED
 * those that mload_db flags MSET_NEW, MLOAD_TO_KEY those and the ones
 * whose stored match keys (stored_keys.h) are missing or older than the
 * record, MLOAD_LISTED those whose rowid is in the table
 * temp.mload_ids(id INTEGER PRIMARY KEY), the caller's (the other two
 * fill it).  In rowid order, so that the records are numbered as a full
 * load numbers them.
 */
#define MLOAD_ALL		0
#define MLOAD_UNRESOLVED	1
#define MLOAD_LISTED		2
#define MLOAD_TO_KEY		3
long	mload_db_some(struct mset *, const struct mcfg *, sqlite3 *,
	    int which, struct sbuf *why);

/*
 * MLOAD_TO_KEY's records among those above a bound only: rowid above
 * rowid or record.run above run (through the primary key and the
 * index record_run, not a scan): cdp-stream's passes, which left
 * nothing unresolved below.
 */
long	mload_db_since(struct mset *, const struct mcfg *, sqlite3 *,
	    long long rowid, long long run, struct sbuf *why);

/*
 * Fold street and city values to match keys as names are (case,
 * accents and punctuation ignored: "PARIS" and "Paris", "Église" and
 * "Eglise" compare equal).  Called once after loading.
 */
void	mload_fold(struct mset *, const struct mcfg *);

/*
 * Normalise an attribute value as the loaders do (exposed for tests):
 * lower case, spaces collapsed; a value of an identifier's shape (digits,
 * no more letters than digits, separated by spaces, '-', '.' or '/') is
 * reduced to its letters and digits, so that "521-21-2123" meets
 * "521212123" and "ab 123 456" meets "AB123456".
 */
void	mload_attr_norm(const char *s, size_t n, struct sbuf *out);

#endif
