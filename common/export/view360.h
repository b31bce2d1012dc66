/*
 * view360.h - the 360-degree view of a profile: one JSON object with
 * its id, the golden record ("golden"), its identifiers and the sources
 * that gave each ("identities"), every member record with its raw JSON
 * embedded as JSON ("records"), its scores (an object by name), the
 * names of its segments, its latest consent statement per purpose, and
 * its 20 most recent events (records with an event_type, by ts).
 */
#ifndef CDP_VIEW360_H
#define CDP_VIEW360_H

#include <sqlite3.h>

#include "core/util.h"

/* One row, one column: the document of profile :pid (no row if none). */
extern const char v360_sql[];

/*
 * The profile a subject names: a profile id, an email or a phone in
 * international form (normalised as cdp-ingest does, then looked up in
 * ident).  The id, or -1 with why set: not a subject, no profile, or an
 * identifier shared by several profiles.  An id is not checked here.
 */
long long v360_resolve(sqlite3 *, const char *subject, struct sbuf *why);

#endif
