import os
import threading
import unittest

import crm
from .support import FIXED_NOW, BankCase, TempDirCase


class OpenCloseTest(TempDirCase):
    def test_open_close_and_reopen(self):
        db = crm.Database(self.path(), key=self.key)
        self.assertFalse(db.closed)
        self.assertGreaterEqual(db.schema_version, 1)
        self.assertIsNone(db.actor)
        self.assertEqual(db.txn_depth, 0)
        db.close()
        db.close()  # idempotent
        self.assertTrue(db.closed)
        with self.assertRaises(crm.InvalidState):
            db.schema_version
        self.assertTrue(os.path.exists(self.path()))
        with crm.Database(self.path(), key=self.key, create=False) as again:
            self.assertGreaterEqual(again.schema_version, 1)
        self.assertTrue(again.closed)

    def test_memory_database(self):
        with crm.Database(":memory:", key=self.key) as db:
            db.bootstrap("HO", "总行", "admin", "管理员")
            db.actor = "admin"
            self.assertEqual(db.branches.get("HO")["name"], "总行")

    def test_wrong_key_raises_key_error(self):
        crm.Database(self.path(), key=self.key).close()
        with self.assertRaises(crm.CrmKeyError) as cm:
            crm.Database(self.path(), key=crm.generate_key())
        self.assertEqual(cm.exception.code, -6)
        self.assertTrue(cm.exception.message)

    def test_missing_key_raises_key_error(self):
        with self.assertRaises(crm.CrmKeyError):
            crm.Database(self.path())

    def test_malformed_key_is_rejected_before_the_call(self):
        with self.assertRaises(crm.InvalidArgument):
            crm.Database(self.path(), key=b"short")
        with self.assertRaises(crm.InvalidArgument):
            crm.Database(self.path(), key=self.key, key_file=self.path("k"))
        self.assertFalse(os.path.exists(self.path()))

    def test_key_file(self):
        key_file = self.path("master.key")
        crm.generate_key_file(key_file)
        self.assertEqual(os.stat(key_file).st_mode & 0o777, 0o600)
        with crm.Database(self.path(), key_file=key_file) as db:
            db.bootstrap("HO", "总行", "admin", "管理员")
        # The same key given as bytes opens it too.
        with crm.Database(self.path(), key=crm.load_key_file(key_file)) as db:
            db.actor = "admin"
            self.assertEqual(db.actor, "admin")

    def test_missing_file_without_create(self):
        with self.assertRaises(crm.NotFound):
            crm.Database(self.path("absent.db"), key=self.key, create=False)

    def test_readonly_does_not_create(self):
        with self.assertRaises(crm.NotFound):
            crm.Database(self.path("absent.db"), key=self.key, readonly=True)
        self.assertFalse(os.path.exists(self.path("absent.db")))

    def test_not_a_libcrm_database(self):
        with open(self.path("junk.db"), "wb") as f:
            f.write(b"not a database " * 100)
        with self.assertRaises(crm.Corrupt):
            crm.Database(self.path("junk.db"), key=self.key)

    def test_newer_schema_is_refused(self):
        import sqlite3

        crm.Database(self.path(), key=self.key).close()
        con = sqlite3.connect(self.path())
        con.execute("PRAGMA user_version = 999")
        con.commit()
        con.close()
        with self.assertRaises(crm.SchemaVersion):
            crm.Database(self.path(), key=self.key)

    def test_readonly_refuses_writes(self):
        with crm.Database(self.path(), key=self.key) as db:
            db.bootstrap("HO", "总行", "admin", "管理员")
            db.actor = "admin"
            db.users.add(name="rm", display_name="客户经理", roles="relationship_manager",
                         branch="HO", phone="13812345678")
        with crm.Database(self.path(), key=self.key, readonly=True) as db:
            db.actor = "admin"
            self.assertEqual(db.branches.get("HO")["code"], "HO")
            self.assertEqual(db.users.get("rm")["phone"], "138****5678")
            with self.assertRaises(crm.ReadOnly):
                db.branches.add("SH", "上海分行", parent="HO")
            with self.assertRaises(crm.ReadOnly):  # a clear-text read must be audited
                db.users.reveal("rm", "phone", "核对")

    def test_clock_callback(self):
        calls = []

        def clock():
            calls.append(1)
            return FIXED_NOW

        with crm.Database(self.path(), key=self.key, clock=clock) as db:
            self.assertEqual(db.now, FIXED_NOW)
            db.bootstrap("HO", "总行", "admin", "管理员")
            db.actor = "admin"
            self.assertEqual(db.users.get("admin")["created_at"], crm.format_time(FIXED_NOW))
            self.assertTrue(calls)

    def test_clock_exception_propagates(self):
        broken = []

        def clock():
            if broken:
                raise RuntimeError("clock broke")
            return FIXED_NOW

        with crm.Database(self.path(), key=self.key, clock=clock) as db:
            broken.append(True)
            with self.assertRaisesRegex(RuntimeError, "clock broke"):
                db.now
            broken.clear()
            self.assertEqual(db.now, FIXED_NOW)
        broken.append(True)
        with self.assertRaisesRegex(RuntimeError, "clock broke"):
            crm.Database(self.path("new.db"), key=self.key, clock=clock)

    def test_clock_before_1970(self):
        with crm.Database(self.path(), key=self.key, clock=lambda: -86400) as db:
            self.assertEqual(db.now, -86400)

    def test_busy_timeout(self):
        import time

        with self.open() as first:
            first.bootstrap("HO", "总行", "admin", "管理员")
            first.actor = "admin"
            with self.open(busy_timeout_ms=200) as second:
                second.actor = "admin"
                with first.transaction():
                    first.branches.add("SH", "上海分行", parent="HO")
                    started = time.monotonic()
                    with self.assertRaises(crm.Busy):
                        second.branches.add("GZ", "广州分行", parent="HO")
                    self.assertGreaterEqual(time.monotonic() - started, 0.15)
                second.branches.add("GZ", "广州分行", parent="HO")
                self.assertEqual({b["code"] for b in second.branches}, {"HO", "SH", "GZ"})

    def test_system_clock(self):
        import time

        with self.open() as db:
            self.assertLessEqual(abs(db.now - time.time()), 5)


