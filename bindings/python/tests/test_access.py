import unittest

import crm
from .support import BankCase, TempDirCase


class BootstrapTest(TempDirCase):
    def test_bootstrap_once(self):
        db = self.open()
        crm.bootstrap(db, "HO", "总行", "admin", "系统管理员")
        db.actor = "admin"
        self.assertEqual(db.branches.get("HO"), {"code": "HO", "name": "总行", "level": 0})
        admin = db.users.get("admin")
        self.assertEqual(admin["display_name"], "系统管理员")
        self.assertEqual(admin["roles"], "admin")
        self.assertEqual(admin["branch"], "HO")
        self.assertEqual(admin["status"], "active")
        with self.assertRaises(crm.InvalidState):
            db.bootstrap("HO2", "总行二", "admin2", "管理员二")


class BranchTest(BankCase):
    def test_tree(self):
        self.db.branches.add("BJ01", "北京朝阳支行", parent="BJ")
        self.assertEqual(self.db.branches.get("BJ01"),
                         {"code": "BJ01", "name": "北京朝阳支行", "parent": "BJ", "level": 2})
        listed = list(self.db.branches)
        self.assertEqual([b["code"] for b in listed], ["HO", "BJ", "BJ01"])
        self.assertEqual([b["code"] for b in self.db.branches.list()], ["HO", "BJ", "BJ01"])

    def test_errors(self):
        with self.assertRaises(crm.NotFound):
            self.db.branches.add("SH", "上海分行", parent="NOPE")
        with self.assertRaises(crm.InvalidData):
            self.db.branches.add("bad code!", "坏", parent="HO")
        with self.assertRaises(crm.Conflict):
            self.db.branches.add("BJ", "又一个北京", parent="HO")
        with self.assertRaises(crm.NotFound):
            self.db.branches.get("NOPE")
        self.assertNotIn("NOPE", self.db.branches)

    def test_text_with_nul_is_refused(self):
        with self.assertRaises(crm.InvalidArgument):
            self.db.branches.add("SH", "上海\0分行", parent="HO")


