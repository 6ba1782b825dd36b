"""Customers (include/crm/customer.h): ``db.customers`` and ``crm.parse_id_number``.

::

    db.customers.create(customer_no="C001", name="张三", branch="BJ", manager="zhang.san",
                        id_number="11010519491231002X", phone="13812345678",
                        total_assets=crm.Money(123456),      # 1,234.56 yuan
                        ext={"vip": "gold"})                 # the field ext.vip
    c = db.customers.get("C001")          # a dict; personal fields masked
    c["id_number"], c["birth_date"], c["version"]     # '1****************X', '1949-12-31', 1
    db.customers.update("C001", c["version"], city="北京", email=None)   # None clears
    db.customers.reveal("C001", "phone", "客户回访")   # clear text, audited
    db.customers.view("C001", recent=10)  # the 360 view as a dict
    crm.parse_id_number("440106850312001")["id_number"]   # '440106198503120015'

Money fields (annual_income, total_assets) are int fen: a plain ``int`` is
taken as :class:`crm.Money`; a float or a str is refused. Date fields
(birth_date, risk_assessed_at) take "YYYY-MM-DD", :class:`crm.Date` or a
``datetime.date``. Consent flags take 0/1 or a bool. Failures raise the
usual exceptions: ``InvalidData`` (its message names the field),
``Conflict`` (a stale version, an existing customer number or ID number),
``NotFound`` (also for a customer the actor may not see),
``PermissionDenied``.
"""

import collections.abc
import json
from ctypes import POINTER, byref, c_char_p, c_int, c_int64, c_void_p

from ._ffi import C, _declare, text_arg
from .database import _DB, _Part
from .errors import InvalidArgument, check
from .record import Date, Money, Record, as_record, read_record

_handle = c_void_p
_out = POINTER(c_void_p)  # crm_record **, char **

CUSTOMER = [
    ("crm_customer_create", c_int, [_handle, _handle]),
    ("crm_customer_get", c_int, [_out, _handle, c_char_p]),
    ("crm_customer_update", c_int, [_handle, c_char_p, _handle, c_int64]),
    ("crm_customer_reveal", c_int, [_out, _handle, c_char_p, c_char_p, c_char_p]),
    ("crm_customer_view", c_int, [_out, _handle, c_char_p, c_int]),
    ("crm_id_number_parse", c_int, [_out, c_char_p]),
    ("crm_customer_assign", c_int, [_handle, c_char_p, c_char_p, c_char_p]),
    ("crm_customer_move_book", c_int, [POINTER(c_int64), _handle, c_char_p, c_char_p, c_char_p]),
    ("crm_customer_delete_request", c_int, [_handle, c_char_p, c_char_p]),
    ("crm_customer_delete_approve", c_int, [_handle, c_char_p, c_char_p]),
    ("crm_customer_purge_due", c_int, [POINTER(c_int64), _handle]),
]

_declare(CUSTOMER)

#: Fields holding money (int64 fen).
MONEY_FIELDS = frozenset({"annual_income", "total_assets"})
#: Fields holding a date "YYYY-MM-DD".
DATE_FIELDS = frozenset({"birth_date", "risk_assessed_at"})
#: The personal fields crm_customer_reveal returns in clear.
PERSONAL_FIELDS = ("id_number", "phone", "email", "address", "card_number")


def _typed(name, value):
    """A field value typed for the record: money as Money, dates as Date."""
    if value is None:
        return value
    if name in MONEY_FIELDS and not isinstance(value, Money):
        if isinstance(value, bool) or not isinstance(value, int):
            raise InvalidArgument(
                -1, "field %s: money is int fen or crm.Money, not %s"
                % (name, type(value).__name__))
        return Money(value)
    if name in DATE_FIELDS and isinstance(value, str) and not isinstance(value, Date):
        return Date(value)
    return value


def customer_fields(fields, ext=None):
    """The crm_customer_create/update record of `fields` (a mapping of field
    names) and `ext` (extension attributes by name, without "ext."), typed."""
    out = {name: _typed(name, value) for name, value in fields.items()}
    if ext is not None:
        if not isinstance(ext, collections.abc.Mapping):
            raise InvalidArgument(-1, "ext must be a mapping of name -> text")
        for name, value in ext.items():
            out["ext." + name] = value
    return out


def _version(version):
    if isinstance(version, bool) or not isinstance(version, int):
        raise InvalidArgument(-1, "version must be an int, not %s" % type(version).__name__)
    return version


def parse_id_number(text):
    """Checks a resident ID number (GB 11643-1999; 15-digit numbers are
    converted to 18) and returns what it encodes: a dict of id_number (18
    characters), birth_date, gender ("M"/"F") and province (full name).
    Needs no database. InvalidData says why ("id_number: check digit is 7,
    expected X")."""
    out = c_void_p()
    check(C.crm_id_number_parse(byref(out), text_arg(text, "id_number")))
    try:
        return read_record(out.value)
    finally:
        C.crm_record_free(out.value)


