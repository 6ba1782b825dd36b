"""The database handle (crm_db), its iterators and its Pythonic sub-objects."""

import contextlib
import datetime
import threading
import weakref
from ctypes import byref, c_int, c_int64, c_void_p, memset, sizeof

from . import functions
from ._ffi import C, borrowed, path_arg, take_string, text_arg
from ._foundation import CLOCK_FN, DB_OPTIONS_VERSION, OPEN_CREATE, OPEN_READONLY, DbOptions
from .errors import Corrupt, CrmError, InvalidArgument, InvalidState, check, error_for, thread_error
from .record import as_record, read_record

#: Placeholder for the handle in Database._call argument lists.
_DB = object()


def _close_db(close, handle, lock, keepalive):
    """Finalizer: closes a crm_db. Holds no reference to the Database."""
    with lock:
        close(handle)


def _free_iter(free, handle, lock):
    """Finalizer: frees a crm_iter, under its database's lock (freeing a live
    iterator unlinks it from the handle)."""
    with lock:
        free(handle)


class _Clock:
    """Holds a Python clock and its C trampoline; remembers an exception the
    clock raised so the call that used it can re-raise it."""

    def __init__(self, fn):
        self.fn = fn
        self.error = None
        self.c_fn = CLOCK_FN(self._tick)

    def _tick(self, payload):
        try:
            now = self.fn()
            if isinstance(now, datetime.datetime):
                now = now.timestamp()
            return int(now)
        except BaseException as exc:  # must not unwind through C
            self.error = exc
            return 0

    def raise_pending(self):
        error, self.error = self.error, None
        if error is not None:
            raise error