class ActorTest(BankCase):
    def test_unknown_actor_is_refused_and_cleared(self):
        self.assertEqual(self.db.actor, "admin")
        with self.assertRaises(crm.PermissionDenied):
            self.db.actor = "nobody"
        self.assertIsNone(self.db.actor)
        self.db.actor = "admin"
        self.db.actor = None
        self.assertIsNone(self.db.actor)

    def test_no_actor_is_refused(self):
        self.db.actor = None
        with self.assertRaises(crm.PermissionDenied):
            self.db.branches.add("SH", "上海分行", parent="HO")

    def test_handle_message_names_the_problem(self):
        with self.assertRaises(crm.Conflict) as cm:
            self.db.branches.add("BJ", "北京分行", parent="HO")
        self.assertIn("BJ", cm.exception.message)


class TransactionTest(BankCase):
    def test_commit(self):
        with self.db.transaction():
            self.assertEqual(self.db.txn_depth, 1)
            self.db.branches.add("SH", "上海分行", parent="HO")
            self.db.branches.add("GZ", "广州分行", parent="HO")
        self.assertEqual(self.db.txn_depth, 0)
        self.assertEqual(self.db.branches.get("SH")["name"], "上海分行")
        self.assertIn("GZ", self.db.branches)

    def test_rollback_on_exception(self):
        with self.assertRaises(RuntimeError):
            with self.db.transaction():
                self.db.branches.add("SH", "上海分行", parent="HO")
                raise RuntimeError("abort")
        self.assertEqual(self.db.txn_depth, 0)
        with self.assertRaises(crm.NotFound):
            self.db.branches.get("SH")

    def test_rollback_covers_the_audit_entry(self):
        entries_before, _ = self.db.audit.verify()
        with self.assertRaises(RuntimeError):
            with self.db.transaction():
                self.db.branches.add("SH", "上海分行", parent="HO")
                raise RuntimeError("abort")
        self.assertEqual(self.db.audit.verify(), (entries_before, 0))

    def test_nested(self):
        with self.db.transaction():
            self.db.branches.add("SH", "上海分行", parent="HO")
            with self.assertRaises(crm.Conflict):
                with self.db.transaction():
                    self.assertEqual(self.db.txn_depth, 2)
                    self.db.branches.add("SH01", "浦东支行", parent="SH")
                    self.db.branches.add("SH", "重复", parent="HO")
            self.assertEqual(self.db.txn_depth, 1)
            with self.db.transaction():
                self.db.branches.add("SH02", "静安支行", parent="SH")
        self.assertIn("SH", self.db.branches)
        self.assertNotIn("SH01", self.db.branches)
        self.assertIn("SH02", self.db.branches)
        self.assertEqual(self.db.branches.get("SH02")["level"], 2)

    def test_commit_without_transaction_is_invalid_state(self):
        with self.assertRaises(crm.InvalidState):
            self.db.commit()
        with self.assertRaises(crm.InvalidState):
            self.db.rollback()

    def test_close_rolls_back(self):
        self.db.begin()
        self.db.branches.add("SH", "上海分行", parent="HO")
        self.db.close()
        with self.open() as db:
            db.actor = "admin"
            self.assertNotIn("SH", db.branches)

    def test_shared_handle_between_threads(self):
        errors = []

        def work(index):
            try:
                for n in range(10):
                    code = "T%d_%d" % (index, n)
                    with self.db.transaction():
                        self.db.branches.add(code, "支行%d" % n, parent="BJ")
                    self.assertEqual(self.db.branches.get(code)["parent"], "BJ")
                    self.assertGreater(len(list(self.db.branches)), 2)
            except Exception as exc:  # reported below
                errors.append(exc)

        threads = [threading.Thread(target=work, args=(i,)) for i in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        self.assertEqual(errors, [])
        codes = {b["code"] for b in self.db.branches}
        self.assertEqual(len([c for c in codes if c.startswith("T")]), 40)


if __name__ == "__main__":
    unittest.main()
