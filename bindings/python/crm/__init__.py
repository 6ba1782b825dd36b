"""crm: Python binding for libcrm, the embeddable bank customer-marketing library.

Standard library only (ctypes). The package loads ``libcrm.so.1`` on first
use, from the ``CRM_LIBRARY`` environment variable (a path), else the build
tree next to this source (``build/lib``, then any ``build*/lib``), else the
system (``ctypes.util.find_library("crm")``), and checks that the library
serves the API version the binding was written for (1.0).

Example::

    import crm

    key = crm.generate_key()            # keep it safe: it encrypts personal data
    with crm.Database("bank.db", key=key) as db:
        db.bootstrap("HO", "总行", "admin", "系统管理员")
        db.actor = "admin"
        db.branches.add("BJ", "北京分行", parent="HO")
        db.users.add(name="zhang.san", display_name="张三",
                     roles=["relationship_manager"], branch="BJ",
                     phone="13812345678")
        print(db.users.get("zhang.san")["phone"])        # 138****5678
        print(db.users.reveal("zhang.san", "phone", "customer call-back"))
        with db.transaction():                           # one commit, or none
            db.branches.add("BJ01", "北京朝阳支行", parent="BJ")
        for entry in db.audit.list(actor="admin"):
            print(entry["seq"], entry["action"], entry["entity_id"])
        entries, first_bad = db.audit.verify()           # raises crm.Corrupt if tampered

    crm.mask("id_number", "11010519491231002X")          # '1****************X'

Conventions:

- ``crm.Database`` is the handle: ``close()`` or ``with``; unclosed handles are
  closed by the collector or at exit. ``db.branches``, ``db.users``,
  ``db.audit`` and ``db.keys`` group the calls; lists are iterators of dicts
  (``ResultIterator``) that may be closed or dropped in any order with the
  database. A handle may be shared between threads (calls are serialised by a
  lock; a ``transaction()`` block holds it), but one handle per thread scales
  better.
- Failures raise a subclass of ``crm.CrmError`` (``.code``, ``.message``):
  ``NotFound``, ``PermissionDenied``, ``CrmKeyError`` (wrong master key),
  ``Corrupt`` ...
- Records are dicts: ``str`` text, ``int`` integers, ``crm.Money`` (int fen),
  ``crm.Date`` ("YYYY-MM-DD"). ``crm.Record`` wraps a C record for building
  one by hand and for ``to_json()``.
- Times are UTC: ``crm.parse_time("2026-11-25T14:01:32Z")`` -> epoch seconds,
  ``crm.format_time(epoch)`` -> text.

Modules added later declare their C functions in their own tables with
``crm._ffi._declare`` (see ``crm/_ffi.py``); the foundation table is
``crm/_foundation.py``.
"""

from . import _foundation  # noqa: F401  (declares the foundation API)
from ._ffi import VERSION_NUMBER, LibraryNotFound, declared_names, library_path
from .database import Audit, Branches, Database, Keys, ResultIterator, Users
from .errors import (
    Busy, Conflict, Corrupt, CrmError, CrmIOError, CrmKeyError, ErrorCode, InternalError,
    InvalidArgument, InvalidData, InvalidState, Locked, NotFound, NotSupported, OutOfMemory,
    PermissionDenied, ReadOnly, SchemaVersion,
)
from .functions import (
    MaskKind, Role, bootstrap, errstr, format_time, generate_key, generate_key_file,
    load_key_file, mask, parse_roles, parse_time, role_name, role_names, version,
    version_string,
)
from .record import Date, Money, Record, ValueType
from .customer import Customers, parse_id_number  # declares customer.h; db.customers
from . import product  # adds db.products, db.holdings, db.transactions
from . import dataio  # adds db.dataio: import, export, quality, stats
from .rule import Rule, RuleData, rule_vocabulary  # declares rule.h: JsonLogic rules
from . import search  # declares search.h; db.customers.search / find_by / pages
from . import segment, tag  # db.segments and db.tags (segment.h, tag.h)
from . import alert  # declares alert.h; db.alerts
from . import complaint, kb  # declares complaint.h and kb.h; db.complaints, db.kb
from .risk import RiskConfig  # declares risk.h; db.risk
from .analytics import AnalyticsConfig  # declares analytics.h; db.analytics
from .report import ReportCatalog, report_period  # declares report.h; db.reports
from . import campaign  # declares campaign.h; db.campaigns and db.leads
from . import outreach  # declares outreach.h; db.channels, messages, events, optouts, care

KEY_SIZE = _foundation.KEY_SIZE

__all__ = [
    "Audit", "Branches", "Busy", "Conflict", "Corrupt", "CrmError", "CrmIOError", "CrmKeyError",
    "Database", "Date", "ErrorCode", "InternalError", "InvalidArgument", "InvalidData",
    "InvalidState", "KEY_SIZE", "Keys", "LibraryNotFound", "Locked", "MaskKind", "Money",
    "NotFound", "NotSupported", "OutOfMemory", "PermissionDenied", "ReadOnly", "Record",
    "ResultIterator", "RiskConfig", "AnalyticsConfig", "Role", "Rule", "RuleData", "SchemaVersion", "Users", "VERSION_NUMBER",
    "ValueType", "Customers", "bootstrap", "declared_names", "errstr", "format_time", "generate_key",
    "generate_key_file", "library_path", "load_key_file", "mask", "parse_roles", "parse_time",
    "parse_id_number", "role_name", "role_names", "rule_vocabulary", "version",
    "version_string", "ReportCatalog", "report_period",
]
