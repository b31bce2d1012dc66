/*
 * fuzz-rin.c - the whole record input (common/io/record_reader.c) on a file, CSV
 * and NDJSON: format guessing, csvr or nd, the map, name recognition,
 * normalisation, ids, consents, rejects.
 *
 * fuzz-sources: core/util io/line_reader io/csv_reader io/ndjson_reader io/json_writer normalise/field_map normalise/normalise normalise/dates normalise/phones core/hash io/record_reader
 * fuzz-options: -max_len=16384
 *
 * The first byte picks the format (guessed, CSV, NDJSON), the id
 * field, alternatives and concatenations, and a map file's rules
 * (@skip, @negate, @value, @date-format CANON, @timezone); the second the default country, the date format, the forced
 * delimiter and a set of -m mappings.  The rest is the file, read to
 * the end as cdp-ingest reads it.  Checked: reading ends (at most one
 * record or reject per line and carriage return); every diagnostic has
 * a reason and a line within the file; every record's raw text is one
 * valid JSON object (what cdp-ingest stores), its id is set, trimmed,
 * valid UTF-8 and free of control bytes when an id field is named, and every canonical value present
 * is valid UTF-8 and normalises to itself; a rejected record's raw
 * bytes can be read.
 */
#include <fcntl.h>

#include "io/ndjson_reader.h"
#include "normalise/normalise.h"
#include "io/record_reader.h"
#include "fuzz.h"

static const char *const fz_rin_ids[] = { NULL, "id", "ID_CLIENT", "a.b" };
static const char *const fz_rin_countries[] = { NULL, "FR", "US", "DE" };
static const char *const fz_rin_formats[] = { NULL, "%d/%m/%Y" };
static const int fz_rin_delims[] = { 0, ';' };
/* Mappings, each on one bit of the option byte. */
static const char *const fz_rin_maps[] = {
	"email=customer.email", "event_type:=purchase", "phone=tel",
	"consent_email=optin", "street=no + street | address",
	"email=contact | customer.email | traits.email",
};

/* The rules of a map file (cdp-map(5)), loaded when o has 0x80. */
static const char fz_rin_rules[] =
	"@skip status=test\n@negate status=refunded\n"
	"@value event_type paid=purchase\n@value event_type =\n"
	"@date-format birth_date %d-%b-%y\n@date-format ts %d/%m/%Y %H:%M\n"
	"@timezone Europe/Paris\n@ignore name\n"
	"amount=total\nts=date\nbirth_date=dob\nevent_type=status\n";

struct fz_rin_ctx {
	size_t	 nl;		/* line ends in the file */
	long	 ndiag;
};

static void
fz_rin_diag(void *arg, int reject, const char *file, long line,
    const char *reason, const char *raw, size_t rawlen)
{
	struct fz_rin_ctx *x = arg;
	volatile char sink = 0;
	size_t i;

	FZ_CHECK(file != NULL && reason != NULL && *reason != '\0',
	    "a diagnostic without a reason");
	FZ_CHECK(line >= 1 && (size_t)line <= x->nl + 1,
	    "diagnostic at line %ld of %zu: %s", line, x->nl + 1, reason);
	/* Every byte of a reject's raw text must be readable (ASan). */
	for (i = 0; raw != NULL && i < rawlen; i++)
		sink ^= raw[i];
	(void)sink;
	if (reject)
		x->ndiag++;
}

/* Each canonical value must be a fixed point of its normaliser. */
static void
fz_rin_check_val(const struct rin_rec *rec, int c, const char *country,
    struct sbuf *t)
{
	const struct sbuf *v = &rec->val[c];
	int r = NORM_OK;

	FZ_CHECK(utf8_check(v->buf, v->len) < 0, "invalid UTF-8 in %s",
	    map_canon_name(c));
	switch (c) {
	case C_EMAIL:
		r = norm_email(v->buf, v->len, t);
		break;
	case C_PHONE:
		r = norm_phone(v->buf, v->len, country, t);
		break;
	case C_FIRST_NAME:
	case C_LAST_NAME:
	case C_FULL_NAME:
		r = norm_name(v->buf, v->len, t, NULL);
		break;
	case C_BIRTH_DATE:
		r = norm_date(v->buf, v->len, NULL, t);
		break;
	case C_TS:
		r = norm_ts(v->buf, v->len, NULL, t);
		break;
	case C_AMOUNT:
		r = norm_amount(v->buf, v->len, t);
		break;
	case C_COUNTRY:
		r = norm_country(v->buf, v->len, t);
		break;
	default:
		return;
	}
	FZ_CHECK(r == NORM_OK && t->len == v->len && memcmp(t->buf, v->buf,
	    v->len) == 0, "%s \"%s\" is not normalised", map_canon_name(c),
	    v->buf);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	unsigned o = fz_byte(&data, &size), o2 = fz_byte(&data, &size);
	struct rin_opts opts;
	struct fz_rin_ctx x;
	struct rin_rec *rec;
	struct sbuf why, t;
	struct nd *nd;
	struct map m;
	struct rin *r;
	char path[64];
	long nrec = 0;
	size_t i;
	int fd, res, c;

