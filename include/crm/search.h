/*
 * libcrm customer search: exact lookup by customer number or personal
 * identifiers, and combined search with fuzzy names, filters, sorting and
 * keyset pagination.
 *
 * Results stream through a crm_iter (crm_iter_next / crm_iter_free): memory
 * does not grow with the number of results. Each result record holds the
 * fields of crm_customer_get (personal fields masked, derived age and
 * risk_expired, extension attributes); those of crm_customer_search also:
 *
 * | field  | type | notes                                                        |
 * |--------|------|--------------------------------------------------------------|
 * | cursor | text | opaque; pass it as the filter's "after" to continue after    |
 * |        |      | this row with the same sort (keyset pagination, not OFFSET)  |
 * | match  | text | with a "name" filter only: "exact", "prefix" (surname),      |
 * |        |      | "suffix" (given name) or "contains"                          |
 *
 * Access: every result set is cut to what the acting user may see, exactly
 * as crm_customer_get: admins, auditors, marketers and complaint handlers
 * see every customer; branch managers their branch subtree; relationship
 * managers only the customers assigned to them. Restricted customers
 * (deletion approved) are visible to admins and auditors only. A customer
 * the actor may not see is indistinguishable from one that does not exist.
 * Both calls need an actor (CRM_E_PERMISSION without one).
 *
 * Personal values are never compared in clear: ID number, phone, card
 * number and e-mail are matched through their keyed blind indexes, after
 * the same normalisation the store applies (see crm_customer_find_by).
 */
#ifndef CRM_SEARCH_H
#define CRM_SEARCH_H

#include "core.h"

