"""libcrm result codes as Python exceptions.

Every negative ``CRM_E_*`` code maps to a subclass of :class:`CrmError`
carrying ``.code`` (the C code) and ``.message`` (the library's detailed
message: ``crm_db_errmsg`` for calls on a handle, ``crm_last_errmsg``
otherwise, ``crm_errstr`` when neither says more).
"""

import enum


class ErrorCode(enum.IntEnum):
    """The C result codes (crm_error)."""

    OK = 0
    ITER_DONE = 1
    INVALID_ARG = -1
    INVALID_DATA = -2
    NOT_FOUND = -3
    CONFLICT = -4
    PERMISSION = -5
    KEY = -6
    BUSY = -7
    IO = -8
    CORRUPT = -9
    SCHEMA_VERSION = -10
    NOT_SUPPORTED = -11
    NOMEM = -12
    READONLY = -13
    LOCKED = -14
    STATE = -15
    INTERNAL = -16


class CrmError(Exception):
    """A libcrm failure. ``code`` is the C result code, ``message`` the detail."""

    #: The code this class stands for (CrmError itself: any unknown code).
    default_code = None

    def __init__(self, code=None, message=""):
        if code is None:
            code = self.default_code
        self.code = code
        self.message = message
        super().__init__(code, message)

    @property
    def code_name(self):
        """The C name of the code ("CRM_E_NOT_FOUND"), or the number as text."""
        try:
            return "CRM_E_" + ErrorCode(self.code).name
        except ValueError:
            return str(self.code)

    def __str__(self):
        return self.message or self.code_name


def _subclass(name, code, doc, *mixins):
    cls = type(name, (CrmError,) + mixins, {"__doc__": doc, "default_code": code})
    cls.__module__ = __name__
    return cls


InvalidArgument = _subclass("InvalidArgument", -1, "A NULL or out-of-range argument.", ValueError)
InvalidData = _subclass("InvalidData", -2, "Input that fails validation.", ValueError)
NotFound = _subclass("NotFound", -3, "No such record.", LookupError)
Conflict = _subclass("Conflict", -4, "Duplicate key or stale version.")
PermissionDenied = _subclass("PermissionDenied", -5, "The acting user may not do this.")
CrmKeyError = _subclass("CrmKeyError", -6, "Missing, malformed or wrong master key.")
Busy = _subclass("Busy", -7, "The database stayed locked past the busy timeout.")
CrmIOError = _subclass("CrmIOError", -8, "A file could not be read or written.")
Corrupt = _subclass("Corrupt", -9, "Stored data fails an integrity check.")
SchemaVersion = _subclass("SchemaVersion", -10, "The database schema is newer than the library.")
NotSupported = _subclass("NotSupported", -11, "The capability does not exist.")
OutOfMemory = _subclass("OutOfMemory", -12, "Out of memory.")
ReadOnly = _subclass("ReadOnly", -13, "Write attempted on a read-only handle.")
Locked = _subclass("Locked", -14, "Account locked after failed logins.")
InvalidState = _subclass("InvalidState", -15, "Call not valid in the current state.")
InternalError = _subclass("InternalError", -16, "A bug in libcrm or a dependency.")

_BY_CODE = {
    cls.default_code: cls
    for cls in (
        InvalidArgument, InvalidData, NotFound, Conflict, PermissionDenied, CrmKeyError,
        Busy, CrmIOError, Corrupt, SchemaVersion, NotSupported, OutOfMemory, ReadOnly,
        Locked, InvalidState, InternalError,
    )
}


def error_for(code, message=""):
    """The exception instance for a negative result code."""
    return _BY_CODE.get(code, CrmError)(code, message)


def check(rc):
    """Raises for a negative rc of a call that does not take a handle
    (message from crm_last_errmsg); returns rc otherwise."""
    if rc < 0:
        raise thread_error(rc)
    return rc


def thread_error(rc):
    """The exception for `rc` with the calling thread's last message."""
    from ._ffi import C, borrowed

    message = borrowed(C.crm_last_errmsg()) or borrowed(C.crm_errstr(rc))
    return error_for(rc, message)
