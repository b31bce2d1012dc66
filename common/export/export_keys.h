/*
 * export_keys.h - what a changes export gave each destination: the
 * values of its fields on a profile's entry (export_key, cdp-schema(5)),
 * kept so that the profile's exit carries the same values however the
 * profile changed since (merged away, erased, its email changed), and
 * an exit is written only for a profile the destination was given.
 *
 * The export's helper thread owns the write connection while the rows
 * are written (export_log.h), so the rows' keys are gathered in memory
 * (xkeys_add, as each row is written) and saved after xlog_end, in the
 * export's transaction: an export that fails saves nothing.
 *
 *	struct xkeys k;
 *
 *	xkeys_init(&k);
 *	... xkeys_add(&k, profile, exit, json, len) per row written ...
 *	xkeys_save(&k, wdb, "vip", "mailer", export, keep, &why);
 *	xkeys_release(&k);
 */
#ifndef CDP_EXPORT_KEYS_H
#define CDP_EXPORT_KEYS_H

#include <sqlite3.h>

#include "core/util.h"

struct xkey {
	long long profile;
	int	 exit;		/* an exit row; else an entry */
	size_t	 off, len;	/* an entry's JSON array in arena */
};

struct xkeys {
	struct xkey *v;
	size_t	 n, cap;
	struct sbuf arena;	/* the entries' JSON arrays, one after another */
};

void	xkeys_init(struct xkeys *);
void	xkeys_release(struct xkeys *);
/* The export wrote an entry (with its fields' JSON array) or an exit. */
void	xkeys_add(struct xkeys *, long long profile, int exit,
	    const char *json, size_t len);
/*
 * Save the rows of export (an export_log id) of segment to dest: an
 * entry's keys replace the profile's, an exit marks them exited by
 * export.  Then the keys of exits known delivered are deleted: those
 * of earlier exports (this one would have written them again had its
 * file not been taken), and this export's own unless keep (a file a
 * retry may deliver again, cdp-export(1) -o).  0 or -1 with why.
 */
int	xkeys_save(struct xkeys *, sqlite3 *db, const char *segment,
	    const char *dest, long long export, int keep, struct sbuf *why);

#endif
