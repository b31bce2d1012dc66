/*
 * catalog_internal.h - the insides of struct cat, shared by catalog.c (which
 * fills it) and catalog_flush.c (which writes it into the database); not for
 * use outside the catalog.
 */
#ifndef CDP_CATALOG_INTERNAL_H
#define CDP_CATALOG_INTERNAL_H

#include <stdint.h>

#include "catalog/catalog.h"
#include "catalog/sketch.h"
#include "catalog/value_shape.h"

/*
 * The hashes of a field's recent values, by a cheap index: sk_hash64
 * (SHA-256) is most of what observing a value costs, and values repeat
 * (an event type, a visitor's id over a session).
 */
#define HC_N	8
#define HC_MAX	47
struct hcache {
	uint64_t h;
	unsigned char len;	/* of v, plus one; 0 while empty */
	char	 v[HC_MAX];
};

/* One field of the batch: a canonical field or a raw path. */
struct fld {
	char	*name;		/* canonical name, or the path without attr. */
	size_t	 len;
	uint64_t key;		/* sk_hash64 of the path, for the index */
	int	 raw;		/* a raw path */
	int	 arr;		/* the path goes through an array ("[]") */
	int	 next;		/* the field that followed it last, or -1 */
	int	 active;	/* something was added since the reset */
	uint64_t stamp;		/* last record counted in present */
	long long present;	/* records with a non-empty value */
	long long nt[SH_NTYPES];	/* values of each type */
	long long given, valid;	/* canonical: source gave a value; valid */
	struct hll *hll;	/* distinct values, allocated on first use */
	struct hh *hh;		/* top values, allocated on first use */
	int	 hasnum, hastext;
	double	 lo, hi;	/* numeric min and max */
	char	 tlo[HH_VALMAX + 1], thi[HH_VALMAX + 1];	/* text ones */
	uint32_t canon;		/* canonical fields this path feeds */
	uint64_t mapgen;	/* map generation canon was computed for */
	struct hcache hc[HC_N];
};

struct note {
	char	*file, *format;
	long long bytes, records, rejected;
};

/* An open map or array while walking a record. */
struct open {
	size_t	 raw;		/* length of its raw path */
	size_t	 norm;		/* length of its normalised path */
	int	 arr;
};

/* A value seen by cat_forget's walk. */
struct seen {
	int	 field;		/* index in cat.f */
	uint64_t hash;		/* sk_hash64 of the value */
	int	 num;		/* a number: d holds it */
	double	 d;
	char	 val[HH_VALMAX + 1];	/* the value cut as min/max are */
};

struct cat {
	struct fld *f;		/* C_NCANON canonical fields, then raw paths */
	size_t	 n, cap;
	uint32_t *idx;		/* raw paths by key: index + 1, 0 empty */
	size_t	 idxcap;	/* a power of two */
	long long records;	/* records added since the reset */
	long long untracked;	/* values of paths past CAT_MAX_FIELDS */
	uint64_t recno;		/* records ever added: the present stamp */
	struct nd *nd;
	struct sbuf path;	/* the normalised path when arrays are open */
	struct open stk[RIN_MAX_DEPTH + 1];
	int	 depth, narr;	/* open containers, open arrays */
	int	 prev;		/* field of the previous value, or -1 */
	int	 first;		/* field of the first value last time */
	const struct map *map;	/* map of the record being added, or NULL */
	size_t	 mapn;
	uint64_t mapgen;
	int	 mapidx;	/* a map field names an array element */
	uint32_t consts;	/* canonical fields set by constants */
	uint32_t given;		/* canonical fields given by this record */
	struct note *notes;
	size_t	 nnotes, capnotes;
	int	 forget;	/* cat_forget: collect values in seen */
	struct seen *seen;
	size_t	 nseen, capseen;
};

#endif
