/*
 * suggest_names.c - which canonical field a field's name is for, as
 * cdp-catalog suggest reads names; see suggest_names.h.
 */
#include <stdlib.h>
#include <string.h>

#include "catalog/suggest_names.h"
#include "normalise/field_map.h"

/*
 * Names in French and English that cdp-ingest does not recognise by
 * itself (field_map.c), or recognises too widely (the fields of events),
 * best first: a field named like one further left wins.
 */
static const struct {
	int	 canon;
	int	 strong;	/* enough alone; else only in a file of events */
	const char *names;	/* folded, space-separated */
} event_names[] = {
	{ C_TS, 1, "timestamp ts eventtime eventtimestamp occurredat "
	    "orderdate dateachat datecommande dateticket datevente saledate "
	    "transactiondate purchasedate horodatage datetransaction "
	    "dateoperation ticketdate datedachat txndate" },
	{ C_TS, 0, "datetime createdat created processedat sentat "
	    "receivedat dateheure datecreation date time heure" },
	{ C_AMOUNT, 1, "amount totalprice total montant montantttc totalttc "
	    "ordertotal grandtotal amountpaid montanttotal prixtotal "
	    "totalamount netamount revenue purchaserevenue price prix" },
	{ C_CURRENCY, 1, "currency devise monnaie currencycode codedevise" },
	{ C_EVENT_TYPE, 1, "eventtype event evenement typeevenement action "
	    "transactiontype typetransaction typeoperation operation "
	    "eventname activity interaction type" },
	{ C_CUSTOMER_ID, 1, "userid memberid contactid idcontact "
	    "customerno custno clientno noclient numeroclient" },
	{ C_LOYALTY_ID, 1, "loyaltycardnumber cardno numcarte carte "
	    "numerocarte membershipnumber memberno" },
	{ C_ANONYMOUS_ID, 1, "userpseudoid" },
	{ C_FULL_NAME, 1, "billingname shippingname customername "
	    "contactname requestername nomclient customer client" },
	{ C_PHONE, 1, "billingphone shippingphone businessphone homephone "
	    "workphone mobilenumber telephonenumber numtel numerotel "
	    "telefono" },
	{ C_STREET, 1, "adresselivraison adressefacturation billingaddress1 "
	    "shippingaddress1 billingstreet shippingstreet" },
	{ C_POSTAL_CODE, 1, "billingzip shippingzip billingpostcode "
	    "shippingpostcode" },
	{ C_CITY, 1, "billingcity shippingcity" },
	{ C_COUNTRY, 1, "billingcountry shippingcountry" },
	{ C_ORG_NAME, 1, "accountname billingcompany shippingcompany "
	    "customercompany nomsociete nomentreprise" },
};

/* Folded name: lower case ASCII letters and digits only. */
static void
fold(const char *p, struct sbuf *f)
{
	sb_reset(f);
	for (; *p; p++)
		if ((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9'))
			sb_addc(f, *p);
		else if (*p >= 'A' && *p <= 'Z')
			sb_addc(f, *p - 'A' + 'a');
}

/* The position of word w in the space-separated list, or -1. */
static int
word_at(const char *list, const char *w)
{
	size_t n = strlen(w);
	const char *p, *q;
	int i;

	for (i = 0, p = list; *p != '\0'; p = *q ? q + 1 : q, i++) {
		q = strchr(p, ' ');
		if (q == NULL)
			q = p + strlen(p);
		if ((size_t)(q - p) == n && memcmp(p, w, n) == 0)
			return i;
	}
	return -1;
}

/*
 * The canonical field a name is a common name for (its last part), and
 * the rank of the name (lower is better), *strong when the name is
 * enough for a field of events.
 */
int
sgn_by_name(const char *name, char **purpose, int *rank, int *strong)
{
	const char *leaf = strrchr(name, '.');
	struct map m;
	struct sbuf f;
	char *n, *pur;
	const char *p, *rest = NULL;
	size_t i;
	int c = -1, k;

	leaf = leaf ? leaf + 1 : name;
	*purpose = NULL;
	*rank = 100;
	*strong = 1;
	sb_init(&f);
	fold(leaf, &f);
	for (i = 0; i < sizeof(event_names) / sizeof(event_names[0]); i++)
		if ((k = word_at(event_names[i].names, f.buf)) >= 0) {
			*rank = k + (event_names[i].strong ? 0 : 50);
			*strong = event_names[i].strong;
			sb_release(&f);
			return event_names[i].canon;
		}
	/* customer.id, user.id: the person's id. */
	if (strcmp(f.buf, "id") == 0 && leaf != name && sgn_person_parent(name)) {
		sb_release(&f);
		return C_CUSTOMER_ID;
	}
	n = xstrdup(leaf);
	map_init(&m);
	if (map_auto(&m, &n, 1) == 1)
		c = m.e[0].canon;
	map_release(&m);
	if (c >= C_EVENT_TYPE && c <= C_CURRENCY)
		c = -1;		/* only by the names above */
	if (c == -1) {
		/* optin_email, OPT_IN_SMS, consent_post: a consent. */
		if ((p = strstr(f.buf, "optin")) != NULL)
			rest = p + 5;
		else if ((p = strstr(f.buf, "consent")) != NULL)
			rest = p + 7;
		if (p != NULL) {
			/* The purpose after the word, or before it. */
			pur = *rest ? xstrdup(rest) : xstrndup(f.buf,
			    (size_t)(p - f.buf));
			if (*pur != '\0' && strlen(pur) <= 32) {
				*purpose = pur;
				c = C_CONSENT;
			} else
				free(pur);
		}
	}
	sb_release(&f);
	free(n);
	return c;
}

/*
 * Whether the object holding a field is a person: a name under
 * "properties", "items" or "product" is a product's or a page's.
 */
int
sgn_person_parent(const char *path)
{
	static const char people[] = "traits customer user buyer billing "
	    "shipping billingaddress shippingaddress contact client profile "
	    "member person identity defaultaddress adressefacturation "
	    "adresselivraison acheteur destinataire recipient owner "
	    "demandeur requester";
	const char *dot = strrchr(path, '.'), *p;
	struct sbuf f;
	char *parent;
	int ok;

	if (dot == NULL)
		return 1;
	for (p = dot; p > path && p[-1] != '.'; p--)
		;
	parent = xstrndup(p, (size_t)(dot - p));
	sb_init(&f);
	fold(parent, &f);
	ok = word_at(people, f.buf) >= 0;
	sb_release(&f);
	free(parent);
	return ok;
}
