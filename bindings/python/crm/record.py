"""Records (crm_record): typed values by field name.

Results come back as plain dicts: text fields as ``str``, integers as
``int``, money as :class:`Money` (an ``int`` of fen) and dates as
:class:`Date` (a ``str``), so they compare equal to plain values but keep
their type when passed back. Dicts passed to the library become records:
``str`` -> text, ``int`` -> int, ``Money`` -> money, ``Date`` or
``datetime.date`` -> date, ``None`` -> a cleared (NULL) field.
:class:`Record` wraps a record the binding owns, for building one by hand
or for ``to_json()``.
"""

import collections.abc
import datetime
import decimal
import enum
import threading
import weakref
from ctypes import byref, c_char_p, c_int64, c_void_p

from ._ffi import C, take_string, text_arg
from .errors import InvalidArgument, check


class ValueType(enum.IntEnum):
    """crm_value_type."""

    NULL = 0
    TEXT = 1
    INT = 2
    MONEY = 3
    DATE = 4


class Money(int):
    """An amount of money in fen (int64). ``Money(12345)`` is 123.45 yuan."""

    @classmethod
    def from_yuan(cls, yuan):
        """Money from yuan given as a str, int or Decimal ("123.45"); exact."""
        if isinstance(yuan, float):
            raise TypeError("money is never floating point: pass a str or Decimal")
        fen = decimal.Decimal(yuan) * 100
        if fen != fen.to_integral_value():
            raise ValueError("%s yuan is not a whole number of fen" % yuan)
        return cls(int(fen))

    @property
    def yuan(self):
        """The amount in yuan, as an exact Decimal."""
        return decimal.Decimal(int(self)) / 100

    def __repr__(self):
        return "Money(%d)" % int(self)


class Date(str):
    """A date field: "YYYY-MM-DD" (from a str or a datetime.date)."""

    def __new__(cls, value):
        if isinstance(value, datetime.datetime):
            value = value.date()
        if isinstance(value, datetime.date):
            value = value.isoformat()
        return super().__new__(cls, value)

    def __repr__(self):
        return "Date(%s)" % str.__repr__(self)


def _field(name):
    return text_arg(name, "field name")


def set_value(ptr, name, value):
    """Sets one field of the record at `ptr`, typed by the Python value."""
    key = _field(name)
    if value is None:
        rc = C.crm_record_set_text(ptr, key, None)
    elif isinstance(value, Money):
        rc = C.crm_record_set_money(ptr, key, int(value))
    elif isinstance(value, (Date, datetime.date)) and not isinstance(value, datetime.datetime):
        rc = C.crm_record_set_date(ptr, key, text_arg(Date(value), name))
    elif isinstance(value, datetime.datetime):
        from .functions import format_time

        rc = C.crm_record_set_text(ptr, key, text_arg(format_time(value), name))
    elif isinstance(value, str):
        rc = C.crm_record_set_text(ptr, key, text_arg(value, name))
    elif isinstance(value, int):  # bool and IntEnum/IntFlag included
        rc = C.crm_record_set_int(ptr, key, int(value))
    else:
        raise InvalidArgument(
            -1,
            "field %s: cannot store a %s (use str, int, Money, Date or None)"
            % (name, type(value).__name__),
        )
    check(rc)


def get_value(ptr, key):
    """Reads field `key` (bytes) of the record at `ptr`; None when NULL or absent."""
    kind = C.crm_record_type(ptr, key)
    if kind in (ValueType.TEXT, ValueType.DATE):
        out = c_char_p()
        check(C.crm_record_get_text(byref(out), ptr, key))
        text = out.value.decode("utf-8")
        return Date(text) if kind == ValueType.DATE else text
    if kind in (ValueType.INT, ValueType.MONEY):
        out = c_int64()
        check(C.crm_record_get_int(byref(out), ptr, key))
        return Money(out.value) if kind == ValueType.MONEY else out.value
    return None


