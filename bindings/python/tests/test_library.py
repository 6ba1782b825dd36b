import ast
import os
import re
import subprocess
import sys
import unittest

import crm
from crm import _ffi

REPO = os.path.normpath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))
MAP_FILE = os.path.join(REPO, "lib", "libcrm.map")


def exported_names():
    with open(MAP_FILE, encoding="utf-8") as f:
        text = re.sub(r"/\*.*?\*/", "", f.read(), flags=re.S)
    return set(re.findall(r"\b(crm_\w+)\s*;", text))


class LibraryTest(unittest.TestCase):
    def test_every_exported_symbol_is_declared(self):
        names = exported_names()
        self.assertGreaterEqual(len(names), 60)
        self.assertEqual(names, crm.declared_names())

    def test_every_declared_function_is_in_the_loaded_library(self):
        crm.version()  # loads
        cdll = _ffi.C.cdll
        missing = sorted(name for name in crm.declared_names() if not hasattr(cdll, name))
        self.assertEqual(missing, [])
        for name in crm.declared_names():
            fn = getattr(_ffi.C, name)
            self.assertIsNotNone(fn.argtypes, name)

    def test_version(self):
        self.assertEqual(crm.version(), crm.VERSION_NUMBER)
        self.assertEqual(crm.version_string(), "1.0.0")
        self.assertTrue(os.path.exists(crm.library_path()) or "crm" in crm.library_path())

    def test_version_check_refuses_a_newer_api(self):
        self.assertEqual(_ffi.C.crm_version_check(crm.VERSION_NUMBER), 0)
        self.assertEqual(_ffi.C.crm_version_check(20000), -11)
        self.assertEqual(_ffi.C.crm_version_check(10100), -11)

    def test_declare_rejects_a_conflicting_signature(self):
        from ctypes import c_int

        with self.assertRaises(ValueError):
            _ffi._declare([("crm_version", None, [c_int])])
        _ffi._declare([("crm_version", c_int, [])])  # the same again is fine
        with self.assertRaises(ValueError):
            _ffi._declare([("not_crm", c_int, [])])

    def test_undeclared_function_is_an_attribute_error(self):
        with self.assertRaises(AttributeError):
            _ffi.C.crm_no_such_function

    def test_error_classes(self):
        expected = {
            -1: crm.InvalidArgument, -2: crm.InvalidData, -3: crm.NotFound, -4: crm.Conflict,
            -5: crm.PermissionDenied, -6: crm.CrmKeyError, -7: crm.Busy, -8: crm.CrmIOError,
            -9: crm.Corrupt, -10: crm.SchemaVersion, -11: crm.NotSupported,
            -12: crm.OutOfMemory, -13: crm.ReadOnly, -14: crm.Locked, -15: crm.InvalidState,
            -16: crm.InternalError,
        }
        for code, cls in expected.items():
            error = crm.errors.error_for(code, "detail")
            self.assertIs(type(error), cls)
            self.assertIsInstance(error, crm.CrmError)
            self.assertEqual((error.code, error.message, str(error)), (code, "detail", "detail"))
            self.assertTrue(crm.errstr(code))
        self.assertIs(type(crm.errors.error_for(-99, "x")), crm.CrmError)
        self.assertEqual(crm.NotFound().code_name, "CRM_E_NOT_FOUND")

    def test_thread_error_message_comes_from_the_library(self):
        with self.assertRaises(crm.InvalidData) as cm:
            crm.parse_time("not a time")
        self.assertEqual(cm.exception.code, -2)
        self.assertTrue(cm.exception.message)


    def test_crm_library_is_used_without_fallback(self):
        env = dict(os.environ, CRM_LIBRARY=os.path.join(REPO, "no-such", "libcrm.so.1"))
        code = ("import crm\n"
                "try:\n    crm.version()\n"
                "except crm.LibraryNotFound as e:\n    print('not found:', e)\n")
        out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True,
                             text=True, cwd=os.path.dirname(os.path.dirname(__file__)))
        self.assertEqual(out.returncode, 0, out.stderr)
        self.assertIn("not found:", out.stdout)
        self.assertIn("CRM_LIBRARY", out.stdout)

    def test_build_tree_search_order(self):
        env = dict(os.environ)
        env.pop("CRM_LIBRARY", None)
        code = "from crm import _ffi\nprint([p for _, p in _ffi._candidates()])"
        out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True,
                             text=True, cwd=os.path.dirname(os.path.dirname(__file__)))
        self.assertEqual(out.returncode, 0, out.stderr)
        paths = ast.literal_eval(out.stdout)
        tree = [p for p in paths if p.startswith(REPO)]
        for p in tree:
            self.assertRegex(p, r"/build[^/]*/lib/libcrm\.so\.1$")
        preferred = os.path.join(REPO, "build", "lib", "libcrm.so.1")
        if os.path.exists(preferred):
            self.assertEqual(tree[0], preferred)


if __name__ == "__main__":
    unittest.main()