class Database:
    """An open libcrm database (crm_db).

    ``Database(path, key=..., key_file=..., create=True, readonly=False,
    busy_timeout_ms=5000, clock=None)``; `path` may be ":memory:". The master
    key is 32 bytes (`key`) or a hex key file (`key_file`); exactly one is
    required. `create` makes a missing file (ignored with `readonly`, which
    refuses every write with ReadOnly). `clock`, if given, is a callable
    returning epoch seconds (or a datetime), used instead of the system clock.

    Use as a context manager or call ``close()``; an unclosed handle is closed
    by the garbage collector or at interpreter exit. A handle may be shared
    between threads: an internal lock lets one call run at a time, and a
    ``transaction()`` block holds it until the block ends.
    """

    def __init__(self, path, key=None, key_file=None, create=True, readonly=False,
                 busy_timeout_ms=5000, clock=None):
        self._handle = None
        self._lock = threading.RLock()
        self._clock = _Clock(clock) if clock is not None else None
        self.path = path
        if key is not None and key_file is not None:
            raise InvalidArgument(-1, "give key or key_file, not both")
        opts = DbOptions()
        check(C.crm_db_options_init(byref(opts), DB_OPTIONS_VERSION))
        # A read-only handle never creates the file: a missing one is NotFound.
        opts.flags = OPEN_READONLY if readonly else (OPEN_CREATE if create else 0)
        opts.busy_timeout_ms = int(busy_timeout_ms)
        key_buf = functions._key_buffer(key) if key is not None else None
        if key_buf is not None:
            opts.key = key_buf
        if key_file is not None:
            opts.key_file = path_arg(key_file, "key_file")
        if self._clock is not None:
            opts.clock = self._clock.c_fn
        out = c_void_p()
        try:
            rc = C.crm_db_open(byref(out), path_arg(path), byref(opts))
            if rc < 0:
                raise thread_error(rc)
        finally:
            if key_buf is not None:
                memset(key_buf, 0, sizeof(key_buf))
        self._handle = out.value
        self._finalizer = weakref.finalize(
            self, _close_db, C.crm_db_close, self._handle, self._lock, self._clock)
        if self._clock is not None and self._clock.error is not None:
            self.close()
            self._clock.raise_pending()

    # ----------------------------------------------------------- lifecycle

    def close(self):
        """Closes the handle (rolling back an open transaction). Idempotent.

        Iterators still open on it raise InvalidState on their next step.
        """
        with self._lock:
            if self._handle is not None:
                self._handle = None
                self._finalizer()

    @property
    def closed(self):
        return self._handle is None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def __repr__(self):
        state = "closed" if self._handle is None else "open"
        return "<crm.Database %r %s>" % (self.path, state)

    # -------------------------------------------------------------- calls

    def _require(self):
        if self._handle is None:
            raise InvalidState(-15, "the database is closed")
        return self._handle

    def _error(self, rc):
        """The exception for `rc` from a call on this handle (lock held)."""
        message = None
        if self._handle is not None and C.crm_db_errcode(self._handle) == rc:
            message = borrowed(C.crm_db_errmsg(self._handle))
        if not message:
            return thread_error(rc)
        return error_for(rc, message)

    def _call(self, fn, *args):
        """Calls fn with _DB replaced by the handle, under the lock; raises
        the mapped exception for a negative result."""
        with self._lock:
            handle = self._require()
            rc = fn(*[handle if arg is _DB else arg for arg in args])
            error = self._error(rc) if isinstance(rc, int) and rc < 0 else None
            if self._clock is not None:
                self._clock.raise_pending()
        if error is not None:
            raise error
        return rc

    def _value(self, fn, *args):
        """Calls a function that cannot fail (its int result is a value, not
        a code), under the lock."""
        with self._lock:
            value = fn(*[self._require() if arg is _DB else arg for arg in args])
            if self._clock is not None:
                self._clock.raise_pending()
        return value

    def _iterate(self, fn, *args):
        out = c_void_p()
        self._call(fn, byref(out), *args)
        return ResultIterator(self, out.value)

    def _get_record(self, fn, *args):
        out = c_void_p()
        with self._lock:
            self._call(fn, byref(out), *args)
            try:
                return read_record(out.value)
            finally:
                C.crm_record_free(out.value)

    def _get_string(self, fn, *args):
        out = c_void_p()
        self._call(fn, byref(out), *args)
        return take_string(out.value)

    # ------------------------------------------------------------- state

    @property
    def schema_version(self):
        """Number of schema migrations applied to this database."""
        out = c_int()
        self._call(C.crm_db_schema_version, _DB, byref(out))
        return out.value

    @property
    def now(self):
        """Current time on this handle's clock, epoch seconds."""
        return self._value(C.crm_db_now, _DB)

    @property
    def actor(self):
        """The acting user's name, or None. Setting it checks the user exists
        and is active (PermissionDenied otherwise, leaving no actor)."""
        with self._lock:
            return borrowed(C.crm_db_actor(self._require()))

    @actor.setter
    def actor(self, name):
        self._call(C.crm_db_set_actor, _DB, text_arg(name, "actor"))

    def set_actor(self, name):
        """Same as ``db.actor = name``."""
        self.actor = name

    @property
    def txn_depth(self):
        """Depth of open transactions (0 when none)."""
        return self._value(C.crm_db_txn_depth, _DB)

    # ------------------------------------------------------ transactions

    def begin(self):
        self._call(C.crm_db_begin, _DB)

    def commit(self):
        self._call(C.crm_db_commit, _DB)

    def rollback(self):
        self._call(C.crm_db_rollback, _DB)

    def _unwind_to(self, depth):
        while self._handle is not None and self.txn_depth > depth:
            self.rollback()

    @contextlib.contextmanager
    def transaction(self):
        """Runs the block in one transaction: commit at the end, rollback if
        it raises. Nestable (inner levels are savepoints). Holds the handle's
        lock for the whole block, so other threads sharing the handle wait."""
        with self._lock:
            depth = self.txn_depth
            self.begin()
            try:
                yield self
            except BaseException:
                with contextlib.suppress(CrmError):
                    self._unwind_to(depth)
                raise
            if self.txn_depth != depth + 1:
                with contextlib.suppress(CrmError):
                    self._unwind_to(depth)
                raise InvalidState(-15, "a transaction level opened in the block was left open")
            try:
                self.commit()
            except CrmError:
                with contextlib.suppress(CrmError):
                    self._unwind_to(depth)
                raise

    # ------------------------------------------------------------- access

    def bootstrap(self, head_office_code, head_office_name, admin_name, admin_display_name):
        """Creates the head office and the first admin of an empty database
        (InvalidState once any user exists)."""
        self._call(C.crm_access_bootstrap, _DB, text_arg(head_office_code, "head_office_code"),
                   text_arg(head_office_name, "head_office_name"),
                   text_arg(admin_name, "admin_name"),
                   text_arg(admin_display_name, "admin_display_name"))

    def authenticate(self, name, password):
        """Checks a password; on success `name` becomes the actor.
        PermissionDenied on a wrong name or password, Locked after five."""
        self._call(C.crm_user_authenticate, _DB, text_arg(name, "name"),
                   text_arg(password, "password"))

    @property
    def branches(self):
        """The branch tree: add, get, list, iteration, ``code in``."""
        return Branches(self)

    @property
    def users(self):
        """Staff users: add, get, list, disable, enable, reveal, set_password."""
        return Users(self)

    @property
    def customers(self):
        """Customers: create, get, update, reveal, view, assign, move_book,
        delete_request, delete_approve, purge_due (crm/customer.py)."""
        from .customer import Customers  # crm/customer.py imports this module

        return Customers(self)

    @property
    def audit(self):
        """The audit log: list, verify, checkpoint."""
        return Audit(self)

    @property
    def keys(self):
        """Key management: rotate_data_key, reencrypt_step, rotate_master_key."""
        return Keys(self)


