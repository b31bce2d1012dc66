/*
 * access.h - everything held about one person (GDPR article 15).
 *
 * The person is what the temp tables s_rec (record ids) and s_prof
 * (profile ids) of the connection hold, as cdp-privacy resolves a
 * subject: their profiles, records (contacts and events, the raw record
 * as collected), replaced versions, identifiers, consent statements
 * (their history), links, merge history, segment history, scores,
 * segment memberships and the exports that carried them, with the file
 * written.
 */
#ifndef CDP_ACCESS_H
#define CDP_ACCESS_H

#include <sqlite3.h>
#include <stdio.h>

#include "core/util.h"

/*
 * Print it to f: one JSON document on one line, or with text a form
 * for a reader (a line of introduction, each part under its name, one
 * entry a paragraph, one field a line).  kind names the subject
 * ("email", "profile", ...).  0, or -1 with why.
 */
int	priv_access(sqlite3 *, const char *kind, int text, FILE *f,
	    struct sbuf *why);

#endif
