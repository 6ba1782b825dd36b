"""Import, export, data quality and statistics (include/crm/dataio.h).

Adds ``db.dataio`` to every :class:`crm.Database`::

    stats = db.dataio.import_customers("customers.csv", encoding="gbk", mode="skip",
                                       errors_path="errors.csv")
    stats.inserted, stats.refused                 # counts; errors.csv: line,column,reason
    db.dataio.import_transactions("txns.csv", mode="skip")
    rows = db.dataio.export_customers("out.csv")  # masked; clear=True needs reason=
    for problem in db.dataio.quality(): ...       # kind, customer_no, customers, detail
    for row in db.dataio.stats("age_band"): ...   # key, customers, total_assets, ...

Files are CSV (RFC 4180, header row) or JSON Lines (``format="jsonl"``, the
default for ``*.jsonl``), in UTF-8 or GBK. Money columns are yuan with up to
two decimals in files, int fen (:class:`crm.Money`) in results.

A strict import that refuses a row raises (``InvalidData``, ``Conflict`` ...)
naming the file, line and column of the first bad row; the exception's
``stats`` attribute holds the counts. A skip import returns its counts even
when rows were refused. A ``progress(rows, bytes)`` callable may return a
true value to stop the call (``InvalidState``); an exception it raises stops
the call and is re-raised.
"""

import collections
import os
from ctypes import (
    CFUNCTYPE, POINTER, Structure, byref, c_char_p, c_int, c_int64, c_uint, c_void_p,
)

from ._ffi import C, _declare, path_arg, text_arg
from .database import _DB, _Part, register_part
from .errors import CrmError, InvalidArgument
from .record import as_record

IMPORT_OPTIONS_VERSION = 1
IMPORT_STATS_VERSION = 1
EXPORT_OPTIONS_VERSION = 1
EXPORT_CLEAR = 0x1
EXPORT_BOM = 0x2

#: int (*crm_progress_fn)(int64_t rows, int64_t bytes, void *payload)
PROGRESS_FN = CFUNCTYPE(c_int, c_int64, c_int64, c_void_p)

_FORMATS = {"csv": 0, "jsonl": 1}
_ENCODINGS = {"utf-8": 0, "utf8": 0, "gbk": 1}
_MODES = {"strict": 0, "skip": 1}
_DUPLICATES = {"error": 0, "skip": 1, "update": 2}


class ImportOptions(Structure):
    """struct crm_import_options (version 1)."""

    _fields_ = [
        ("version", c_uint),
        ("format", c_int),
        ("encoding", c_int),
        ("mode", c_int),
        ("on_duplicate", c_int),
        ("errors_path", c_char_p),
        ("progress", PROGRESS_FN),
        ("progress_payload", c_void_p),
        ("batch_size", c_uint),
    ]


class ImportStatsStruct(Structure):
    """struct crm_import_stats (version 1)."""

    _fields_ = [
        ("version", c_uint),
        ("read", c_int64),
        ("inserted", c_int64),
        ("updated", c_int64),
        ("skipped", c_int64),
        ("refused", c_int64),
        ("bytes", c_int64),
    ]


class ExportOptions(Structure):
    """struct crm_export_options (version 1)."""

    _fields_ = [
        ("version", c_uint),
        ("format", c_int),
        ("encoding", c_int),
        ("flags", c_uint),
        ("filter", c_void_p),
        ("reason", c_char_p),
        ("progress", PROGRESS_FN),
        ("progress_payload", c_void_p),
    ]


_out = POINTER(c_void_p)

DATAIO = [
    ("crm_import_options_init", c_int, [POINTER(ImportOptions), c_uint]),
    ("crm_import_stats_init", c_int, [POINTER(ImportStatsStruct), c_uint]),
    ("crm_customer_import", c_int,
     [POINTER(ImportStatsStruct), c_void_p, c_char_p, POINTER(ImportOptions)]),
    ("crm_txn_import", c_int,
     [POINTER(ImportStatsStruct), c_void_p, c_char_p, POINTER(ImportOptions)]),
    ("crm_holding_import", c_int,
     [POINTER(ImportStatsStruct), c_void_p, c_char_p, POINTER(ImportOptions)]),
    ("crm_export_options_init", c_int, [POINTER(ExportOptions), c_uint]),
    ("crm_customer_export", c_int, [POINTER(c_int64), c_void_p, c_char_p, POINTER(ExportOptions)]),
    ("crm_customer_quality", c_int, [_out, c_void_p]),
    ("crm_customer_stats", c_int, [_out, c_void_p, c_char_p]),
]

_declare(DATAIO)

#: The counts of an import.
ImportStats = collections.namedtuple(
    "ImportStats", "read inserted updated skipped refused bytes")


def _choice(table, value, what):
    try:
        return table[value]
    except (KeyError, TypeError):
        raise InvalidArgument(
            -1, "%s must be one of %s, not %r" % (what, ", ".join(sorted(table)), value)) from None


def _format_of(path, fmt):
    if fmt is None:
        fmt = "jsonl" if os.fsencode(path).endswith(b".jsonl") else "csv"
    return _choice(_FORMATS, fmt, "format")


