"""Customer search (include/crm/search.h): exact lookups and combined search.

::

    import crm.search

    for c in crm.search.search(db, name="小明", province="广东", age_min=30,
                               sort="-total_assets", limit=10):
        print(c["customer_no"], c["name"], c["match"], c["total_assets"])

    list(crm.search.find_by(db, "phone", "+8613912345678"))   # a family may share one
    list(crm.search.find_by(db, "id_number", "110105491231002"))  # 15 digits find 18

    for page in crm.search.pages(db, 100, branch="BJ"):         # keyset pages
        ...

Results are dicts with the fields of ``db.customers.get`` (personal fields
masked) plus ``cursor`` (pass it as ``after=`` to continue after that row
with the same filter and sort) and, with a ``name`` filter, ``match``
("exact", "prefix", "suffix" or "contains").

Filter keywords are the crm_customer_search fields: name, gender, age_min,
age_max, province, city, branch, manager, assets_min, assets_max,
income_min, income_max (int fen or :class:`crm.Money`), risk_level, status,
customer_no, id_number, phone, card_number, email, where (JsonLogic text,
or a dict/list that is sent as JSON), sort, limit, after. A keyword set to
None is left out. Unknown keywords raise :class:`crm.InvalidArgument`
naming them; malformed exact values :class:`crm.InvalidData`; a rule the
search cannot compile :class:`crm.NotSupported`. The call runs the search at
once (so errors raise here); the rows stream as they are iterated.
"""

import json
from ctypes import POINTER, c_char_p, c_int, c_void_p

from ._ffi import C, _declare, text_arg
from .database import _DB
from .errors import InvalidArgument
from .record import Money, Record

_handle = c_void_p
_out = POINTER(c_void_p)  # crm_iter **

SEARCH = [
    ("crm_customer_find_by", c_int, [_out, _handle, c_char_p, c_char_p]),
    ("crm_customer_search", c_int, [_out, _handle, _handle]),
]

_declare(SEARCH)

#: The exact keys of find_by.
FIND_KEYS = ("customer_no", "id_number", "phone", "card_number", "email")
#: Filter fields holding money (int fen).
MONEY_FILTERS = frozenset({"assets_min", "assets_max", "income_min", "income_max"})


def _filter_value(name, value):
    if name == "where" and not isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if name in MONEY_FILTERS and isinstance(value, int) and not isinstance(value, bool):
        return Money(value)
    if isinstance(value, bool) or isinstance(value, float):
        raise InvalidArgument(-1, "filter %s: expected text or an integer, not %s"
                              % (name, type(value).__name__))
    return value


def _rows(iterator):
    """Yields the iterator's dicts; frees it when done or when the generator
    is closed or collected."""
    with iterator:
        yield from iterator


def find_by(db, key, value):
    """Customers whose `key` (customer_no, id_number, phone, card_number,
    email) equals `value`, normalised as stored (15-digit IDs, +86, card
    spaces, e-mail case), ordered by customer number: a generator of dicts."""
    iterator = db._iterate(C.crm_customer_find_by, _DB, text_arg(key, "key"),
                           text_arg(value, "value"))
    return _rows(iterator)


def search(db, **filters):
    """Customers matching every filter (see the module help): a generator of
    dicts, best matches first for a name, else by customer number."""
    fields = {name: _filter_value(name, value) for name, value in filters.items()
              if value is not None}
    with Record(fields) as rec:
        iterator = db._iterate(C.crm_customer_search, _DB, rec._as_parameter_)
    return _rows(iterator)


def pages(db, page_size, **filters):
    """The search in pages of at most `page_size` rows (lists of dicts),
    each continuing after the previous one's last row (keyset cursors: rows
    changing meanwhile are neither repeated nor skipped)."""
    if "limit" in filters or "after" in filters:
        raise InvalidArgument(-1, "pages sets limit and after itself")
    after = None
    while True:
        page = list(search(db, limit=page_size, after=after, **filters))
        if not page:
            return
        yield page
        if len(page) < page_size:
            return
        after = page[-1]["cursor"]


__all__ = ["FIND_KEYS", "find_by", "pages", "search"]
