import datetime
import decimal
import unittest

import crm
from .support import FIXED_NOW, TempDirCase

DAY = 86400


class CustomerCase(TempDirCase):
    """Branches BJ and SH; branch manager bm.bj, RMs rm.a and rm.b (BJ) and
    rm.sh (SH), a marketer mk and an auditor aud; a clock the test can move,
    starting at 2027-01-15T08:00:00Z."""

    def setUp(self):
        super().setUp()
        self.now = FIXED_NOW
        self.db = self.open(clock=lambda: self.now)
        self.db.bootstrap("HO", "总行", "admin", "系统管理员")
        self.db.actor = "admin"
        self.db.branches.add("BJ", "北京分行", parent="HO")
        self.db.branches.add("SH", "上海分行", parent="HO")
        users = [("bm.bj", "branch_manager", "BJ"), ("rm.a", "relationship_manager", "BJ"),
                 ("rm.b", "relationship_manager", "BJ"), ("rm.sh", "relationship_manager", "SH"),
                 ("mk", "marketer", "HO"), ("aud", "auditor", "HO")]
        for name, roles, branch in users:
            self.db.users.add(name=name, display_name=name, roles=roles, branch=branch)

    def add_zhang(self, **extra):
        fields = dict(id_number="11010519491231002X", phone="13812345678",
                      email="zhang.san@example.com", address="北京市朝阳区建国路1号",
                      card_number="6222021234567890128", manager="rm.a",
                      total_assets=crm.Money(123456), annual_income=25000000,
                      risk_level="C3", risk_assessed_at="2026-06-01", consent_sms=1,
                      consent_email=False, ext={"vip": "gold"})
        fields.update(extra)
        self.db.customers.create(customer_no="C001", name="张三", branch="BJ", **fields)