class _Progress:
    """Holds a Python progress callable and its C trampoline; remembers an
    exception it raised so the call can re-raise it."""

    def __init__(self, fn):
        self.fn = fn
        self.error = None
        self.c_fn = PROGRESS_FN(self._tick) if fn is not None else PROGRESS_FN()

    def _tick(self, rows, nbytes, payload):
        try:
            return 1 if self.fn(rows, nbytes) else 0
        except BaseException as exc:  # must not unwind through C
            self.error = exc
            return 1

    def raise_pending(self):
        error, self.error = self.error, None
        if error is not None:
            raise error


class DataIO(_Part):
    """db.dataio: import and export files, the data-quality report, statistics."""

    def _import(self, fn, path, fmt, encoding, mode, on_duplicate, errors_path, progress,
                batch_size):
        opts = ImportOptions()
        self._db._call(C.crm_import_options_init, byref(opts), IMPORT_OPTIONS_VERSION)
        opts.format = _format_of(path, fmt)
        opts.encoding = _choice(_ENCODINGS, encoding, "encoding")
        opts.mode = _choice(_MODES, mode, "mode")
        opts.on_duplicate = _choice(_DUPLICATES, on_duplicate, "on_duplicate")
        opts.errors_path = path_arg(errors_path, "errors_path")
        opts.batch_size = int(batch_size or 0)
        meter = _Progress(progress)
        opts.progress = meter.c_fn
        st = ImportStatsStruct()
        self._db._call(C.crm_import_stats_init, byref(st), IMPORT_STATS_VERSION)
        try:
            self._db._call(fn, byref(st), _DB, path_arg(path), byref(opts))
        except CrmError as exc:
            meter.raise_pending()
            exc.stats = ImportStats(st.read, st.inserted, st.updated, st.skipped, st.refused,
                                    st.bytes)
            raise
        return ImportStats(st.read, st.inserted, st.updated, st.skipped, st.refused, st.bytes)

    def import_customers(self, path, format=None, encoding="utf-8", mode="strict",
                         on_duplicate="error", errors_path=None, progress=None, batch_size=0):
        """Imports customers from `path` (CSV or JSON Lines; see crm/dataio.h for
        the columns) and returns an :data:`ImportStats`. `mode` is "strict"
        (all or nothing) or "skip" (good rows in, bad rows reported in
        `errors_path`); `on_duplicate` is "error", "skip" or "update"."""
        return self._import(C.crm_customer_import, path, format, encoding, mode, on_duplicate,
                            errors_path, progress, batch_size)

    def import_transactions(self, path, format=None, encoding="utf-8", mode="strict",
                            errors_path=None, progress=None, batch_size=0,
                            on_duplicate="error"):
        """Imports transactions (customer_no, product_code, type, amount in
        yuan, channel, time, ref) from `path`; returns an :data:`ImportStats`.
        A `ref` already recorded is refused, skipped or written over per
        `on_duplicate` ("error", "skip", "update"), so a feed imported twice
        is not doubled."""
        return self._import(C.crm_txn_import, path, format, encoding, mode, on_duplicate,
                            errors_path, progress, batch_size)

    def import_holdings(self, path, format=None, encoding="utf-8", mode="strict",
                        errors_path=None, progress=None, batch_size=0, on_duplicate="error"):
        """Imports balances (customer_no, product_code, balance in yuan) from
        `path`, each row as db.holdings.set; returns an :data:`ImportStats`.
        A holding already stored is refused, kept or set per `on_duplicate`
        ("error", "skip", "update": a daily balance feed). Admin only."""
        return self._import(C.crm_holding_import, path, format, encoding, mode, on_duplicate,
                            errors_path, progress, batch_size)

    def export_customers(self, path, format=None, encoding="utf-8", clear=False, reason=None,
                         bom=False, progress=None, **filters):
        """Writes the customers the actor sees to `path` and returns how many.
        Personal fields are masked unless `clear` (needs reveal rights and a
        `reason`). Filters: branch, manager, status, province, city,
        risk_level, gender."""
        opts = ExportOptions()
        self._db._call(C.crm_export_options_init, byref(opts), EXPORT_OPTIONS_VERSION)
        opts.format = _format_of(path, format)
        opts.encoding = _choice(_ENCODINGS, encoding, "encoding")
        opts.flags = (EXPORT_CLEAR if clear else 0) | (EXPORT_BOM if bom else 0)
        opts.reason = text_arg(reason, "reason")
        meter = _Progress(progress)
        opts.progress = meter.c_fn
        rec, owned = as_record(filters) if filters else (None, False)
        opts.filter = rec._as_parameter_ if rec is not None else None
        rows = c_int64()
        try:
            self._db._call(C.crm_customer_export, byref(rows), _DB, path_arg(path), byref(opts))
        except CrmError:
            meter.raise_pending()
            raise
        finally:
            if owned:
                rec.close()
        return rows.value

    def quality(self):
        """The data-quality report: an iterator of dicts with kind,
        customer_no, customers and detail."""
        return self._db._iterate(C.crm_customer_quality, _DB)

    def stats(self, dimension):
        """Statistics by `dimension` (age_band, gender, province, occupation,
        risk_level, branch, product_type, activity): an iterator of dicts
        with key, customers and sums (crm.Money)."""
        return self._db._iterate(C.crm_customer_stats, _DB, text_arg(dimension, "dimension"))


register_part("dataio", DataIO)
