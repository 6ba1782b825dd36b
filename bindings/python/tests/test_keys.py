import os
import unittest

import crm
from .support import BankCase, TempDirCase


class KeyFunctionTest(TempDirCase):
    def test_generate_key(self):
        a, b = crm.generate_key(), crm.generate_key()
        self.assertEqual((len(a), type(a)), (crm.KEY_SIZE, bytes))
        self.assertNotEqual(a, b)

    def test_key_file_round_trip(self):
        path = self.path("k.hex")
        crm.generate_key_file(path)
        with open(path) as f:
            text = f.read()
        self.assertRegex(text, r"^[0-9a-fA-F]{64}\n$")
        self.assertEqual(crm.load_key_file(path), bytes.fromhex(text.strip()))
        with self.assertRaises(crm.Conflict):
            crm.generate_key_file(path)

    def test_load_key_file_errors(self):
        with self.assertRaises(crm.CrmIOError):
            crm.load_key_file(self.path("absent"))
        bad = self.path("bad")
        with open(bad, "w") as f:
            f.write("not hex\n")
        with self.assertRaises(crm.CrmKeyError):
            crm.load_key_file(bad)


class RotationTest(BankCase):
    def setUp(self):
        super().setUp()
        self.phones = {}
        for n in range(5):
            name = "rm%d" % n
            phone = "1391234%04d" % n
            self.db.users.add(name=name, display_name="客户经理%d" % n,
                              roles="relationship_manager", branch="BJ", phone=phone,
                              email="%s@bank.example" % name)
            self.phones[name] = phone

    def assert_readable(self, db):
        for name, phone in self.phones.items():
            self.assertEqual(db.users.reveal(name, "phone", "核对"), phone)
            self.assertEqual(db.users.reveal(name, "email", "核对"), "%s@bank.example" % name)
            self.assertEqual(db.users.get(name)["phone"], phone[:3] + "****" + phone[-4:])

    def test_data_key_rotation_and_reencrypt(self):
        self.db.keys.rotate_data_key()
        self.db.users.add(name="new.rm", display_name="新人", roles="marketer", branch="BJ",
                          phone="13700000000", email="new.rm@bank.example")
        self.phones["new.rm"] = "13700000000"
        remaining = self.db.keys.reencrypt_step(3)
        self.assertEqual(remaining, 7)  # 5 phones + 5 emails under the old key, 3 done
        self.assert_readable(self.db)
        steps = 0
        while remaining:
            remaining = self.db.keys.reencrypt_step(3)
            steps += 1
        self.assertEqual(steps, 3)
        self.assertEqual(self.db.keys.reencrypt_step(3), 0)
        self.assert_readable(self.db)
        self.db.close()
        with crm.Database(self.path(), key=self.key) as db:
            db.actor = "admin"
            self.assert_readable(db)
            self.assertEqual(db.audit.verify()[1], 0)
            actions = [e["action"] for e in db.audit.list(actor="admin")]
            self.assertIn("key.rotate_data", actions)

    def test_reencrypt_step_needs_a_positive_count(self):
        with self.assertRaises(crm.InvalidArgument):
            self.db.keys.reencrypt_step(0)

    def test_rotation_is_admin_only(self):
        self.db.actor = "rm0"
        with self.assertRaises(crm.PermissionDenied):
            self.db.keys.rotate_data_key()
        with self.assertRaises(crm.PermissionDenied):
            self.db.keys.rotate_master_key(crm.generate_key())

    def test_master_key_rotation(self):
        new_key = crm.generate_key()
        self.db.keys.rotate_master_key(new_key)
        self.assert_readable(self.db)  # the handle keeps working
        self.db.close()
        with self.assertRaises(crm.CrmKeyError):
            crm.Database(self.path(), key=self.key)
        with crm.Database(self.path(), key=new_key) as db:
            db.actor = "admin"
            self.assert_readable(db)
            self.assertEqual(db.audit.verify()[1], 0)

    def test_other_handle_after_master_key_rotation(self):
        # A second handle opened with the old master key cannot unwrap data
        # keys made after the rotation. That is a key problem (CRM_E_KEY), not
        # corruption: nothing stored is damaged, and a reopen with the new key
        # reads everything.
        other = self.open()
        other.actor = "admin"
        self.assertEqual(other.users.reveal("rm0", "phone", "核对"), self.phones["rm0"])
        new_key = crm.generate_key()
        self.db.keys.rotate_master_key(new_key)
        self.db.keys.rotate_data_key()
        self.db.keys.reencrypt_all(100)
        with self.assertRaises(crm.CrmKeyError):
            other.users.reveal("rm0", "phone", "核对")
        other.close()
        with crm.Database(self.path(), key=new_key) as db:
            db.actor = "admin"
            self.assert_readable(db)

    def test_master_key_must_be_32_bytes(self):
        with self.assertRaises(crm.InvalidArgument):
            self.db.keys.rotate_master_key(b"\0" * 16)

    def test_database_file_holds_no_clear_phone(self):
        self.db.close()
        data = b""
        for name in os.listdir(self.dir):
            if name.startswith("crm.db"):
                with open(os.path.join(self.dir, name), "rb") as f:
                    data += f.read()
        self.assertIn("客户经理0".encode(), data)  # display names are not personal data
        for phone in self.phones.values():
            self.assertNotIn(phone.encode(), data)


if __name__ == "__main__":
    unittest.main()