class CreateGetTest(CustomerCase):
    def test_create_and_get_masked_and_typed(self):
        self.add_zhang()
        c = self.db.customers.get("C001")
        self.assertEqual(c["customer_no"], "C001")
        self.assertEqual(c["name"], "张三")
        self.assertEqual(c["id_type"], "resident_id")
        self.assertEqual(c["id_number"], "1****************X")
        self.assertEqual(c["phone"], "138****5678")
        self.assertRegex(c["email"], r"^z\*+@example\.com$")
        self.assertNotIn("6222021234567890128", repr(c))
        self.assertNotIn("13812345678", repr(c))
        # Derived from the resident ID number.
        self.assertEqual((c["gender"], c["birth_date"], c["province"]),
                         ("F", "1949-12-31", "北京市"))
        self.assertIsInstance(c["birth_date"], str)
        self.assertEqual(c["age"], 77)
        # Money comes back as Money, from Money and from a plain int alike.
        self.assertEqual(c["total_assets"], 123456)
        self.assertIsInstance(c["total_assets"], crm.Money)
        self.assertEqual(c["total_assets"].yuan, decimal.Decimal("1234.56"))
        self.assertEqual(c["annual_income"], crm.Money(25000000))
        self.assertIsInstance(c["annual_income"], crm.Money)
        self.assertEqual((c["consent_sms"], c["consent_email"], c["consent_phone"]), (1, 0, 0))
        self.assertEqual((c["risk_level"], c["risk_assessed_at"], c["risk_expired"]),
                         ("C3", "2026-06-01", 0))
        self.assertEqual(c["ext.vip"], "gold")
        self.assertEqual((c["branch"], c["manager"], c["status"], c["version"]),
                         ("BJ", "rm.a", "active", 1))
        self.assertEqual(c["created_at"], "2027-01-15T08:00:00Z")
        self.assertIn("C001", self.db.customers)
        self.assertNotIn("C404", self.db.customers)

    def test_create_record_and_dates(self):
        self.db.customers.create_record({
            "customer_no": "C002", "name": "李四", "branch": "BJ",
            "id_number": "440106850312001", "birth_date": datetime.date(1985, 3, 12),
            "gender": "M", "province": "广东", "total_assets": 50, "ext.level": "2"})
        c = self.db.customers.get("C002")
        self.assertEqual((c["gender"], c["birth_date"], c["province"]),
                         ("M", "1985-03-12", "广东省"))
        self.assertEqual(c["total_assets"], crm.Money(50))
        self.assertEqual(c["ext.level"], "2")
        self.assertEqual(self.db.customers.reveal("C002", "id_number", "核实"),
                         "440106198503120015")
        with crm.Record(customer_no="C003", name="王五", branch="SH",
                        id_number="310115199001011232") as rec:
            self.db.customers.create_record(rec)
        self.assertEqual(self.db.customers.get("C003")["province"], "上海市")

    def test_other_id_types(self):
        self.db.customers.create(customer_no="C005", name="Smith", branch="BJ",
                                 id_type="passport", id_number="E12345678")
        self.assertEqual(self.db.customers.get("C005")["id_type"], "passport")
        with self.assertRaises(crm.InvalidData) as cm:
            self.db.customers.create(customer_no="C006", name="Doe", branch="BJ",
                                     id_type="passport", id_number="!")
        self.assertIn("id_number", cm.exception.message)

    def test_money_is_int_fen_only(self):
        for bad in (1234.56, "1234.56", True):
            with self.assertRaises(crm.InvalidArgument) as cm:
                self.add_zhang(total_assets=bad)
            self.assertIn("total_assets", cm.exception.message)
        self.assertNotIn("C001", self.db.customers)

    def test_invalid_data_names_the_field(self):
        cases = [
            (dict(id_number="11010519491231002Y"), "id_number"),
            (dict(id_number="110105194912310021"), "id_number"),
            (dict(gender="M"), "gender"),
            (dict(birth_date="1949-12-30"), "birth_date"),
            (dict(province="上海"), "province"),
            (dict(phone="12345"), "phone"),
            (dict(email="no-at-sign"), "email"),
            (dict(card_number="6222021234567890123"), "card_number"),
            (dict(total_assets=-1), "total_assets"),
            (dict(annual_income=crm.Money(-100)), "annual_income"),
            (dict(risk_level="C6"), "risk_level"),
            (dict(risk_assessed_at="2030-01-01"), "risk_assessed_at"),
            (dict(consent_sms=2), "consent_sms"),
            (dict(id_type="diplomat"), "id_type"),
            (dict(ext={"Bad-Name": "x"}), "ext.Bad-Name"),
            (dict(password="secret123"), "password"),
            (dict(ext={"cvv": "123"}), "cvv"),
        ]
        for fields, field in cases:
            with self.subTest(field=field):
                with self.assertRaises(crm.InvalidData) as cm:
                    self.add_zhang(**fields)
                self.assertIn(field, cm.exception.message)
        with self.assertRaises(crm.InvalidData) as cm:
            self.add_zhang(birth_date="1949-02-30")
        self.assertIn("birth_date", cm.exception.message)
        with self.assertRaises(crm.InvalidData) as cm:
            self.db.customers.create(customer_no="bad no!", name="某人", branch="BJ")
        self.assertIn("customer_no", cm.exception.message)
        self.assertNotIn("C001", self.db.customers)

    def test_conflicts(self):
        self.add_zhang()
        with self.assertRaises(crm.Conflict):
            self.db.customers.create(customer_no="C001", name="某人", branch="BJ")
        with self.assertRaises(crm.Conflict):
            self.db.customers.create(customer_no="C002", name="某人", branch="BJ",
                                     id_number="11010519491231002X")
        self.db.customers.create(customer_no="C002", name="李四", branch="BJ",
                                 id_number="440106198503120015")
        with self.assertRaises(crm.Conflict):  # the same number in its 15-digit form
            self.db.customers.create(customer_no="C003", name="某人", branch="BJ",
                                     id_number="440106850312001")

    def test_not_found_references(self):
        with self.assertRaises(crm.NotFound) as cm:
            self.db.customers.create(customer_no="C009", name="某人", branch="NOPE")
        self.assertIn("branch", cm.exception.message)
        with self.assertRaises(crm.NotFound):
            self.db.customers.create(customer_no="C009", name="某人", branch="BJ",
                                     manager="nobody")
        with self.assertRaises(crm.NotFound):
            self.db.customers.get("C404")


