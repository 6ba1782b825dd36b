import sqlite3
import unittest

import crm
from .support import FIXED_NOW, BankCase


class AuditTest(BankCase):
    def setUp(self):
        super().setUp()
        self.db.users.add(name="li.si", display_name="李四", roles="auditor", branch="HO")

    def test_list_entries(self):
        entries = list(self.db.audit.list())
        self.assertEqual([e["seq"] for e in entries], list(range(1, len(entries) + 1)))
        self.assertEqual([(e["action"], e["entity_id"]) for e in entries],
                         [("branch.add", "HO"), ("user.add", "admin"), ("branch.add", "BJ"),
                          ("user.add", "li.si")])
        last = entries[-1]
        self.assertEqual(last["actor"], "admin")
        self.assertEqual(last["entity"], "user")
        self.assertRegex(last["mac"], r"^[0-9a-f]{64}$")
        self.assertIn("李四", last["after"])
        crm.parse_time(last["time"])

    def test_filters(self):
        self.assertEqual([e["seq"] for e in self.db.audit.list(after_seq=2)], [3, 4])
        self.assertEqual([e["seq"] for e in self.db.audit.list(limit=2)], [1, 2])
        self.assertEqual([e["entity_id"] for e in self.db.audit.list(actor="admin")],
                         ["BJ", "li.si"])
        self.assertEqual([e["entity_id"] for e in self.db.audit.list(entity="branch")],
                         ["HO", "BJ"])
        self.assertEqual(list(self.db.audit.list(since="2999-01-01T00:00:00Z")), [])
        self.assertEqual(len(list(self.db.audit.list(until="2999-01-01"))), 4)

    def test_times_follow_the_clock(self):
        with crm.Database(self.path("clocked.db"), key=self.key,
                          clock=lambda: FIXED_NOW) as db:
            db.bootstrap("HO", "总行", "admin", "管理员")
            db.actor = "admin"
            times = {e["time"] for e in db.audit.list()}
            self.assertEqual(times, {"2027-01-15T08:00:00Z"})

    def test_auditor_may_read_but_not_add(self):
        self.db.actor = "li.si"
        self.assertEqual(len(list(self.db.audit.list())), 4)
        self.assertEqual(self.db.audit.verify(), (4, 0))
        with self.assertRaises(crm.PermissionDenied):
            self.db.users.add(name="x", display_name="某", roles="marketer", branch="HO")

    def test_verify_and_checkpoint(self):
        self.assertEqual(self.db.audit.verify(), (4, 0))
        checkpoint = self.db.audit.checkpoint()
        self.assertRegex(checkpoint, r"^4:[0-9a-f]{64}$")
        self.db.branches.add("SH", "上海分行", parent="HO")
        self.assertEqual(self.db.audit.verify(checkpoint), (5, 0))
        self.assertRegex(self.db.audit.checkpoint(), r"^5:[0-9a-f]{64}$")
        with self.assertRaises(crm.InvalidArgument):
            self.db.audit.verify("not a checkpoint")

    def test_checkpoint_detects_rollback_to_an_older_copy(self):
        wrong = "4:" + "0" * 64
        with self.assertRaises(crm.Corrupt) as cm:
            self.db.audit.verify(wrong)
        self.assertEqual(cm.exception.code, -9)

    def tamper(self, sql, *params):
        self.db.close()
        con = sqlite3.connect(self.path())
        try:
            triggers = [row[0] for row in con.execute(
                "SELECT sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'crm_audit'")]
            self.assertEqual(len(triggers), 2)
            con.execute("DROP TRIGGER crm_audit_no_update")
            con.execute("DROP TRIGGER crm_audit_no_delete")
            con.execute(sql, params)
            for trigger in triggers:  # a careful tamperer puts them back
                con.execute(trigger)
            con.commit()
        finally:
            con.close()
        self.db = self.open()
        self.db.actor = "admin"

    def test_tampered_entry_is_corrupt_with_first_bad(self):
        self.tamper("UPDATE crm_audit SET entity_id = ? WHERE seq = 3", "SH")
        with self.assertRaises(crm.Corrupt) as cm:
            self.db.audit.verify()
        self.assertEqual(cm.exception.first_bad, 3)
        self.assertIn(cm.exception.entries, (2, 3))  # checked up to the bad one
        self.assertRegex(cm.exception.message, r"\b3\b")

    def test_removed_triggers_are_corrupt(self):
        self.db.close()
        con = sqlite3.connect(self.path())
        con.execute("DROP TRIGGER crm_audit_no_delete")
        con.commit()
        con.close()
        self.db = self.open()
        self.db.actor = "admin"
        with self.assertRaises(crm.Corrupt):
            self.db.audit.verify()

    def test_deleted_entry_is_corrupt(self):
        self.tamper("DELETE FROM crm_audit WHERE seq = 2")
        with self.assertRaises(crm.Corrupt) as cm:
            self.db.audit.verify()
        self.assertIn(cm.exception.first_bad, (2, 3))

    def test_truncation_needs_the_checkpoint(self):
        checkpoint = self.db.audit.checkpoint()
        self.tamper("DELETE FROM crm_audit WHERE seq = 4")
        self.assertEqual(self.db.audit.verify(), (3, 0))
        with self.assertRaises(crm.Corrupt):
            self.db.audit.verify(checkpoint)


if __name__ == "__main__":
    unittest.main()
