/*
 * mload.h - filling cdp-match's record store (mset.h) from files read
 * through rin (no database) or from the record table.
 *
 * Both loaders put the same thing in each slot of the configuration: a
 * canonical field's normalised value (first_name, last_name and
 * full_name as their match keys), or an attribute's value found in the
 * record's original JSON, trimmed, blanks collapsed and ASCII letters
 * lower-cased.  full_name, when absent, is derived from the first and
 * last names, so that a record holding only "Jean Dupont" meets one
 * holding them apart.
 */
#ifndef CDP_MLOAD_H
#define CDP_MLOAD_H

#include <sqlite3.h>

#include "mcfg.h"
#include "mset.h"
#include "rin.h"

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
 * > member.run) or when all is set.  Returns the number of records, or
 * -1 with sqlite's message in why.
 */
long	mload_db(struct mset *, const struct mcfg *, sqlite3 *, int all,
	    struct sbuf *why);

/*
 * Fold street and city values to match keys as names are (case,
 * accents and punctuation ignored: "PARIS" and "Paris", "Église" and
 * "Eglise" compare equal).  Called once after loading.
 */
void	mload_fold(struct mset *, const struct mcfg *);

/* Normalise an attribute value as the loaders do (exposed for tests). */
void	mload_attr_norm(const char *s, size_t n, struct sbuf *out);

#endif
