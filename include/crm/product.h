/*
 * libcrm products, holdings and transactions: what a bank sells, what each
 * customer holds, and the stream of transactions from the core-banking
 * system.
 *
 * A product travels as a crm_record. Fields:
 *
 * | field       | type | notes                                                       |
 * |-------------|------|-------------------------------------------------------------|
 * | code        | text | required, unique, 1..32 of [A-Za-z0-9_-]; never changes     |
 * | name        | text | required, 1..100 characters                                 |
 * | type        | text | required: deposit, loan, wealth, fund, insurance,           |
 * |             |      | credit_card                                                 |
 * | risk_rating | text | required: R1 (lowest) .. R5; a product is suitable for a    |
 * |             |      | customer rated C1..C5 only when R <= C                      |
 * | term_days   | int  | optional, 0..36500 (0: on demand)                           |
 * | yield_bps   | int  | optional, expected yield or rate in basis points, 0..10000  |
 * | sale_start  | date | optional, first day on sale ("YYYY-MM-DD")                  |
 * | sale_end    | date | optional, last day on sale, not before sale_start           |
 *
 * Results add created_at (ISO-8601 time).
 *
 * A holding is a customer's balance in one product, as the core-banking
 * system reports it (set, not accumulated from transactions). A transaction
 * is one movement of money: fields in crm_txn_add.
 *
 * Money is int64 fen throughout: a record's money fields come back typed
 * CRM_TYPE_MONEY. Reading holdings and transactions needs the same access as
 * crm_customer_get: an RM sees only their own customers', and another RM's
 * customer reads as CRM_E_NOT_FOUND.
 */
#ifndef CRM_PRODUCT_H
#define CRM_PRODUCT_H

#include "core.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------- products */

/**
 * Adds a product from `product` (fields above). Validation errors name the
 * field and why ("field risk_rating: 'R6' is not one of R1, R2, R3, R4,
 * R5"); unknown fields are refused. Admin only; audited.
 * @return CRM_OK, CRM_E_INVALID_DATA, CRM_E_CONFLICT (code exists),
 *         CRM_E_PERMISSION.
 */
CRM_EXTERN(int) crm_product_add(crm_db *db, const crm_record *product);

/**
 * Reads one product (the fields above and created_at). Any active user.
 * Free with crm_record_free. @return CRM_OK, CRM_E_NOT_FOUND.
 */
CRM_EXTERN(int) crm_product_get(crm_record **out, crm_db *db, const char *code);

/**
 * Lists products ordered by code, with the fields of crm_product_get.
 * `filter` may be NULL or hold any of: "type" (text), "risk_rating" (text,
 * exactly that rating), "max_risk_rating" (text, that rating or lower: the
 * products suitable for a customer of the same level), "on_sale_at" (date or
 * ISO-8601 time: sale_start <= day <= sale_end, an absent bound being open).
 * Any active user. Free the iterator with crm_iter_free.
 * @return CRM_OK, CRM_E_INVALID_ARG (unknown filter field or bad value).
 */
CRM_EXTERN(int) crm_product_list(crm_iter **out, crm_db *db, const crm_record *filter);

/* ------------------------------------------------------------- holdings */

/**
 * Sets a customer's balance in a product, in fen (>= 0); 0 removes the
 * holding. A balance equal to the stored one changes nothing and writes no
 * audit entry, so a daily balance feed audits only what moved; a change is
 * audited (entity "customer", action "holding.set", before and after
 * balance). Admin only (the core-banking feed).
 * @return CRM_OK, CRM_E_INVALID_DATA (negative balance), CRM_E_NOT_FOUND
 *         (customer or product; the message names which), CRM_E_PERMISSION.
 */
CRM_EXTERN(int) crm_holding_set(crm_db *db, const char *customer_no, const char *product_code,
                                int64_t balance_fen);

/**
 * Lists a customer's holdings ordered by product type, then code. Records:
 * product_code, product_name, type, risk_rating, balance (money),
 * updated_at (ISO-8601 time). Same access as crm_customer_get.
 * @return CRM_OK, CRM_E_NOT_FOUND (no such customer, or not visible).
 */
CRM_EXTERN(int) crm_holding_list(crm_iter **out, crm_db *db, const char *customer_no);

/* --------------------------------------------------------- transactions */

/**
 * Records one transaction. Fields of `txn`:
 *  - "customer_no" (text, required): a customer the actor can see
 *  - "product_code" (text, optional): an existing product
 *  - "type" (text, required): deposit, withdrawal, purchase, redemption,
 *    transfer_in, transfer_out, repayment, card_spend
 *  - "amount" (money or int, required): fen, > 0; the type says the direction
 *  - "channel" (text, required): branch, mobile, online, atm, phone
 *  - "time" (ISO-8601 text or date, optional): when it happened, UTC; at
 *    most one day ahead of the handle's clock; default now
 *  - "ref" (text, optional): the core-banking system's transaction id, 1..64
 *    printable ASCII characters without spaces; unique: a ref already
 *    recorded is CRM_E_CONFLICT ("field ref: transaction X is already
 *    recorded"), so a feed replayed row by row is not doubled
 * Holdings are not changed: crm_holding_set carries the balances.
 *
 * Alerts: the active alert rules (include/crm/alert.h) run over the row in
 * the same call and savepoint; the alerts it raises are stored with it, and
 * a failure of the alert check (or the host's alert callback refusing)
 * fails the call with nothing stored.
 *
 * Bulk loading: a host wraps many calls in crm_db_begin ... crm_db_commit so
 * they share one commit (tens of thousands of rows per second instead of one
 * fsync each). Each call is its own savepoint: a refused row leaves the
 * rows before it in the host transaction, and the host decides whether to
 * commit them or roll everything back. Statements are prepared once per
 * handle.
 *
 * Transactions are not audited one by one: they are financial records copied
 * from the core-banking system (the system of record), not changes to a
 * customer's personal data, and a feed of millions of rows would bloat the
 * audit chain and halve the load rate. Changes of holdings, which staff act
 * on, are audited (crm_holding_set).
 *
 * Admin only (the core-banking feed).
 * @return CRM_OK, CRM_E_INVALID_DATA (the message names the field),
 *         CRM_E_NOT_FOUND (customer or product, named), CRM_E_CONFLICT (ref
 *         recorded already), CRM_E_PERMISSION; an alert callback's code.
 *
 * Example:
 *     crm_db_begin(db);
 *     for (each row of the feed) {
 *         crm_record_set_text(t, "customer_no", no);
 *         ...
 *         if (crm_txn_add(db, t) != CRM_OK)
 *             report(crm_db_errmsg(db));   // this row only; earlier rows stay
 *     }
 *     crm_db_commit(db);
 */
CRM_EXTERN(int) crm_txn_add(crm_db *db, const crm_record *txn);

/**
 * Lists a customer's transactions, newest first. Records: id (int),
 * customer_no, product_code and product_name (absent when none), type,
 * amount (money), channel, time (ISO-8601), ref (absent when none). `filter` may be NULL or hold
 * any of: "since" (inclusive), "until" (exclusive) as ISO-8601 text or
 * dates, "type" (text), "limit" (int >= 0). Same access as crm_customer_get.
 * @return CRM_OK, CRM_E_NOT_FOUND (no such customer, or not visible),
 *         CRM_E_INVALID_ARG (unknown filter field or bad value).
 */
CRM_EXTERN(int) crm_txn_list(crm_iter **out, crm_db *db, const char *customer_no,
                             const crm_record *filter);

#ifdef __cplusplus
}
#endif
#endif /* CRM_PRODUCT_H */
