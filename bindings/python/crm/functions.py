"""Module-level functions: version, time text, keys, masking and roles."""

import calendar
import datetime
import enum
from ctypes import byref, c_int64, c_ubyte, c_uint, c_void_p, create_string_buffer, memset, sizeof

from ._ffi import C, borrowed, path_arg, take_string, text_arg
from ._foundation import KEY_SIZE
from .errors import InvalidArgument, check


class MaskKind(enum.IntEnum):
    """What a value is, for masking (crm_mask_kind)."""

    ID_NUMBER = 1
    PHONE = 2
    CARD = 3
    EMAIL = 4
    ADDRESS = 5
    NAME = 6


class Role(enum.IntFlag):
    """Staff roles (crm_role); a user holds a combination."""

    ADMIN = 0x01
    BRANCH_MANAGER = 0x02
    RELATIONSHIP_MANAGER = 0x04
    MARKETER = 0x08
    COMPLAINT_HANDLER = 0x10
    AUDITOR = 0x20


# ------------------------------------------------------------------ version


def version():
    """CRM_VERSION_NUMBER of the running library (MAJOR*10000+MINOR*100+PATCH)."""
    return C.crm_version()


def version_string():
    """The version of the running library as text ("1.0.0")."""
    return borrowed(C.crm_version_string())


def errstr(code):
    """The static meaning of a result code ("not found")."""
    return borrowed(C.crm_errstr(int(code)))


# --------------------------------------------------------------------- time


def parse_time(text):
    """UTC ISO-8601 text ("2026-11-25T14:01:32Z", or a date) to epoch seconds."""
    out = c_int64()
    check(C.crm_time_parse(byref(out), text_arg(text, "time")))
    return out.value


def format_time(when):
    """Epoch seconds (int) or a datetime as "YYYY-MM-DDTHH:MM:SSZ" (UTC).

    A naive datetime is taken to be UTC.
    """
    if isinstance(when, datetime.datetime):
        if when.tzinfo is not None:
            when = when.astimezone(datetime.timezone.utc).replace(tzinfo=None)
        when = calendar.timegm(when.timetuple())
    elif not isinstance(when, int):
        raise InvalidArgument(-1, "time must be epoch seconds (int) or a datetime")
    buf = create_string_buffer(32)
    check(C.crm_time_format(buf, sizeof(buf), when))
    return buf.value.decode("ascii")


# --------------------------------------------------------------------- keys


def _key_buffer(key=None):
    buf = (c_ubyte * KEY_SIZE)()
    if key is not None:
        if not isinstance(key, (bytes, bytearray, memoryview)) or len(key) != KEY_SIZE:
            raise InvalidArgument(-1, "a master key is %d bytes" % KEY_SIZE)
        buf[:] = bytes(key)
    return buf


def _wipe(buf):
    memset(buf, 0, sizeof(buf))


def generate_key():
    """A new random 32-byte master key (bytes)."""
    buf = _key_buffer()
    try:
        check(C.crm_key_generate(buf))
        return bytes(buf)
    finally:
        _wipe(buf)


def generate_key_file(path):
    """Writes a new random master key to `path` (64 hex digits, mode 0600).

    Refuses to overwrite an existing file (Conflict).
    """
    check(C.crm_key_generate_file(path_arg(path)))


def load_key_file(path):
    """Reads a key file written by generate_key_file; returns the 32 bytes."""
    buf = _key_buffer()
    try:
        check(C.crm_key_load_file(buf, path_arg(path)))
        return bytes(buf)
    finally:
        _wipe(buf)


# ------------------------------------------------------------------ masking


def _mask_kind(kind):
    if isinstance(kind, str):
        try:
            return MaskKind[kind.upper()]
        except KeyError:
            raise InvalidArgument(
                -1, "unknown mask kind %r (one of %s)"
                % (kind, ", ".join(k.name.lower() for k in MaskKind))
            ) from None
    if isinstance(kind, int):
        return int(kind)
    raise InvalidArgument(-1, "mask kind must be a MaskKind, its name or an int")


def mask(kind, value):
    """Masks `value` for display: ``mask("phone", "13812345678")`` -> "138****5678".

    `kind` is a MaskKind, its name ("id_number", "phone", "card", "email",
    "address", "name") or its number.
    """
    out = c_void_p()
    check(C.crm_mask(byref(out), _mask_kind(kind), text_arg(value, "value")))
    return take_string(out.value)


# -------------------------------------------------------------------- roles


def parse_roles(text):
    """A comma-separated role list ("admin,auditor") or a list of names as a Role."""
    if not isinstance(text, str):
        text = roles_text(text)
    out = c_uint()
    check(C.crm_role_parse(byref(out), text_arg(text, "roles")))
    return Role(out.value)


def role_name(role):
    """The name of one role bit ("relationship_manager")."""
    name = C.crm_role_name(int(role))
    if name is None:
        raise InvalidArgument(-1, "%r is not a single known role" % (role,))
    return borrowed(name)


def role_names(mask_value):
    """The role names in a mask, in bit order: role_names(Role.ADMIN | Role.AUDITOR)."""
    mask_value = int(mask_value)
    return [role_name(1 << bit) for bit in range(mask_value.bit_length()) if mask_value >> bit & 1]


def roles_text(roles):
    """Roles given as "a,b", a Role mask, or a list of names/Roles, as "a,b"."""
    if isinstance(roles, str):
        return roles
    if isinstance(roles, int):
        return ",".join(role_names(roles))
    parts = []
    for role in roles:
        parts.extend([role] if isinstance(role, str) else role_names(role))
    return ",".join(parts)


def bootstrap(db, head_office_code, head_office_name, admin_name, admin_display_name):
    """Creates the head office and the first admin of an empty database."""
    db.bootstrap(head_office_code, head_office_name, admin_name, admin_display_name)