class AccessTest(CustomerCase):
    def setUp(self):
        super().setUp()
        self.add_zhang()
        self.db.customers.create(customer_no="C003", name="王五", branch="SH", manager="rm.sh",
                                 id_number="310115199001011232")

    def test_rm_cannot_reach_another_rms_customer(self):
        self.db.actor = "rm.b"
        for call in (lambda: self.db.customers.get("C001"),
                     lambda: self.db.customers.update("C001", 1, city="北京"),
                     lambda: self.db.customers.reveal("C001", "phone", "好奇"),
                     lambda: self.db.customers.view("C001"),
                     lambda: self.db.customers.delete_request("C001", "不要了")):
            with self.assertRaises(crm.NotFound):
                call()
        self.assertNotIn("C001", self.db.customers)
        self.db.actor = "rm.a"
        self.assertEqual(self.db.customers.get("C001")["name"], "张三")
        with self.assertRaises(crm.NotFound):
            self.db.customers.get("C003")

    def test_branch_manager_and_marketer_scope(self):
        self.db.actor = "bm.bj"
        self.assertIn("C001", self.db.customers)
        self.assertNotIn("C003", self.db.customers)
        self.db.actor = "mk"
        self.assertIn("C003", self.db.customers)

    def test_permissions(self):
        self.db.actor = "mk"
        with self.assertRaises(crm.PermissionDenied):
            self.db.customers.create(customer_no="C009", name="某人", branch="BJ")
        with self.assertRaises(crm.PermissionDenied):
            self.db.customers.reveal("C001", "phone", "营销")
        with self.assertRaises(crm.PermissionDenied):
            self.db.customers.update("C001", 1, city="北京")
        self.db.actor = "rm.a"
        with self.assertRaises(crm.PermissionDenied):
            self.db.customers.create(customer_no="C009", name="某人", branch="BJ",
                                     manager="rm.b")
        self.db.customers.create(customer_no="C009", name="某人", branch="BJ", manager="rm.a")
        with self.assertRaises(crm.PermissionDenied):
            self.db.customers.assign("C001", "rm.b", "换人")
        with self.assertRaises(crm.PermissionDenied):
            self.db.customers.purge_due()


class UpdateTest(CustomerCase):
    def test_update_versions_and_clearing(self):
        self.add_zhang()
        version = self.db.customers.update("C001", 1, city="上海", total_assets=200000010,
                                           email=None, ext={"vip": None, "tier": "A"})
        self.assertEqual(version, 2)
        c = self.db.customers.get("C001")
        self.assertEqual((c["city"], c["total_assets"], c["version"]), ("上海", 200000010, 2))
        self.assertIsInstance(c["total_assets"], crm.Money)
        self.assertNotIn("email", c)
        self.assertNotIn("ext.vip", c)
        self.assertEqual(c["ext.tier"], "A")
        self.assertEqual(self.db.customers.update("C001", version, risk_level="C4"), 3)

    def test_stale_version_is_a_conflict(self):
        self.add_zhang()
        self.db.customers.update("C001", 1, city="上海")
        with self.assertRaises(crm.Conflict) as cm:
            self.db.customers.update("C001", 1, city="广州")
        self.assertIn("version", cm.exception.message)
        self.assertEqual(self.db.customers.get("C001")["city"], "上海")

    def test_update_validates_and_names_the_field(self):
        self.add_zhang()
        for changes, field in [(dict(phone="12345"), "phone"), (dict(gender="M"), "gender"),
                               (dict(name=None), "name"), (dict(total_assets=-5), "total_assets"),
                               (dict(customer_no="C999"), "customer_no")]:
            with self.subTest(field=field):
                with self.assertRaises(crm.InvalidData) as cm:
                    self.db.customers.update("C001", 1, **changes)
                self.assertIn(field, cm.exception.message)
        self.assertEqual(self.db.customers.get("C001")["version"], 1)
        with self.assertRaises(crm.InvalidArgument):
            self.db.customers.update("C001", 1)
        with self.assertRaises(crm.InvalidArgument):
            self.db.customers.update("C001", "1", city="上海")
        with self.assertRaises(crm.NotFound):
            self.db.customers.update("C404", 1, city="上海")

    def test_update_is_audited_masked(self):
        self.add_zhang()
        self.db.customers.update("C001", 1, phone="13900001111")
        entries = list(self.db.audit.list(entity="customer", entity_id="C001",
                                          action="customer.update"))
        self.assertEqual(len(entries), 1)
        self.assertIn("phone", entries[0]["before"])
        self.assertIn("phone", entries[0]["after"])
        for entry in self.db.audit.list():
            self.assertNotIn("13812345678", str(entry))
            self.assertNotIn("13900001111", str(entry))