class UserTest(BankCase):
    def add_zhang(self):
        self.db.users.add(name="zhang.san", display_name="张三",
                          roles=["relationship_manager", "marketer"], branch="BJ",
                          phone="13812345678", email="zhangsan@example.com")

    def test_add_and_get_masks_personal_data(self):
        self.add_zhang()
        user = self.db.users.get("zhang.san")
        self.assertEqual(user["name"], "zhang.san")
        self.assertEqual(user["display_name"], "张三")
        self.assertEqual(crm.parse_roles(user["roles"]),
                         crm.Role.RELATIONSHIP_MANAGER | crm.Role.MARKETER)
        self.assertEqual(user["branch"], "BJ")
        self.assertEqual(user["status"], "active")
        self.assertEqual(user["phone"], "138****5678")
        self.assertRegex(user["email"], r"^z\*+@example\.com$")
        self.assertNotIn("13812345678", repr(user))
        crm.parse_time(user["created_at"])

    def test_roles_as_text_or_mask(self):
        self.db.users.add(name="li.si", display_name="李四", roles="auditor,marketer",
                          branch="HO")
        self.db.users.add(name="wang.wu", display_name="王五",
                          roles=crm.Role.BRANCH_MANAGER, branch="BJ")
        self.assertEqual(crm.parse_roles(self.db.users.get("li.si")["roles"]),
                         crm.Role.AUDITOR | crm.Role.MARKETER)
        self.assertEqual(self.db.users.get("wang.wu")["roles"], "branch_manager")

    def test_reveal_is_clear_and_audited(self):
        self.add_zhang()
        self.assertEqual(self.db.users.reveal("zhang.san", "phone", "客户回访核实"), "13812345678")
        self.assertEqual(self.db.users.reveal("zhang.san", "email", "发送对账单"),
                         "zhangsan@example.com")
        reveals = list(self.db.audit.list(action="user.reveal"))
        self.assertEqual([(e["actor"], e["entity_id"], e["reason"]) for e in reveals],
                         [("admin", "zhang.san", "客户回访核实"), ("admin", "zhang.san", "发送对账单")])
        for entry in self.db.audit.list():
            self.assertNotIn("13812345678", str(entry))

    def test_reveal_needs_a_reason_and_a_known_field(self):
        self.add_zhang()
        with self.assertRaises(crm.InvalidArgument):
            self.db.users.reveal("zhang.san", "phone", "")
        with self.assertRaises(crm.InvalidArgument):
            self.db.users.reveal("zhang.san", "password", "why")
        with self.assertRaises(crm.NotFound):
            self.db.users.reveal("nobody", "phone", "why")

    def test_invalid_phone(self):
        with self.assertRaises(crm.InvalidData) as cm:
            self.db.users.add(name="bad", display_name="坏", roles="marketer", branch="BJ",
                              phone="12345")
        self.assertIn("phone", cm.exception.message)

    def test_unknown_role(self):
        with self.assertRaises(crm.InvalidData):
            self.db.users.add(name="bad", display_name="坏", roles="janitor", branch="BJ")

    def test_list_by_name(self):
        self.add_zhang()
        self.db.users.add(name="li.si", display_name="李四", roles="auditor", branch="HO")
        names = [u["name"] for u in self.db.users.list()]
        self.assertEqual(names, ["admin", "li.si", "zhang.san"])
        self.assertEqual({u["display_name"] for u in self.db.users}, {"系统管理员", "李四", "张三"})
        self.assertIn("li.si", self.db.users)
        self.assertNotIn("nobody", self.db.users)

    def test_non_admin_cannot_add_users(self):
        self.add_zhang()
        self.db.actor = "zhang.san"
        with self.assertRaises(crm.PermissionDenied) as cm:
            self.db.users.add(name="li.si", display_name="李四", roles="marketer", branch="BJ")
        self.assertEqual(cm.exception.code, -5)
        with self.assertRaises(crm.PermissionDenied):
            self.db.branches.add("SH", "上海分行", parent="HO")
        self.db.actor = "admin"
        self.assertNotIn("li.si", self.db.users)

    def test_user_sees_self_masked_and_reveals_own_phone(self):
        self.add_zhang()
        self.db.actor = "zhang.san"
        self.assertEqual(self.db.users.get("zhang.san")["phone"], "138****5678")
        self.assertEqual(self.db.users.reveal("zhang.san", "phone", "本人查看"), "13812345678")
        with self.assertRaises(crm.PermissionDenied):
            self.db.audit.verify()

    def test_disable_and_enable(self):
        self.add_zhang()
        self.db.users.disable("zhang.san", "离职")
        self.assertEqual(self.db.users.get("zhang.san")["status"], "disabled")
        with self.assertRaises(crm.CrmError):  # an admin cannot disable themselves
            self.db.users.disable("admin", "自己")
        self.assertEqual(self.db.users.get("admin")["status"], "active")
        with self.assertRaises(crm.PermissionDenied):
            self.db.actor = "zhang.san"
        self.db.actor = "admin"
        self.db.users.enable("zhang.san", "返岗")
        self.assertEqual(self.db.users.get("zhang.san")["status"], "active")
        actions = [(e["action"], e.get("reason"))
                   for e in self.db.audit.list(entity="user", entity_id="zhang.san")]
        self.assertEqual(actions, [("user.add", None), ("user.disable", "离职"),
                                   ("user.enable", "返岗")])
        self.db.actor = "zhang.san"
        self.assertEqual(self.db.actor, "zhang.san")


class PasswordTest(BankCase):
    def test_password_and_authenticate(self):
        self.db.users.add(name="li.si", display_name="李四", roles="marketer", branch="BJ")
        self.db.users.set_password("li.si", "correct horse battery")
        with self.assertRaises(crm.InvalidData):
            self.db.users.set_password("li.si", "short")
        self.db.actor = None
        with self.assertRaises(crm.PermissionDenied):
            self.db.authenticate("li.si", "wrong password!")
        self.assertIsNone(self.db.actor)
        self.db.authenticate("li.si", "correct horse battery")
        self.assertEqual(self.db.actor, "li.si")
        with self.assertRaises(crm.PermissionDenied):
            self.db.authenticate("nobody", "correct horse battery")

    def test_lock_out_after_five_failures(self):
        self.db.users.add(name="li.si", display_name="李四", roles="marketer", branch="BJ")
        self.db.users.set_password("li.si", "correct horse battery")
        self.db.actor = None
        for _ in range(5):
            with self.assertRaises(crm.PermissionDenied):
                self.db.authenticate("li.si", "wrong password!")
        with self.assertRaises(crm.Locked) as cm:
            self.db.authenticate("li.si", "correct horse battery")
        self.assertEqual(cm.exception.code, -14)
        self.db.actor = "admin"
        self.db.users.enable("li.si", "本人核实后解锁")
        self.db.authenticate("li.si", "correct horse battery")
        self.assertEqual(self.db.actor, "li.si")


if __name__ == "__main__":
    unittest.main()