#ifdef __cplusplus
extern "C" {
#endif

/**
 * Finds the customers whose `key` equals `value` exactly, ordered by
 * customer number. `key` is one of:
 *
 *  - "customer_no": as stored (unique: at most one result);
 *  - "id_number": a resident ID of 18 characters (check character x or X)
 *    or an old 15-digit one, which finds the record stored with its
 *    18-character form; other ID types (passports, permits) as entered;
 *  - "phone": a mainland mobile number with or without +86 (several
 *    customers may share one, e.g. a family);
 *  - "card_number": 16..19 digits, spaces and dashes ignored;
 *  - "email": compared without regard to case.
 *
 * Restricted customers are included for admins and auditors (an exact
 * lookup is how an investigation finds them).
 *
 * @param out    receives the iterator; free it with crm_iter_free().
 * @param key    the field to match (above).
 * @param value  the value; malformed phones, cards, e-mails and resident ID
 *               numbers are refused rather than silently matching nothing.
 * @return CRM_OK (the iterator may yield no record); CRM_E_INVALID_ARG
 *         for NULL arguments or an unknown key; CRM_E_INVALID_DATA for a
 *         malformed value, with crm_db_errmsg() naming the field and why;
 *         CRM_E_PERMISSION without an actor allowed to read customers.
 *
 * Example:
 *   crm_iter *it;
 *   const crm_record *c;
 *   const char *no;
 *   if (crm_customer_find_by(&it, db, "phone", "+8613912345678") == CRM_OK) {
 *       while (crm_iter_next(&c, it) == CRM_OK)
 *           if (crm_record_get_text(&no, c, "customer_no") == CRM_OK)
 *               puts(no);
 *       crm_iter_free(it);
 *   }
 */
CRM_EXTERN(int)
crm_customer_find_by(crm_iter **out, crm_db *db, const char *key, const char *value);

/**
 * Searches customers with every condition of `filter` (all must hold; a
 * NULL or empty filter lists every visible active customer). Filter fields:
 *
 * | field                  | type      | meaning                                         |
 * |------------------------|-----------|-------------------------------------------------|
 * | name                   | text      | fuzzy: names containing the text, Latin letters |
 * |                        |           | without regard to case (below)                  |
 * | gender                 | text      | "M" or "F"                                      |
 * | age_min, age_max       | int       | whole years on the handle's clock (UTC date),   |
 * |                        |           | 0..200, both inclusive; unknown ages never match|
 * | province               | text      | full or short name ("广东省", "广东")           |
 * | city                   | text      | exact                                           |
 * | branch                 | text      | a branch code: that branch and its subtree      |
 * | manager                | text      | login of the assigned relationship manager      |
 * | assets_min, assets_max | int/money | total assets in fen, inclusive                  |
 * | income_min, income_max | int/money | annual income in fen, inclusive                 |
 * | risk_level             | text      | "C1".."C5"                                      |
 * | status                 | text      | "active" (default), "restricted" or "any";      |
 * |                        |           | restricted rows exist only for admins, auditors |
 * | customer_no, id_number,| text      | exact, as crm_customer_find_by                  |
 * | phone, card_number,    |           |                                                 |
 * | email                  |           |                                                 |
 * | where                  | text      | a JsonLogic rule (JSON or YAML) over the        |
 * |                        |           | variables age, gender, province, city, branch,  |
 * |                        |           | manager, assets, income, risk_level and         |
 * |                        |           | risk_expired (see crm/rule.h)                   |
 * | sort                   | text      | below; "-" in front reverses                    |
 * | limit                  | int       | at most this many results (1..); default all    |
 * | after                  | text      | a result's "cursor": continue after that row    |
 *
 * Sorts: "relevance" (the default with a name; needs one), "customer_no"
 * (the default otherwise), "name", "age", "total_assets", "annual_income",
 * "created_at", each also reversed ("-total_assets": richest first). Ties
 * are broken by customer number, so the order is total and pages never
 * skip or repeat a row. Customers without the sorted value (no birth date,
 * no assets recorded) come last in both directions.
 *
 * Pagination is by keyset: pass the "cursor" of the last record of a page
 * as "after", with the same filter and sort, to get the next page. A cursor
 * stays valid while rows change (a row inserted before it is not returned;
 * nothing is skipped or repeated); it is refused with a different sort.
 *
 * Cost. Exact keys (except e-mail, not indexed yet), a name of 2 or more
 * characters, branch and manager select rows through indexes; the other
 * conditions alone are checked on every customer (a scan: about 0.3 s per
 * million customers, with a sort and a limit).
 *
 * Fuzzy names. The store indexes each name by its 2-character pieces
 * (crm_customer_name_gram). A query of 2 or more characters is answered
 * from that index: its rarest piece selects the candidates, and containment
 * of the whole query is then verified; cost grows with the candidates of
 * that piece, not with the number of customers (about 1-7 ms at the median
 * among a million customers, bench/bench_customer_lookup.c). A 1-character
 * query (a surname such as "王" or a single given-name character) cannot be
 * answered by a 2-character index when it is the last character of a name,
 * so it scans the index of pieces (about 1.75 million rows per million
 * customers) and then reads and ranks every customer holding the character:
 * its cost grows with the number of customers and with how common the
 * character is (0.2-0.5 s at the median, up to about 0.9 s for "王", held
 * by 11% of names, among a million customers on a 2-core machine). Prefer
 * 2 or more characters where you can.
 * Ranking ("relevance"): the exact name first, then names starting with the
 * query (surname match), then names ending with it (given name match), then
 * names containing it; within each, shorter names first.
 *
 * @param out     receives the iterator; free it with crm_iter_free().
 * @param filter  the conditions (borrowed; may be freed once this returns),
 *                or NULL.
 * @return CRM_OK; CRM_E_INVALID_ARG for an unknown filter field, a value
 *         of the wrong type or out of range, an unknown sort, a malformed
 *         cursor or one from another sort (crm_db_errmsg() names the
 *         field); CRM_E_INVALID_DATA for a malformed exact value (as
 *         crm_customer_find_by) or a rule that does not parse (line and
 *         column given); CRM_E_NOT_SUPPORTED for a rule using a variable or
 *         construct search cannot compile to SQL; CRM_E_PERMISSION.
 *
 * Example: the richest 20 customers named like 小明 in Guangdong aged 30 to
 * 40, then the next 20:
 *   crm_record *f;
 *   crm_record_new(&f);
 *   crm_record_set_text(f, "name", "小明");
 *   crm_record_set_text(f, "province", "广东");
 *   crm_record_set_int(f, "age_min", 30);
 *   crm_record_set_int(f, "age_max", 40);
 *   crm_record_set_text(f, "sort", "-total_assets");
 *   crm_record_set_int(f, "limit", 20);
 *   crm_customer_search(&it, db, f);
 *   ... keep the "cursor" of the last record read, then:
 *   crm_record_set_text(f, "after", last_cursor);
 *   crm_customer_search(&it2, db, f);
 */
CRM_EXTERN(int) crm_customer_search(crm_iter **out, crm_db *db, const crm_record *filter);

#ifdef __cplusplus
}
#endif
#endif /* CRM_SEARCH_H */
