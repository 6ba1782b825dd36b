"""Products, holdings and transactions (include/crm/product.h).

Adds three parts to every :class:`crm.Database`::

    db.products.add("WM001", "稳健理财一号", type="wealth", risk_rating="R2",
                    term_days=90, yield_bps=285, sale_start=crm.Date("2026-01-01"))
    db.products.get("WM001")["risk_rating"]            # 'R2'
    [p["code"] for p in db.products.list(max_risk_rating="R3")]
    db.holdings.set("C001", "WM001", crm.Money(5_000_000))   # 50,000.00 yuan
    db.transactions.add("C001", "purchase", crm.Money(100_00), "mobile",
                        product_code="WM001", time="2026-11-01T09:30:00Z")
    db.transactions.add_many(rows)      # one commit; all or nothing
    for t in db.transactions.list("C001", since="2026-11-01", limit=20): ...
    db.customers.view("C001", recent=10)   # the 360 view (crm/customer.py)

Money is int fen (:class:`crm.Money`); a float is refused. Times are UTC
ISO-8601 text, ``datetime.datetime`` or ``datetime.date``.
"""

from ctypes import POINTER, c_char_p, c_int, c_int64, c_void_p

from ._ffi import C, _declare, text_arg
from .database import _DB, _Part, register_part
from .errors import CrmError, InvalidArgument
from .record import Money, as_record

_out = POINTER(c_void_p)

PRODUCT = [
    # product.h: products
    ("crm_product_add", c_int, [c_void_p, c_void_p]),
    ("crm_product_get", c_int, [_out, c_void_p, c_char_p]),
    ("crm_product_list", c_int, [_out, c_void_p, c_void_p]),
    # product.h: holdings
    ("crm_holding_set", c_int, [c_void_p, c_char_p, c_char_p, c_int64]),
    ("crm_holding_list", c_int, [_out, c_void_p, c_char_p]),
    # product.h: transactions
    ("crm_txn_add", c_int, [c_void_p, c_void_p]),
    ("crm_txn_list", c_int, [_out, c_void_p, c_char_p, c_void_p]),
]

_declare(PRODUCT)


def _money(value, what):
    """An int amount of fen as Money; floats and other types are refused."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidArgument(
            -1, "%s must be int fen or crm.Money, not %s" % (what, type(value).__name__))
    return Money(value)


def _fields(**values):
    """The given keyword values without the None ones."""
    return {name: value for name, value in values.items() if value is not None}


def _with_record(db, fn, data, *before):
    """Calls fn(*before, record) with `data` (a mapping) as a crm_record."""
    rec, owned = as_record(data)
    try:
        return db._call(fn, *before, rec._as_parameter_)
    finally:
        if owned:
            rec.close()


def _iterate_filtered(db, fn, filters, *before):
    """db._iterate(fn, *before, filter) with NULL for no filters."""
    if not filters:
        return db._iterate(fn, *before, None)
    rec, _ = as_record(filters)
    try:
        return db._iterate(fn, *before, rec._as_parameter_)
    finally:
        rec.close()


class Products(_Part):
    """db.products: the catalogue (code, name, type, risk_rating R1..R5,
    term_days, yield_bps, sale_start, sale_end)."""

    def add(self, code, name, type, risk_rating, term_days=None, yield_bps=None,
            sale_start=None, sale_end=None):
        """Adds a product. Sale dates are crm.Date, datetime.date or
        "YYYY-MM-DD". Admin only; InvalidData names the field at fault."""
        self.add_record(_fields(code=code, name=name, type=type, risk_rating=risk_rating,
                                term_days=term_days, yield_bps=yield_bps,
                                sale_start=sale_start, sale_end=sale_end))

    def add_record(self, product):
        """Adds a product from a mapping (or Record) of the crm_product_add fields."""
        _with_record(self._db, C.crm_product_add, product, _DB)

    def get(self, code):
        """The product as a dict (plus created_at). NotFound if absent."""
        return self._db._get_record(C.crm_product_get, _DB, text_arg(code, "code"))

    def list(self, type=None, risk_rating=None, max_risk_rating=None, on_sale_at=None):
        """Products by code (a ResultIterator of dicts), filtered by type,
        exact risk_rating, max_risk_rating (that rating or lower) and
        on_sale_at (a date or time within the sale window)."""
        filters = _fields(type=type, risk_rating=risk_rating, max_risk_rating=max_risk_rating,
                          on_sale_at=on_sale_at)
        return _iterate_filtered(self._db, C.crm_product_list, filters, _DB)

    def __iter__(self):
        return self.list()

    def __contains__(self, code):
        from .errors import NotFound

        try:
            self.get(code)
        except NotFound:
            return False
        return True


class Holdings(_Part):
    """db.holdings: each customer's balance per product."""

    def set(self, customer_no, product_code, balance):
        """Sets the balance (int fen or Money, >= 0; 0 removes the holding).
        Audited when it changes. Admin only."""
        self._db._call(C.crm_holding_set, _DB, text_arg(customer_no, "customer_no"),
                       text_arg(product_code, "product_code"), int(_money(balance, "balance")))

    def list(self, customer_no):
        """The customer's holdings by product type, then code (dicts with
        product_code, product_name, type, risk_rating, balance (Money),
        updated_at). NotFound when the actor may not see the customer."""
        return self._db._iterate(C.crm_holding_list, _DB, text_arg(customer_no, "customer_no"))


class Transactions(_Part):
    """db.transactions: the core-banking feed of customers' transactions."""

    def add(self, customer_no, type, amount, channel, product_code=None, time=None, ref=None):
        """Records one transaction (amount in int fen or Money, > 0; time
        UTC, default now; ref the core-banking id, unique: Conflict when it
        is already recorded). Not audited one by one; alert rules run on
        it. Admin only."""
        self.add_record(_fields(customer_no=customer_no, type=type,
                                amount=_money(amount, "amount"), channel=channel,
                                product_code=product_code, time=time, ref=ref))

    def add_record(self, txn):
        """Records one transaction from a mapping (or Record) of the
        crm_txn_add fields; an int "amount" is taken as fen."""
        if not hasattr(txn, "_as_parameter_") and isinstance(txn.get("amount"), int):
            txn = dict(txn, amount=_money(txn["amount"], "amount"))
        _with_record(self._db, C.crm_txn_add, txn, _DB)

    def add_many(self, txns):
        """Records every mapping of `txns` in one transaction (one commit):
        all of them, or none when one is refused; the exception then carries
        ``.row``, the 1-based position of the refused mapping. Returns how
        many were recorded."""
        count = 0
        with self._db.transaction():
            for count, txn in enumerate(txns, 1):
                try:
                    self.add_record(txn)
                except CrmError as exc:
                    exc.row = count
                    raise
        return count

    def list(self, customer_no, since=None, until=None, type=None, limit=None):
        """The customer's transactions, newest first (dicts with id,
        customer_no, product_code, product_name, type, amount (Money),
        channel, time, ref when given). `since` is inclusive, `until` exclusive."""
        filters = _fields(since=since, until=until, type=type, limit=limit)
        return _iterate_filtered(self._db, C.crm_txn_list, filters, _DB,
                                 text_arg(customer_no, "customer_no"))


register_part("products", Products)
register_part("holdings", Holdings)
register_part("transactions", Transactions)

__all__ = ["Holdings", "Products", "Transactions"]
