/*
 * record_numbers.h - records named by (source, record id), numbered 0, 1, 2...
 * in the order they are first seen: the record table of cdp-merge's file
 * mode, where there is no database to give rowids.
 *
 * Open addressing over the numbers, the keys in one arena: about 40
 * bytes a record, nothing per lookup.
 */
#ifndef CDP_RECORD_NUMBERS_H
#define CDP_RECORD_NUMBERS_H

#include <stddef.h>
#include <stdint.h>

#include "core/util.h"

struct keytab {
	struct sbuf arena;	/* "source\0record_id\0" of each record */
	size_t	*off;		/* arena offset of record i */
	uint32_t *h;		/* hash of record i */
	uint32_t n, cap;
	uint32_t *slot;		/* record + 1, 0: empty */
	uint32_t nslot;		/* a power of two, at least 2n */
};

void	kt_init(struct keytab *);
void	kt_release(struct keytab *);

/* The number of the record, given one when new. */
uint32_t kt_intern(struct keytab *, const char *src, size_t slen,
	    const char *rid, size_t rlen);

const char *kt_source(const struct keytab *, uint32_t i);
const char *kt_record_id(const struct keytab *, uint32_t i);

#endif