class ResultIterator:
    """A stream of records (crm_iter) as dicts. Keeps its Database alive;
    free it with close(), ``with``, or let it be collected (any order with
    the Database is safe). Ends early (StopIteration) once closed."""

    def __init__(self, db, handle):
        self._db = db
        self._handle = handle
        self._finalizer = weakref.finalize(self, _free_iter, C.crm_iter_free, handle, db._lock)

    def __iter__(self):
        return self

    def __next__(self):
        db = self._db
        with db._lock:
            if self._handle is None:
                raise StopIteration
            out = c_void_p()
            rc = C.crm_iter_next(byref(out), self._handle)
            if rc == 0:
                return read_record(out.value)
            if rc == 1:
                self.close()
                raise StopIteration
            error = db._error(rc)
        raise error

    def close(self):
        """Frees the C iterator. Idempotent."""
        with self._db._lock:
            self._handle = None
            self._finalizer()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


class _Part:
    def __init__(self, db):
        self._db = db


def register_part(name, factory):
    """Adds ``db.<name>``, a sub-object made by ``factory(db)``, so a module of
    the binding (crm/product.py ...) extends Database without editing this
    file. Refuses a name Database has already."""
    if hasattr(Database, name):
        raise ValueError("Database.%s exists already" % name)
    setattr(Database, name, property(factory, doc=factory.__doc__))


class Branches(_Part):
    """db.branches: head office > branch > sub-branch."""

    def add(self, code, name, parent=None):
        """Adds a branch under `parent` (a branch code). Admin only."""
        self._db._call(C.crm_branch_add, _DB, text_arg(code, "code"), text_arg(name, "name"),
                       text_arg(parent, "parent"))

    def get(self, code):
        """The branch as a dict: code, name, parent (absent for the head
        office), level. NotFound if absent."""
        return self._db._get_record(C.crm_branch_get, _DB, text_arg(code, "code"))

    def list(self):
        """All branches in tree order (a ResultIterator of dicts)."""
        return self._db._iterate(C.crm_branch_list, _DB)

    def __iter__(self):
        return self.list()

    def __contains__(self, code):
        from .errors import NotFound

        try:
            self.get(code)
        except NotFound:
            return False
        return True