def field_names(ptr):
    """The field names of the record at `ptr` as bytes, in insertion order."""
    names = []
    for index in range(C.crm_record_count(ptr)):
        name = C.crm_record_field_name(ptr, index)
        if name is None:
            break
        names.append(name)
    return names


def read_record(ptr):
    """The record at `ptr` (owned or borrowed) as a new dict."""
    return {key.decode("utf-8"): get_value(ptr, key) for key in field_names(ptr)}


def record_json(ptr):
    """crm_record_to_json of the record at `ptr`, as str."""
    out = c_void_p()
    check(C.crm_record_to_json(byref(out), ptr))
    return take_string(out.value)


def _free_record(free, ptr):
    free(ptr)


class Record(collections.abc.MutableMapping):
    """A crm_record owned by Python: a mutable mapping of field -> value.

    ``Record({"name": "zhang", "limit": 10})``, ``rec["amount"] = Money(100)``,
    ``rec.to_dict()``, ``rec.to_json()``. Freed by ``close()``, ``with`` or
    the garbage collector. A lock serialises use from several threads.
    """

    def __init__(self, data=None, **fields):
        out = c_void_p()
        check(C.crm_record_new(byref(out)))
        self._ptr = out.value
        self._lock = threading.RLock()
        self._finalizer = weakref.finalize(self, _free_record, C.crm_record_free, self._ptr)
        try:
            if data is not None:
                self.update(data)
            self.update(fields)
        except BaseException:
            self.close()
            raise

    @classmethod
    def _adopt(cls, ptr):
        """Takes ownership of a crm_record * the library handed out."""
        rec = cls.__new__(cls)
        rec._ptr = ptr
        rec._lock = threading.RLock()
        rec._finalizer = weakref.finalize(rec, _free_record, C.crm_record_free, ptr)
        return rec

    @property
    def _as_parameter_(self):
        return c_void_p(self._live())

    def _live(self):
        if self._ptr is None:
            from .errors import InvalidState

            raise InvalidState(-15, "record is closed")
        return self._ptr

    def close(self):
        """Frees the C record; later use raises InvalidState."""
        with self._lock:
            self._ptr = None
            self._finalizer()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def __getitem__(self, name):
        with self._lock:
            ptr = self._live()
            key = _field(name)
            if C.crm_record_type(ptr, key) == ValueType.NULL and key not in field_names(ptr):
                raise KeyError(name)
            return get_value(ptr, key)

    def __setitem__(self, name, value):
        with self._lock:
            set_value(self._live(), name, value)

    def __delitem__(self, name):
        with self._lock:
            ptr = self._live()
            key = _field(name)
            if key not in field_names(ptr):
                raise KeyError(name)
            check(C.crm_record_unset(ptr, key))

    def __iter__(self):
        with self._lock:
            names = field_names(self._live())
        return iter([name.decode("utf-8") for name in names])

    def __len__(self):
        with self._lock:
            return C.crm_record_count(self._live())

    def set_money(self, name, fen):
        """Sets a money field (int fen)."""
        self[name] = Money(fen)

    def set_date(self, name, date):
        """Sets a date field ("YYYY-MM-DD" or a datetime.date)."""
        self[name] = Date(date)

    def type_of(self, name):
        """The ValueType of a field (NULL when absent)."""
        with self._lock:
            return ValueType(C.crm_record_type(self._live(), _field(name)))

    def to_dict(self):
        """The fields as a new plain dict."""
        with self._lock:
            return read_record(self._live())

    def to_json(self):
        """The record as one JSON object (crm_record_to_json)."""
        with self._lock:
            return record_json(self._live())

    def __repr__(self):
        if self._ptr is None:
            return "<crm.Record closed>"
        return "crm.Record(%r)" % self.to_dict()


def as_record(data):
    """(record, owned): `data` itself if a Record, else a new Record to close."""
    if isinstance(data, Record):
        return data, False
    if not isinstance(data, collections.abc.Mapping):
        raise InvalidArgument(-1, "expected a mapping, not %s" % type(data).__name__)
    return Record(data), True


__all__ = ["Date", "Money", "Record", "ValueType"]