class RevealViewTest(CustomerCase):
    def test_reveal_is_clear_and_audited(self):
        self.add_zhang()
        self.assertEqual(self.db.customers.reveal("C001", "id_number", "开户核实"),
                         "11010519491231002X")
        self.assertEqual(self.db.customers.reveal("C001", "card_number", "挂失"),
                         "6222021234567890128")
        self.db.actor = "rm.a"
        self.assertEqual(self.db.customers.reveal("C001", "phone", "回访"), "13812345678")
        self.db.actor = "admin"
        reveals = [(e["actor"], e["entity_id"], e["reason"])
                   for e in self.db.audit.list(action="customer.reveal")]
        self.assertEqual(reveals, [("admin", "C001", "开户核实"), ("admin", "C001", "挂失"),
                                   ("rm.a", "C001", "回访")])
        with self.assertRaises(crm.InvalidArgument):
            self.db.customers.reveal("C001", "phone", "")
        with self.assertRaises(crm.InvalidArgument):
            self.db.customers.reveal("C001", "name", "why")
        self.db.customers.update("C001", 1, email=None)
        with self.assertRaises(crm.NotFound):
            self.db.customers.reveal("C001", "email", "why")

    def test_view(self):
        self.add_zhang()
        view = self.db.customers.view("C001")
        self.assertIsInstance(view, dict)
        self.assertEqual(view["profile"]["customer_no"], "C001")
        self.assertEqual(view["profile"]["phone"], "138****5678")
        self.assertEqual(view["profile"]["total_assets"], 123456)
        for section in ("holdings", "recent_transactions", "activity"):
            self.assertIn(section, view)
        self.assertEqual(self.db.customers.view("C001", recent=0)["recent_transactions"], [])
        with self.assertRaises(crm.InvalidArgument):
            self.db.customers.view("C001", recent="10")
        with self.assertRaises(crm.NotFound):
            self.db.customers.view("C404")


class AssignmentTest(CustomerCase):
    def test_assign_and_unassign(self):
        self.add_zhang()
        self.db.customers.assign("C001", "rm.b", "客户经理调整")
        self.assertEqual(self.db.customers.get("C001")["manager"], "rm.b")
        self.db.actor = "rm.a"
        self.assertNotIn("C001", self.db.customers)
        self.db.actor = "bm.bj"
        self.db.customers.assign("C001", None, "暂不分配")
        self.assertNotIn("manager", self.db.customers.get("C001"))
        with self.assertRaises(crm.NotFound):
            self.db.customers.assign("C001", "nobody", "x")
        with self.assertRaises(crm.InvalidArgument):
            self.db.customers.assign("C001", "rm.a", "")

    def test_move_book(self):
        self.add_zhang()
        self.db.customers.create(customer_no="C002", name="李四", branch="BJ", manager="rm.a")
        self.db.customers.create(customer_no="C004", name="赵六", branch="BJ", manager="rm.b")
        self.assertEqual(self.db.customers.move_book("rm.a", "rm.b", "客户经理离职"), 2)
        self.assertEqual(self.db.customers.move_book("rm.a", "rm.b", "再来一次"), 0)
        self.db.actor = "rm.b"
        self.assertEqual({no for no in ("C001", "C002", "C004") if no in self.db.customers},
                         {"C001", "C002", "C004"})
        self.db.actor = "bm.bj"
        with self.assertRaises(crm.PermissionDenied):
            self.db.customers.move_book("rm.b", "rm.sh", "跨分行")
        with self.assertRaises(crm.NotFound):
            self.db.customers.move_book("rm.b", "nobody", "x")
        self.db.actor = "admin"
        moves = list(self.db.audit.list(action="customer.move_book"))
        self.assertEqual([(e["entity_id"], e["reason"]) for e in moves],
                         [("rm.a", "客户经理离职"), ("rm.a", "再来一次")])


