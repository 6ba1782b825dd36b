"""Reports (include/crm/report.h): customer analysis, business statistics,
RM performance, and any report defined in YAML (docs/REPORTS.md).

Adds ``db.reports`` to every :class:`crm.Database`::

    db.reports.names()                                  # ['business-products', ...]
    for row in db.reports.run("business-statistics", period="2026-10", branch="BJ"):
        print(row["branch_name"], row["txn_volume"])    # Money in fen
    db.reports.write("customer-analysis", "q4.xlsx", period="2026-Q4")  # format from suffix
    crm.report_period("2026-W47")["start"]              # '2026-11-16T00:00:00Z'

    with crm.ReportCatalog() as cat:                    # the built-ins plus your own
        cat.load_file("reports.yaml")
        db.reports.run("my-report", period="2026", catalog=cat)

Rows stream from the library (a ResultIterator of dicts); a report never
holds more than the actor may see (an RM's book, a branch manager's subtree).
"""

import json
import os
from ctypes import POINTER, byref, c_char_p, c_int, c_size_t, c_void_p

from ._ffi import C, _declare, borrowed, path_arg, take_string, text_arg
from .database import _DB, _Part, register_part
from .errors import InvalidArgument, check
from .record import as_record, read_record
from .rule import _Owned

_out = POINTER(c_void_p)

REPORT = [
    ("crm_report_catalog_new", c_int, [_out]),
    ("crm_report_catalog_free", None, [c_void_p]),
    ("crm_report_catalog_load", c_int, [c_void_p, c_char_p]),
    ("crm_report_catalog_load_file", c_int, [c_void_p, c_char_p]),
    ("crm_report_catalog_count", c_size_t, [c_void_p]),
    ("crm_report_catalog_name", c_char_p, [c_void_p, c_size_t]),
    ("crm_report_describe", c_int, [_out, c_void_p, c_char_p]),
    ("crm_report_period", c_int, [_out, c_char_p]),
    ("crm_report_run", c_int, [_out, c_void_p, c_void_p, c_char_p, c_void_p]),
    ("crm_report_write", c_int, [c_void_p, c_void_p, c_char_p, c_void_p, c_char_p, c_char_p]),
]

_declare(REPORT)

FORMATS = ("csv", "json", "html", "xlsx", "pdf")


def report_period(text):
    """A period ("2026-11-25", "2026-W47", "2026-10", "2026-Q4", "2026") as a
    dict: kind, label, start, end, previous_*, last_year_*."""
    out = c_void_p()
    check(C.crm_report_period(byref(out), text_arg(text, "period")))
    try:
        return read_record(out.value)
    finally:
        C.crm_record_free(out.value)


class ReportCatalog(_Owned):
    """Report definitions: the built-ins plus those loaded from YAML. A
    definition replaces a built-in of the same name. Keep the catalog open
    while iterating a run that uses it."""

    _what = "report catalog"

    def __init__(self):
        out = c_void_p()
        check(C.crm_report_catalog_new(byref(out)))
        self._own(out.value, C.crm_report_catalog_free)

    def load(self, yaml_text):
        """Adds the definitions of a YAML or JSON document (all or nothing)."""
        check(C.crm_report_catalog_load(self._live(), text_arg(yaml_text, "definitions")))

    def load_file(self, path):
        """Adds the definitions of a YAML file (all or nothing)."""
        check(C.crm_report_catalog_load_file(self._live(), path_arg(path)))

    def names(self):
        """The report names, sorted."""
        ptr = self._live()
        return [borrowed(C.crm_report_catalog_name(ptr, i))
                for i in range(C.crm_report_catalog_count(ptr))]

    def describe(self, name):
        """The definition as a dict: columns (name, label, label_en, type),
        key, filters, group, detail, charts."""
        out = c_void_p()
        check(C.crm_report_describe(byref(out), self._live(), text_arg(name, "name")))
        return json.loads(take_string(out.value))


def _params(period, branch, filters, **options):
    values = dict(filters)
    if period is not None:
        values["period"] = period
    if branch is not None:
        values["branch"] = branch
    values.update({k: v for k, v in options.items() if v is not None})
    return values


class Reports(_Part):
    """db.reports: run reports as rows, or write them as files."""

    def names(self, catalog=None):
        """The report names (built-ins, or those of `catalog`)."""
        if catalog is not None:
            return catalog.names()
        with ReportCatalog() as cat:
            return cat.names()

    def describe(self, name, catalog=None):
        """A report's definition as a dict (see ReportCatalog.describe)."""
        if catalog is not None:
            return catalog.describe(name)
        with ReportCatalog() as cat:
            return cat.describe(name)

    def run(self, name, period=None, branch=None, catalog=None, **filters):
        """Runs a report: a ResultIterator of dicts, one per row, money as
        crm.Money (fen). Keyword filters name filter columns of the report
        (a drill-down: ``run("business-products", period=..., branch="BJ01",
        product_type="deposit")``)."""
        rec, _ = as_record(_params(period, branch, filters))
        try:
            return self._db._iterate(C.crm_report_run, _DB, _catalog(catalog),
                                     text_arg(name, "name"), rec._as_parameter_)
        finally:
            rec.close()

    def write(self, name, path, format=None, period=None, branch=None, bom=False, detail=True,
              catalog=None, **filters):
        """Writes a report to `path` as csv, json, html, xlsx or pdf (by
        default the file's suffix). bom: a UTF-8 BOM before a CSV; detail:
        include the drill-down sections (html, xlsx, pdf)."""
        if format is None:
            format = os.path.splitext(os.fspath(path))[1].lstrip(".").lower()
        if format not in FORMATS:
            raise InvalidArgument(-1, "report format must be one of %s, not %r"
                                  % (", ".join(FORMATS), format))
        rec, _ = as_record(_params(period, branch, filters, bom=1 if bom else None,
                                   detail=None if detail else 0))
        try:
            self._db._call(C.crm_report_write, _DB, _catalog(catalog), text_arg(name, "name"),
                           rec._as_parameter_, text_arg(format, "format"), path_arg(path))
        finally:
            rec.close()


def _catalog(catalog):
    return None if catalog is None else catalog._live()


register_part("reports", Reports)
