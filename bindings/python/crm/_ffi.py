"""Loading libcrm and declaring its functions.

Every C function the binding calls is declared in a table: a sequence of
``(name, restype, argtypes)`` rows handed to :func:`_declare`. The foundation
API (core, security, access) is tabled in ``crm/_foundation.py``; a later
module (``crm/rule.py``, ``crm/customer.py`` ...) declares its own table in its
own file the same way, without touching the foundation table::

    from ._ffi import C, _declare        # crm/rule.py (a made-up example)
    _declare([
        ("crm_rule_parse", c_int, [POINTER(c_void_p), c_void_p, c_char_p]),
    ])

and imports that file from ``crm/__init__.py`` (a test checks that the names
declared equal the names in ``lib/libcrm.map``).

Functions are reached through the :data:`C` object (``C.crm_db_open(...)``).
The library is loaded on first use, from the first of:

1. the ``CRM_LIBRARY`` environment variable (a path; no fallback if it fails),
2. the build tree: ``<repo>/build/lib/libcrm.so.1``, then any
   ``<repo>/build*/lib/libcrm.so.1``, where ``<repo>`` is three levels above
   this package directory,
3. ``ctypes.util.find_library("crm")`` (the system).

At load the binding checks ``crm_version_check(VERSION_NUMBER)``: the
library must have the same major version and be at least as new as the API
this binding was written for.
"""

import ctypes
import ctypes.util
import glob
import os
import threading

#: CRM_VERSION_NUMBER of the headers this binding was written against.
VERSION_NUMBER = 10000

_PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__))
_REPO_DIR = os.path.normpath(os.path.join(_PACKAGE_DIR, "..", "..", ".."))
_SONAME = "libcrm.so.1"

_declared = {}  # name -> (restype, argtypes), in declaration order
_load_lock = threading.Lock()


class LibraryNotFound(OSError):
    """libcrm could not be found or loaded."""


def _candidates():
    """Paths to try, in order, as (description, path-or-name)."""
    env = os.environ.get("CRM_LIBRARY")
    if env:
        return [("CRM_LIBRARY", env)]
    found = []
    preferred = os.path.join(_REPO_DIR, "build", "lib", _SONAME)
    if os.path.exists(preferred):
        found.append(("build tree", preferred))
    for path in sorted(glob.glob(os.path.join(_REPO_DIR, "build*", "lib", _SONAME))):
        if os.path.normpath(path) != os.path.normpath(preferred):
            found.append(("build tree", path))
    system = ctypes.util.find_library("crm")
    if system:
        found.append(("system", system))
    return found


def _missing(name):
    def unavailable(*args):
        from .errors import NotSupported

        raise NotSupported(
            -11, "%s is not exported by the loaded libcrm (%s)" % (name, C.path)
        )

    unavailable.__name__ = name
    return unavailable


class _Library:
    """Declared libcrm functions as attributes; loads the library on first use.

    After loading, each declared function is stored in the instance dict, so
    ``C.crm_x`` is a plain attribute lookup; ``__getattr__`` only runs for the
    first access and for undeclared names.
    """

    def __init__(self):
        self.cdll = None
        self.path = None

    def __getattr__(self, name):
        if not name.startswith("crm_"):
            raise AttributeError(name)
        self.load()
        try:
            return self.__dict__[name]
        except KeyError:
            raise AttributeError(
                "%s is not declared in the binding (add it to a _declare table)" % name
            ) from None

    def load(self, path=None):
        """Loads libcrm (from `path`, or by the search order) if not loaded yet."""
        with _load_lock:
            if self.cdll is not None:
                return self.cdll
            tried = []
            candidates = [("argument", path)] if path else _candidates()
            cdll = None
            for origin, candidate in candidates:
                try:
                    cdll = ctypes.CDLL(candidate)
                except OSError as exc:
                    tried.append("%s %s: %s" % (origin, candidate, exc))
                    if origin in ("CRM_LIBRARY", "argument"):
                        break
                    continue
                path = candidate
                break
            if cdll is None:
                raise LibraryNotFound(
                    "libcrm not found; set CRM_LIBRARY to the path of %s. Tried: %s"
                    % (_SONAME, "; ".join(tried) or "nothing (no build tree, no system library)")
                )
            for name, (restype, argtypes) in _declared.items():
                self._bind(cdll, name, restype, argtypes)
            self._check_version()
            self.cdll = cdll
            self.path = path
            return cdll

    def _bind(self, cdll, name, restype, argtypes):
        try:
            fn = getattr(cdll, name)
        except AttributeError:
            self.__dict__[name] = _missing(name)
            return
        fn.restype = restype
        fn.argtypes = argtypes
        self.__dict__[name] = fn

    def _check_version(self):
        rc = self.__dict__["crm_version_check"](VERSION_NUMBER)
        if rc != 0:
            from .errors import error_for

            message = self.__dict__["crm_last_errmsg"]()
            for name in list(_declared):
                self.__dict__.pop(name, None)
            raise error_for(rc, (message or b"").decode("utf-8", "replace")
                            or "libcrm version mismatch")


#: The declared libcrm functions: ``C.crm_db_open(...)``.
C = _Library()


def _declare(table):
    """Declares the C signatures of a module's functions.

    `table` is a sequence of ``(name, restype, argtypes)``. A name may be
    declared again only with the same signature. If libcrm is already
    loaded, the functions are bound at once; otherwise at load.
    """
    rows = []
    for name, restype, argtypes in table:
        if not name.startswith("crm_"):
            raise ValueError("libcrm functions start with crm_: %r" % name)
        signature = (restype, list(argtypes))
        previous = _declared.get(name)
        if previous is not None and previous != signature:
            raise ValueError("%s declared twice with different signatures" % name)
        rows.append((name, signature))
    with _load_lock:
        for name, signature in rows:
            _declared[name] = signature
            if C.cdll is not None:
                C._bind(C.cdll, name, *signature)


def declared_names():
    """The set of crm_* function names the binding declares."""
    return set(_declared)


def library_path():
    """The path (or name) libcrm was loaded from; loads it if needed."""
    C.load()
    return C.path


# ------------------------------------------------------------ small helpers


def text_arg(value, what="text"):
    """A str (or None) as NUL-terminated UTF-8 for a const char * parameter."""
    if value is None:
        return None
    if not isinstance(value, str):
        from .errors import InvalidArgument

        raise InvalidArgument(-1, "%s must be a str, not %s" % (what, type(value).__name__))
    try:
        data = value.encode("utf-8")
    except UnicodeEncodeError as exc:
        from .errors import InvalidData

        raise InvalidData(-2, "%s is not valid Unicode text: %s" % (what, exc)) from None
    return _no_nul(data, what)


def path_arg(value, what="path"):
    """A path (str, bytes or os.PathLike) as bytes for a const char * parameter."""
    if value is None:
        return None
    return _no_nul(os.fsencode(value), what)


def _no_nul(data, what):
    if b"\0" in data:
        from .errors import InvalidArgument

        raise InvalidArgument(-1, "%s contains a NUL character" % what)
    return data


def take_string(ptr):
    """Decodes a library-allocated char * as UTF-8 and frees it with crm_free."""
    if not ptr:
        return None
    try:
        return ctypes.string_at(ptr).decode("utf-8")
    finally:
        C.crm_free(ptr)


def borrowed(value):
    """A borrowed const char * (bytes from c_char_p) as str, or None."""
    return None if value is None else value.decode("utf-8")