class DeletionTest(CustomerCase):
    def test_request_approve_restrict_purge(self):
        self.add_zhang()
        self.db.actor = "rm.a"
        self.db.customers.delete_request("C001", "关系终止")
        with self.assertRaises(crm.InvalidState):
            self.db.customers.delete_request("C001", "again")
        with self.assertRaises(crm.PermissionDenied):
            self.db.customers.delete_approve("C001", "自己批")
        self.db.actor = "bm.bj"
        self.db.customers.delete_approve("C001", "同意")
        self.assertNotIn("C001", self.db.customers)  # restricted: hidden from the branch
        self.db.actor = "aud"
        self.assertEqual(self.db.customers.get("C001")["status"], "restricted")
        self.db.actor = "admin"
        self.assertEqual(self.db.customers.purge_due(), 0)  # retention not over

        self.now += 5 * 366 * DAY
        self.assertEqual(self.db.customers.purge_due(), 1)
        self.assertNotIn("C001", self.db.customers)
        with self.assertRaises(crm.NotFound):
            self.db.customers.reveal("C001", "id_number", "after purge")
        self.assertEqual(self.db.customers.purge_due(), 0)
        # The ID number is free again.
        self.db.customers.create(customer_no="C010", name="张三", branch="BJ",
                                 id_number="11010519491231002X")

    def test_four_eyes(self):
        self.add_zhang()
        self.db.customers.delete_request("C001", "关系终止")
        with self.assertRaises(crm.PermissionDenied) as cm:
            self.db.customers.delete_approve("C001", "自己批")
        self.assertIn("requester", cm.exception.message)
        self.db.actor = "bm.bj"
        self.db.customers.delete_approve("C001", "同意")
        self.db.customers.create(customer_no="C002", name="李四", branch="BJ")
        with self.assertRaises(crm.InvalidState):  # nothing requested
            self.db.customers.delete_approve("C002", "x")
        with self.assertRaises(crm.NotFound):
            self.db.customers.delete_approve("C404", "x")


class IdNumberTest(unittest.TestCase):
    def test_parse(self):
        self.assertEqual(crm.parse_id_number("11010519491231002X"),
                         {"id_number": "11010519491231002X", "birth_date": "1949-12-31",
                          "gender": "F", "province": "北京市"})
        self.assertEqual(crm.parse_id_number("440106850312001"),
                         {"id_number": "440106198503120015", "birth_date": "1985-03-12",
                          "gender": "M", "province": "广东省"})
        self.assertEqual(crm.parse_id_number("510107197208156541")["province"], "四川省")
        self.assertEqual(crm.parse_id_number("310115199001011232")["gender"], "M")

    def test_invalid(self):
        with self.assertRaises(crm.InvalidData) as cm:
            crm.parse_id_number("110105194912310021")
        self.assertIn("check digit", cm.exception.message)
        self.assertIn("id_number", cm.exception.message)
        for bad in ("", "12345", "99010519491231002X", "11010519491331002X"):
            with self.subTest(bad=bad):
                with self.assertRaises(crm.InvalidData):
                    crm.parse_id_number(bad)
        with self.assertRaises(crm.InvalidArgument):
            crm.parse_id_number(11010519491231002)


if __name__ == "__main__":
    unittest.main()
