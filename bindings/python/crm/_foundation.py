"""The C signatures of the foundation API: include/crm/core.h, security.h and
access.h (lib/libcrm.map node LIBCRM_1.0).

One row per exported function: (name, restype, argtypes). Conventions:
 - opaque handles (crm_db *, crm_record *, crm_iter *) are c_void_p;
 - strings the library allocates (char **out) are POINTER(c_void_p), read and
   freed with crm_free by _ffi.take_string; c_char_p would leak them;
 - borrowed const char * results are c_char_p (ctypes copies them at once);
 - 32-byte keys are POINTER(c_ubyte) to (c_ubyte * 32) buffers.
Later modules declare their own tables in their own files (see _ffi).
"""

from ctypes import (
    CFUNCTYPE, POINTER, Structure, c_char, c_char_p, c_int, c_int64, c_size_t, c_ubyte, c_uint,
    c_void_p,
)

from ._ffi import _declare

KEY_SIZE = 32
DB_OPTIONS_VERSION = 1
OPEN_CREATE = 0x1
OPEN_READONLY = 0x2

#: int (*crm_key_provider_fn)(unsigned char key_out[32], void *payload)
KEY_PROVIDER_FN = CFUNCTYPE(c_int, POINTER(c_ubyte), c_void_p)
#: int64_t (*crm_clock_fn)(void *payload)
CLOCK_FN = CFUNCTYPE(c_int64, c_void_p)


class DbOptions(Structure):
    """struct crm_db_options (version 1)."""

    _fields_ = [
        ("version", c_uint),
        ("flags", c_uint),
        ("busy_timeout_ms", c_int),
        ("key", POINTER(c_ubyte)),
        ("key_file", c_char_p),
        ("key_provider", KEY_PROVIDER_FN),
        ("key_provider_payload", c_void_p),
        ("clock", CLOCK_FN),
        ("clock_payload", c_void_p),
    ]


_handle = c_void_p
_out_handle = POINTER(c_void_p)  # crm_db **, crm_record **, crm_iter **, char **
_key = POINTER(c_ubyte)

FOUNDATION = [
    # core.h: version
    ("crm_version", c_int, []),
    ("crm_version_string", c_char_p, []),
    ("crm_version_check", c_int, [c_int]),
    # core.h: errors and memory
    ("crm_errstr", c_char_p, [c_int]),
    ("crm_last_errmsg", c_char_p, []),
    ("crm_free", None, [c_void_p]),
    # core.h: time text
    ("crm_time_parse", c_int, [POINTER(c_int64), c_char_p]),
    ("crm_time_format", c_int, [POINTER(c_char), c_size_t, c_int64]),
    # core.h: database handle
    ("crm_db_options_init", c_int, [POINTER(DbOptions), c_uint]),
    ("crm_db_open", c_int, [_out_handle, c_char_p, POINTER(DbOptions)]),
    ("crm_db_close", None, [_handle]),
    ("crm_db_errmsg", c_char_p, [_handle]),
    ("crm_db_errcode", c_int, [_handle]),
    ("crm_db_schema_version", c_int, [_handle, POINTER(c_int)]),
    ("crm_db_now", c_int64, [_handle]),
    ("crm_db_begin", c_int, [_handle]),
    ("crm_db_commit", c_int, [_handle]),
    ("crm_db_rollback", c_int, [_handle]),
    ("crm_db_txn_depth", c_int, [_handle]),
    ("crm_db_set_actor", c_int, [_handle, c_char_p]),
    ("crm_db_actor", c_char_p, [_handle]),
    # core.h: records
    ("crm_record_new", c_int, [_out_handle]),
    ("crm_record_free", None, [_handle]),
    ("crm_record_set_text", c_int, [_handle, c_char_p, c_char_p]),
    ("crm_record_set_int", c_int, [_handle, c_char_p, c_int64]),
    ("crm_record_set_money", c_int, [_handle, c_char_p, c_int64]),
    ("crm_record_set_date", c_int, [_handle, c_char_p, c_char_p]),
    ("crm_record_unset", c_int, [_handle, c_char_p]),
    ("crm_record_get_text", c_int, [POINTER(c_char_p), _handle, c_char_p]),
    ("crm_record_get_int", c_int, [POINTER(c_int64), _handle, c_char_p]),
    ("crm_record_type", c_int, [_handle, c_char_p]),
    ("crm_record_count", c_size_t, [_handle]),
    ("crm_record_field_name", c_char_p, [_handle, c_size_t]),
    ("crm_record_to_json", c_int, [_out_handle, _handle]),
    # core.h: iterators
    ("crm_iter_next", c_int, [_out_handle, _handle]),
    ("crm_iter_free", None, [_handle]),
    # security.h: keys
    ("crm_key_generate", c_int, [_key]),
    ("crm_key_generate_file", c_int, [c_char_p]),
    ("crm_key_load_file", c_int, [_key, c_char_p]),
    ("crm_db_rotate_data_key", c_int, [_handle]),
    ("crm_db_reencrypt_step", c_int, [_handle, c_int, POINTER(c_int64)]),
    ("crm_db_rotate_master_key", c_int, [_handle, _key]),
    # security.h: masking
    ("crm_mask", c_int, [_out_handle, c_int, c_char_p]),
    # security.h: audit
    ("crm_audit_list", c_int, [_out_handle, _handle, _handle]),
    ("crm_audit_verify", c_int, [POINTER(c_int64), POINTER(c_int64), _handle, c_char_p]),
    ("crm_audit_checkpoint", c_int, [_out_handle, _handle]),
    # access.h: roles, bootstrap
    ("crm_role_parse", c_int, [POINTER(c_uint), c_char_p]),
    ("crm_role_name", c_char_p, [c_int]),
    ("crm_access_bootstrap", c_int, [_handle, c_char_p, c_char_p, c_char_p, c_char_p]),
    # access.h: branches
    ("crm_branch_add", c_int, [_handle, c_char_p, c_char_p, c_char_p]),
    ("crm_branch_get", c_int, [_out_handle, _handle, c_char_p]),
    ("crm_branch_list", c_int, [_out_handle, _handle]),
    # access.h: users
    ("crm_user_add", c_int, [_handle, _handle]),
    ("crm_user_get", c_int, [_out_handle, _handle, c_char_p]),
    ("crm_user_list", c_int, [_out_handle, _handle]),
    ("crm_user_disable", c_int, [_handle, c_char_p, c_char_p]),
    ("crm_user_enable", c_int, [_handle, c_char_p, c_char_p]),
    ("crm_user_reveal", c_int, [_out_handle, _handle, c_char_p, c_char_p, c_char_p]),
    # access.h: authentication
    ("crm_user_set_password", c_int, [_handle, c_char_p, c_char_p]),
    ("crm_user_authenticate", c_int, [_handle, c_char_p, c_char_p]),
]

_declare(FOUNDATION)
