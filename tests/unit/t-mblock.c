/*
 * t-mblock.c - unit tests for common/match/blocking.c: Soundex against the
 * published examples, key transforms, unordered pairs, the pairs each
 * rule gives (earlier rules not repeated, incremental mode, the block
 * cap, link-only), blk_count, and the stable keys cdp-match stores.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/util.h"
#include "match/blocking.h"
#include "match/match_config.h"
#include "match/record_set.h"
#include "tap.h"

#define S(s)	(s), strlen(s)

static const struct {
	const char *name, *code;
} sx[] = {
	{ "robert", "R163" }, { "rupert", "R163" }, { "rubin", "R150" },
	{ "ashcraft", "A261" }, { "ashcroft", "A261" }, { "tymczak", "T522" },
	{ "pfister", "P236" }, { "honeyman", "H555" }, { "lee", "L000" },
	{ "jean francois", "J516" }, { "o brien", "O165" },
};

/* Pairs seen by the callback, as "a-b" strings. */
static char seen[1024];

static void
collect(void *arg, uint32_t a, uint32_t b, size_t rule)
{
	(void)arg;
	(void)rule;
	snprintf(seen + strlen(seen), sizeof(seen) - strlen(seen), "%s%u-%u",
	    seen[0] ? " " : "", a, b);
}

static size_t
pairs(struct blk *bk, size_t rule, int only_new, int first_rule,
    int link_only)
{
	struct blk_opts o;

	memset(&o, 0, sizeof(o));
	o.only_new = only_new;
	o.first_rule = first_rule;
	o.link_only = link_only;
	seen[0] = '\0';
	return blk_pairs(bk, rule, &o, collect, NULL);
}

/*
 * The transforms nick, words, last and daymonth, on the built-in
 * nicknames: keys of rules 0 to 3 are compared record by record.
 */
static void
new_transforms(void)
{
	static const char conf[] = "block first_name:nick\n"
	    "block full_name:words\nblock full_name:last\n"
	    "block birth_date:daymonth\n";
	static const char *const v[][3] = {
		/* first_name, full_name, birth_date */
		{ "liz", "jean paul roy", "1971-06-05" },	/* 0 */
		{ "elizabeth", "roy jean paul", "1971-05-06" },	/* 1 */
		{ "beth", "paul roy", "1971-06-05" },		/* 2 */
		{ "marcel", "jean-paul, roy", "1917-06-05" },	/* 3 */
		{ "zebulon", "...", "19710506" },		/* 4 */
	};
	struct mcfg c;
	struct mset ms;
	struct blk bk;
	struct sbuf why, t;
	char path[] = "/tmp/t-mblock.XXXXXX";
	size_t i, r;
	int fd;

	sb_init(&why);
	sb_init(&t);
	if ((fd = mkstemp(path)) == -1 ||
	    write(fd, conf, sizeof(conf) - 1) != (ssize_t)sizeof(conf) - 1 ||
	    close(fd) == -1 || mcfg_load(&c, path, &why) == -1) {
		ok(0, "configuration of the new transforms loads");
		return;
	}
	unlink(path);
	mset_init(&ms, c.nslot);
	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		r = mset_add(&ms, 0, "x", 1, (int64_t)ms.n);
		mset_set(&ms, r, MCFG_S_FIRST, S(v[i][0]));
		mset_set(&ms, r, MCFG_S_FULL, S(v[i][1]));
		mset_set(&ms, r, MCFG_S_BIRTH, S(v[i][2]));
		ms.flag[r] |= MSET_FS;
	}
	blk_init(&bk, &c, &ms);
	ok(bk.key[0][0] == bk.key[0][1] && bk.key[0][1] == bk.key[0][2],
	    "nick: liz, elizabeth and beth share a key");
	ok(bk.key[0][3] != bk.key[0][0] && bk.key[0][4] != 0 &&
	    bk.key[0][4] != bk.key[0][3], "nick: other names, other keys");
	blk_key_text(&bk, 0, 0, &t);
	is_str(t.buf, "elizabeth", "nick: the canonical name is elizabeth");
	ok(bk.key[1][0] == bk.key[1][1] && bk.key[1][0] == bk.key[1][3] &&
	    bk.key[1][0] != bk.key[1][2], "words: order and punctuation aside");
	ok(bk.key[1][4] == 0, "words: no word, no key");
	blk_key_text(&bk, 1, 3, &t);
	is_str(t.buf, "jean paul roy", "words: in byte order");
	ok(bk.key[2][0] == bk.key[2][2] && bk.key[2][0] == bk.key[2][3] &&
	    bk.key[2][0] != bk.key[2][1], "last: the last word");
	ok(bk.key[3][0] == bk.key[3][1] && bk.key[3][0] == bk.key[3][2] &&
	    bk.key[3][0] != bk.key[3][3], "daymonth: a swap meets, a year not");
	ok(bk.key[3][4] == 0, "daymonth: not YYYY-MM-DD, no key");
	blk_key_text(&bk, 3, 1, &t);
	is_str(t.buf, "19710506", "daymonth: year, then the smaller");
	blk_release(&bk);
	mset_release(&ms);
	mcfg_release(&c);
	sb_release(&why);
	sb_release(&t);
}