class Customers(_Part):
    """db.customers: customer records, validated, encrypted, masked and audited.

    An RM reaches only their own customers, a branch manager the branch
    subtree; a customer the actor may not see is NotFound, as if missing."""

    def create(self, customer_no, name, branch, ext=None, **fields):
        """Creates a customer. Other fields by keyword (id_type, id_number,
        gender, birth_date, phone, email, address, card_number, city,
        province, occupation, annual_income, total_assets, risk_level,
        risk_assessed_at, manager, consent_sms, consent_email,
        consent_phone); `ext` maps extension names to text. A resident ID
        number fills birth_date, gender and province when not given."""
        fields.update(customer_no=customer_no, name=name, branch=branch)
        self.create_record(customer_fields(fields, ext))

    def create_record(self, customer):
        """Creates a customer from a mapping (or Record) of crm_customer_create
        fields ("ext.<name>" for extension attributes)."""
        if isinstance(customer, collections.abc.Mapping) and not isinstance(customer, Record):
            customer = customer_fields(customer)
        rec, owned = as_record(customer)
        try:
            self._db._call(C.crm_customer_create, _DB, rec._as_parameter_)
        finally:
            if owned:
                rec.close()

    def find_by(self, key, value):
        """Exact lookup ("customer_no", "id_number", "phone", "card_number",
        "email"): an iterator of masked records (crm.search.find_by)."""
        from . import search
        return search.find_by(self._db, key, value)

    def search(self, **filters):
        """Combined filters, fuzzy name, sorting, keyset pagination: an
        iterator of masked records (crm.search.search)."""
        from . import search
        return search.search(self._db, **filters)

    def pages(self, page_size, **filters):
        """The search in pages of `page_size` records (crm.search.pages)."""
        from . import search
        return search.pages(self._db, page_size, **filters)

    def get(self, customer_no):
        """The customer as a dict: personal fields masked, money as Money,
        "ext.<name>" attributes, and the read-only status, version, age,
        risk_expired, created_at and updated_at."""
        return self._db._get_record(C.crm_customer_get, _DB,
                                    text_arg(customer_no, "customer_no"))

    def __contains__(self, customer_no):
        from .errors import NotFound

        try:
            self.get(customer_no)
        except NotFound:
            return False
        return True

    def update(self, customer_no, version, /, ext=None, **changes):
        """Changes the given fields provided the stored version is still
        `version` (Conflict otherwise); None clears a field, and an `ext`
        value of None removes that attribute. Returns the new version.
        `customer_no` and `version` are positional, so a change named
        customer_no reaches the library (which refuses it)."""
        version = _version(version)
        record = customer_fields(changes, ext)
        if not record:
            raise InvalidArgument(-1, "update needs at least one field to change")
        rec, _ = as_record(record)
        try:
            self._db._call(C.crm_customer_update, _DB, text_arg(customer_no, "customer_no"),
                           rec._as_parameter_, version)
        finally:
            rec.close()
        return version + 1

    def reveal(self, customer_no, field, reason):
        """One personal field ("id_number", "phone", "email", "address",
        "card_number") in clear. Needs a reason and the right role (admin,
        branch manager, the customer's own RM); audited with who and why."""
        return self._db._get_string(C.crm_customer_reveal, _DB,
                                    text_arg(customer_no, "customer_no"),
                                    text_arg(field, "field"), text_arg(reason, "reason"))

    def view(self, customer_no, recent=10):
        """The customer 360 view as a dict: profile (masked), holdings,
        recent_transactions (the latest `recent`, newest first), activity,
        and the sections later modules add. Money in fen."""
        if isinstance(recent, bool) or not isinstance(recent, int):
            raise InvalidArgument(-1, "recent must be an int")
        text = self._db._get_string(C.crm_customer_view, _DB,
                                    text_arg(customer_no, "customer_no"), recent)
        return json.loads(text)

    def assign(self, customer_no, manager, reason):
        """Assigns the customer to relationship manager `manager` (a login),
        or removes the assignment when None. Admin or branch manager."""
        self._db._call(C.crm_customer_assign, _DB, text_arg(customer_no, "customer_no"),
                       text_arg(manager, "manager"), text_arg(reason, "reason"))

    def move_book(self, from_, to, reason):
        """Moves every customer of RM `from_` to RM `to` in one transaction and
        one audit entry; returns how many moved."""
        moved = c_int64()
        self._db._call(C.crm_customer_move_book, byref(moved), _DB, text_arg(from_, "from_"),
                       text_arg(to, "to"), text_arg(reason, "reason"))
        return moved.value

    def delete_request(self, customer_no, reason):
        """Asks for the customer's deletion; another user approves.
        InvalidState when already requested."""
        self._db._call(C.crm_customer_delete_request, _DB,
                       text_arg(customer_no, "customer_no"), text_arg(reason, "reason"))

    def delete_approve(self, customer_no, reason):
        """Approves a pending deletion (not by the requester: PermissionDenied).
        The customer becomes restricted until purge_due after retention."""
        self._db._call(C.crm_customer_delete_approve, _DB,
                       text_arg(customer_no, "customer_no"), text_arg(reason, "reason"))

    def purge_due(self):
        """Purges the restricted customers whose retention has ended
        (crypto-shredding); returns how many. Admin only, outside
        transactions."""
        purged = c_int64()
        self._db._call(C.crm_customer_purge_due, byref(purged), _DB)
        return purged.value


__all__ = ["Customers", "MONEY_FIELDS", "DATE_FIELDS", "PERSONAL_FIELDS", "customer_fields",
           "parse_id_number"]