class Users(_Part):
    """db.users: staff, their roles and personal data."""

    def add(self, name, display_name, roles, branch, phone=None, email=None):
        """Adds a user. `roles` is "a,b", a list of names or Roles, or a Role
        mask. Phone and email are encrypted at rest and masked on output."""
        fields = {"name": name, "display_name": display_name,
                  "roles": functions.roles_text(roles), "branch": branch}
        if phone is not None:
            fields["phone"] = phone
        if email is not None:
            fields["email"] = email
        self.add_record(fields)

    def add_record(self, user):
        """Adds a user from a mapping (or Record) of the crm_user_add fields."""
        rec, owned = as_record(user)
        try:
            self._db._call(C.crm_user_add, _DB, rec._as_parameter_)
        finally:
            if owned:
                rec.close()

    def get(self, name):
        """The user as a dict (phone and email masked). NotFound if absent."""
        return self._db._get_record(C.crm_user_get, _DB, text_arg(name, "name"))

    def list(self):
        """The users the actor may see, by name (a ResultIterator of dicts)."""
        return self._db._iterate(C.crm_user_list, _DB)

    def __iter__(self):
        return self.list()

    def __contains__(self, name):
        from .errors import NotFound

        try:
            self.get(name)
        except NotFound:
            return False
        return True

    def disable(self, name, reason):
        self._db._call(C.crm_user_disable, _DB, text_arg(name, "name"),
                       text_arg(reason, "reason"))

    def enable(self, name, reason):
        self._db._call(C.crm_user_enable, _DB, text_arg(name, "name"),
                       text_arg(reason, "reason"))

    def reveal(self, name, field, reason):
        """A user's "phone" or "email" in clear; audited with who and why."""
        return self._db._get_string(C.crm_user_reveal, _DB, text_arg(name, "name"),
                                    text_arg(field, "field"), text_arg(reason, "reason"))

    def set_password(self, name, password):
        self._db._call(C.crm_user_set_password, _DB, text_arg(name, "name"),
                       text_arg(password, "password"))


class Audit(_Part):
    """db.audit: the append-only, hash-chained audit log."""

    def list(self, **filters):
        """Audit entries in sequence order (a ResultIterator of dicts: seq,
        time, actor, action, entity, entity_id, reason, before, after, mac).
        Filters: after_seq, actor, action, entity, entity_id, since, until
        (ISO text or datetime), limit."""
        if not filters:
            return self._db._iterate(C.crm_audit_list, _DB, None)
        rec, _ = as_record(filters)
        try:
            return self._db._iterate(C.crm_audit_list, _DB, rec._as_parameter_)
        finally:
            rec.close()

    def __iter__(self):
        return self.list()

    def verify(self, checkpoint=None):
        """Checks the whole chain (and a checkpoint from ``checkpoint()``).
        Returns (entries, first_bad) with first_bad 0; raises Corrupt, with
        ``.entries`` and ``.first_bad`` set, when a link fails."""
        entries, first_bad = c_int64(), c_int64()
        try:
            self._db._call(C.crm_audit_verify, byref(entries), byref(first_bad), _DB,
                           text_arg(checkpoint, "checkpoint"))
        except Corrupt as exc:
            exc.entries, exc.first_bad = entries.value, first_bad.value
            raise
        return entries.value, first_bad.value

    def checkpoint(self):
        """The chain head as "SEQ:HEXMAC", to keep outside the database."""
        return self._db._get_string(C.crm_audit_checkpoint, _DB)


class Keys(_Part):
    """db.keys: master and data key rotation (admin only)."""

    def rotate_data_key(self):
        self._db._call(C.crm_db_rotate_data_key, _DB)

    def reencrypt_step(self, max_values):
        """Re-encrypts up to `max_values` values under retired data keys;
        returns how many remain (0: rotation complete)."""
        remaining = c_int64()
        self._db._call(C.crm_db_reencrypt_step, _DB, int(max_values), byref(remaining))
        return remaining.value

    def reencrypt_all(self, batch=1000):
        """Runs reencrypt_step until nothing remains; returns the steps taken."""
        steps = 1
        while self.reencrypt_step(batch):
            steps += 1
        return steps

    def rotate_master_key(self, new_key):
        """Rewraps every key under the 32-byte `new_key`; later opens need it."""
        buf = functions._key_buffer(new_key)
        try:
            self._db._call(C.crm_db_rotate_master_key, _DB, buf)
        finally:
            memset(buf, 0, sizeof(buf))