/* A record with first, last, birth date and email (NULL: missing). */
static void
rec(struct mset *ms, const struct mcfg *c, uint32_t src, const char *f,
    const char *l, const char *d, const char *e)
{
	size_t r = mset_add(ms, src, "x", 1, (int64_t)ms->n);

	if (f)
		mset_set(ms, r, MCFG_S_FIRST, S(f));
	if (l)
		mset_set(ms, r, MCFG_S_LAST, S(l));
	if (d)
		mset_set(ms, r, MCFG_S_BIRTH, S(d));
	if (e)
		mset_set(ms, r, mcfg_slot_find(c, "email"), S(e));
	ms->flag[r] |= MSET_FS;
}

int
main(void)
{
	struct mcfg c;
	struct mset ms;
	struct blk bk;
	struct sbuf why, t;
	char code[5];
	size_t i;

	for (i = 0; i < sizeof(sx) / sizeof(sx[0]); i++) {
		ok(blk_soundex(S(sx[i].name), code) == 0, "soundex computed");
		is_str(code, sx[i].code, sx[i].name);
	}
	ok(blk_soundex(S("123 -"), code) == -1, "no letters, no code");

	sb_init(&why);
	sb_init(&t);
	if (mcfg_load(&c, NULL, &why) == -1)
		return 1;
	/* The rules under test replace the built-in ones. */
	c.nblock = 0;
	free(c.block);
	c.block = xcalloc(6, sizeof(*c.block));
	c.block[0].nterm = 2;		/* first_name birth_date:year */
	c.block[0].term[0].slot = MCFG_S_FIRST;
	c.block[0].term[0].slot2 = -1;
	c.block[0].term[1].slot = MCFG_S_BIRTH;
	c.block[0].term[1].slot2 = -1;
	c.block[0].term[1].xf = MCFG_XF_PREFIX;
	c.block[0].term[1].arg = 4;
	c.block[1].nterm = 1;		/* first_name|last_name */
	c.block[1].term[0].slot = MCFG_S_FIRST;
	c.block[1].term[0].slot2 = MCFG_S_LAST;
	c.block[2].nterm = 1;		/* email:local */
	c.block[2].term[0].slot = mcfg_slot_find(&c, "email");
	c.block[2].term[0].slot2 = -1;
	c.block[2].term[0].xf = MCFG_XF_LOCAL;
	c.block[3].nterm = 1;		/* last_name:soundex */
	c.block[3].term[0].slot = MCFG_S_LAST;
	c.block[3].term[0].slot2 = -1;
	c.block[3].term[0].xf = MCFG_XF_SOUNDEX;
	c.nblock = 4;
	c.block_cap = 3;

	mset_init(&ms, c.nslot);
	rec(&ms, &c, 0, "jean", "dupont", "1980-03-15", "jd@free.fr");	  /* 0 */
	rec(&ms, &c, 0, "jean", "dupond", "1980-11-02", "jd@orange.fr"); /* 1 */
	rec(&ms, &c, 1, "dupont", "jean", NULL, NULL);			  /* 2 */
	rec(&ms, &c, 1, "jean", "dupont", "1981-03-15", "jean@free.fr"); /* 3 */
	rec(&ms, &c, 1, "marie", "martin", NULL, NULL);			  /* 4 */
	rec(&ms, &c, 0, "paul", "martin", NULL, NULL);			  /* 5 */
	rec(&ms, &c, 0, "luc", "marten", NULL, NULL);			  /* 6 */
	rec(&ms, &c, 0, "anne", "mardon", NULL, NULL);			  /* 7 */
	blk_init(&bk, &c, &ms);

	ok(bk.key[0][0] != 0 && bk.key[0][0] == bk.key[0][1],
	    "jean 1980: same first name and birth year");
	ok(bk.key[0][0] != bk.key[0][3], "another year, another key");
	ok(bk.key[0][2] == 0, "no birth date, no key");
	ok(bk.key[1][0] == bk.key[1][2], "an unordered pair meets swapped names");
	ok(bk.key[2][0] == bk.key[2][1] && bk.key[2][0] != bk.key[2][3],
	    "the email local part");
	blk_key_text(&bk, 0, 0, &t);
	is_str(t.buf, "jean 1980", "key text");
	blk_key_text(&bk, 1, 2, &t);
	is_str(t.buf, "dupont|jean", "key text of a pair, sorted");

	ok(pairs(&bk, 0, 0, 1, 0) == 1, "rule 0: one pair");
	is_str(seen, "0-1", "rule 0 pairs records 0 and 1");
	ok(pairs(&bk, 1, 0, 1, 0) == 3, "rule 1: three pairs");
	is_str(seen, "0-2 0-3 2-3", "0-3 was not a pair of rule 0: kept");
	ok(pairs(&bk, 2, 0, 0, 0) == 1, "rule 2 alone: 0-1");
	ok(pairs(&bk, 2, 0, 1, 0) == 0, "rule 2: 0-1 already found by rule 0");
	ok(pairs(&bk, 1, 0, 1, 1) == 2, "link-only: across sources only");
	is_str(seen, "0-2 0-3", "2-3 is within one source");
	/* martin, martin, marten, mardon: one soundex, four records. */
	ok(pairs(&bk, 3, 0, 0, 0) == 3 && bk.skipped_blocks == 1 &&
	    bk.skipped_records == 4, "a block over the cap is skipped");
	is_str(seen, "0-1 0-3 1-3", "the dupont block remains");
	ok(blk_count(&bk, 3, 0) == 3, "blk_count agrees");
	ok(blk_count(&bk, 1, 1) == 2, "blk_count across sources");

	for (i = 0; i < ms.n; i++)
		ms.flag[i] &= ~MSET_NEW;
	ms.flag[2] |= MSET_NEW;
	ok(pairs(&bk, 1, 1, 0, 0) == 2, "incremental: pairs of the new one");
	is_str(seen, "0-2 2-3", "each with the new record");
	ok(pairs(&bk, 0, 1, 0, 0) == 0, "incremental: none in other blocks");

	/*
	 * Stable keys (stored in the database): the same for the same
	 * values whatever their ids, and the same blocks as blk_init's.
	 */
	{
		struct mset ms2;
		struct blk sk, sk2;
		size_t r, a, b, n = ms.n, same = 1, part = 1;
		const char *v[4];
		int sl[4] = { MCFG_S_FIRST, MCFG_S_LAST, MCFG_S_BIRTH, 0 };

		sl[3] = mcfg_slot_find(&c, "email");
		mset_init(&ms2, c.nslot);
		mset_intern(&ms2, S("shifts every id"));
		for (r = n; r-- > 0; ) {
			for (i = 0; i < 4; i++)
				v[i] = mset_get(&ms, r, sl[i]) ? mset_str(&ms,
				    mset_get(&ms, r, sl[i]), NULL) : NULL;
			rec(&ms2, &c, ms.src[r], v[0], v[1], v[2], v[3]);
		}
		blk_init_stable(&sk, &c, &ms);
		blk_init_stable(&sk2, &c, &ms2);
		for (i = 0; i < c.nblock; i++)
			for (a = 0; a < n; a++) {
				if (sk.key[i][a] != sk2.key[i][n - 1 - a])
					same = 0;
				for (b = 0; b < n; b++)
					if ((bk.key[i][a] == bk.key[i][b]) !=
					    (sk.key[i][a] == sk.key[i][b]) ||
					    (bk.key[i][a] == 0) !=
					    (sk.key[i][a] == 0))
						part = 0;
			}
		ok(same, "stable keys do not depend on value ids");
		ok(part, "stable keys make the same blocks");
		ok(sk.key[1][0] != bk.key[1][0], "but are other hashes");
		blk_release(&sk);
		blk_release(&sk2);
		mset_release(&ms2);
	}
	/* A block larger in the database than in memory is skipped too. */
	ok(pairs(&bk, 1, 1, 0, 0) == 2, "the block of 0, 2, 3 is paired");
	blk_set_size(&bk, 1, 2, 4);
	i = bk.skipped_blocks;
	ok(pairs(&bk, 1, 1, 0, 0) == 0 && bk.skipped_blocks == i + 1,
	    "with 4 records in the database it is over the cap");

	blk_release(&bk);
	mset_release(&ms);
	mcfg_release(&c);
	new_transforms();
	sb_release(&why);
	sb_release(&t);
	return done_testing();
}
