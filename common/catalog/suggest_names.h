/*
 * suggest_names.h - which canonical field a field's name is for, as
 * cdp-catalog suggest (map_suggest.c) reads names: the common names
 * cdp-ingest recognises (field_map.h), the names of the fields of events
 * in French and English (DATE_TICKET, MONTANT_TTC, event_name,
 * total_price, ...), consents (optin_email), and whether the object
 * holding a field is a person (customer.first_name) or not
 * (properties.name, a product's).
 */
#ifndef CDP_SUGGEST_NAMES_H
#define CDP_SUGGEST_NAMES_H

/*
 * The canonical field the last part of name is a common name for, or
 * C_CONSENT with its purpose in *purpose (allocated), or -1.  *rank: the
 * rank of the name among those of its field (lower is more usual);
 * *strong: 0 for a date name that makes a timestamp only in a file of
 * events ("date", "created_at").
 */
int	sgn_by_name(const char *name, char **purpose, int *rank, int *strong);

/* Whether the object holding the field at path is a person's. */
int	sgn_person_parent(const char *path);

#endif