	memset(&x, 0, sizeof(x));
	for (i = 0; i < size; i++)
		x.nl += data[i] == '\n' || data[i] == '\r';
	sb_init(&why);
	sb_init(&t);
	map_init(&m);
	for (i = 0; i < 4; i++)
		if (o2 & (0x10 << i))
			FZ_CHECK(map_add(&m, fz_rin_maps[i], &why) == 0,
			    "map_add: %s", why.buf);
	for (i = 0; i < 2; i++)
		if (o & (0x10 << i))
			FZ_CHECK(map_add(&m, fz_rin_maps[4 + i], &why) == 0,
			    "map_add: %s", why.buf);
	if (o & 0x80) {
		fd = fz_memfd(fz_rin_rules, sizeof(fz_rin_rules) - 1);
		snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
		FZ_CHECK(map_load(&m, path, &why) == 0, "map_load: %s",
		    why.buf);
		close(fd);
	}
	if (fz_rin_ids[(o >> 2) % 4] != NULL)
		m.id_field = xstrdup(fz_rin_ids[(o >> 2) % 4]);
	memset(&opts, 0, sizeof(opts));
	opts.map = &m;
	opts.format = (int)(o % 3);	/* RIN_GUESS, RIN_CSV, RIN_NDJSON */
	opts.country = fz_rin_countries[o2 % 4];
	opts.date_format = fz_rin_formats[(o2 >> 2) % 2];
	opts.delim = fz_rin_delims[(o2 >> 3) % 2];

	fd = fz_memfd(data, size);
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	r = rin_open(path, &opts, fz_rin_diag, &x);
	FZ_CHECK(r != NULL, "rin_open failed");
	nd = nd_new(RIN_MAX_DEPTH);
	while ((res = rin_next(r, &rec)) == 1) {
		FZ_CHECK(++nrec + x.ndiag <= (long)x.nl + 2, "%ld records and "
		    "%ld rejects from %zu line ends", nrec, x.ndiag, x.nl);
		FZ_CHECK(rec->line >= 1 && (size_t)rec->line <= x.nl + 1,
		    "record at line %ld", rec->line);
		FZ_CHECK(nd_parse(nd, rec->raw, rec->rawlen, NULL, NULL,
		    &why) == 0, "raw record is not a JSON object (%s): %.*s",
		    why.buf, (int)rec->rawlen, rec->raw);
		if (m.id_field != NULL) {
			FZ_CHECK(rec->id != NULL && rec->idlen > 0,
			    "no id with an id field");
			FZ_CHECK(rec->id[0] != ' ' && rec->id[rec->idlen - 1] !=
			    ' ', "id not trimmed");
			for (i = 0; i < rec->idlen; i++)
				FZ_CHECK((unsigned char)rec->id[i] >= 0x20 &&
				    rec->id[i] != 0x7f, "control byte in an id");
			FZ_CHECK(utf8_check(rec->id, rec->idlen) < 0,
			    "invalid UTF-8 in an id");
		} else
			FZ_CHECK(rec->id == NULL, "an id without an id field");
		for (c = 0; c < C_NCANON; c++)
			if (rec->have[c])
				fz_rin_check_val(rec, c, rec->have[C_COUNTRY] ?
				    rec->val[C_COUNTRY].buf : opts.country, &t);
		for (i = 0; i < rec->ncons; i++)
			FZ_CHECK(rec->cons[i].granted == 0 ||
			    rec->cons[i].granted == 1, "consent %d",
			    rec->cons[i].granted);
	}
	FZ_CHECK(res == 0 || res == -1, "rin_next gave %d", res);
	if (res == -1)
		FZ_CHECK(*rin_error(r) != '\0', "an error without a message");
	FZ_CHECK(x.ndiag <= (long)x.nl + 2, "%ld rejects from %zu line ends",
	    x.ndiag, x.nl);
	nd_free(nd);
	rin_close(r);
	close(fd);
	map_release(&m);
	sb_release(&why);
	sb_release(&t);
	return 0;
}
