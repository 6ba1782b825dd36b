import datetime
import json
import unittest
from decimal import Decimal

import crm


class RecordTest(unittest.TestCase):
    def test_round_trip_by_type(self):
        with crm.Record({"name": "张三", "count": 3, "flag": True}) as rec:
            rec["assets"] = crm.Money(1234567)
            rec["birth"] = crm.Date("1990-05-17")
            rec.set_date("opened", datetime.date(2020, 1, 2))
            rec.set_money("income", 50)
            self.assertEqual(len(rec), 7)
            self.assertEqual(list(rec), ["name", "count", "flag", "assets", "birth", "opened",
                                         "income"])
            self.assertEqual(rec.type_of("name"), crm.ValueType.TEXT)
            self.assertEqual(rec.type_of("count"), crm.ValueType.INT)
            self.assertEqual(rec.type_of("assets"), crm.ValueType.MONEY)
            self.assertEqual(rec.type_of("birth"), crm.ValueType.DATE)
            self.assertEqual(rec.type_of("absent"), crm.ValueType.NULL)
            d = rec.to_dict()
            self.assertEqual(d, {"name": "张三", "count": 3, "flag": 1, "assets": 1234567,
                                 "birth": "1990-05-17", "opened": "2020-01-02", "income": 50})
            self.assertIsInstance(d["assets"], crm.Money)
            self.assertIsInstance(d["birth"], crm.Date)
            self.assertEqual(d["assets"].yuan, Decimal("12345.67"))
            self.assertEqual(json.loads(rec.to_json()), dict(d))
            del rec["count"]
            self.assertNotIn("count", rec)
            with self.assertRaises(KeyError):
                rec["count"]
            with self.assertRaises(KeyError):
                del rec["count"]
        with self.assertRaises(crm.InvalidState):
            rec.to_dict()

    def test_null_and_replace(self):
        rec = crm.Record(a="x")
        rec["a"] = None
        self.assertIsNone(rec["a"])
        self.assertEqual(rec.type_of("a"), crm.ValueType.NULL)
        rec["a"] = 5
        self.assertEqual((rec["a"], len(rec)), (5, 1))

    def test_invalid_values(self):
        rec = crm.Record()
        with self.assertRaises(crm.InvalidData):
            rec["d"] = crm.Date("2026-02-30")
        with self.assertRaises(crm.InvalidArgument):
            rec["f"] = 1.5
        with self.assertRaises(crm.InvalidArgument):
            rec[""] = "x"
        self.assertEqual(len(rec), 0)

    def test_money(self):
        self.assertEqual(crm.Money.from_yuan("123.45"), 12345)
        self.assertEqual(crm.Money.from_yuan(Decimal("0.01")), 1)
        with self.assertRaises(ValueError):
            crm.Money.from_yuan("0.001")
        with self.assertRaises(TypeError):
            crm.Money.from_yuan(1.5)


class TimeTest(unittest.TestCase):
    def test_parse_and_format(self):
        self.assertEqual(crm.parse_time("2026-11-25T14:01:32Z"), 1795615292)
        self.assertEqual(crm.parse_time("2026-11-25T14:01:32"), 1795615292)
        self.assertEqual(crm.parse_time("2026-11-25"), 1795564800)
        self.assertEqual(crm.format_time(1795615292), "2026-11-25T14:01:32Z")
        when = datetime.datetime(2026, 11, 25, 22, 1, 32,
                                 tzinfo=datetime.timezone(datetime.timedelta(hours=8)))
        self.assertEqual(crm.format_time(when), "2026-11-25T14:01:32Z")
        with self.assertRaises(crm.InvalidData):
            crm.parse_time("2026-13-01")


class RoleTest(unittest.TestCase):
    def test_roles(self):
        self.assertEqual(crm.parse_roles("admin,auditor"), crm.Role.ADMIN | crm.Role.AUDITOR)
        self.assertEqual(crm.parse_roles(["marketer", crm.Role.AUDITOR]),
                         crm.Role.MARKETER | crm.Role.AUDITOR)
        self.assertEqual(crm.role_name(crm.Role.RELATIONSHIP_MANAGER), "relationship_manager")
        self.assertEqual([crm.role_name(r) for r in crm.Role],
                         ["admin", "branch_manager", "relationship_manager", "marketer",
                          "complaint_handler", "auditor"])
        self.assertEqual(crm.role_names(0x21), ["admin", "auditor"])
        with self.assertRaises(crm.InvalidData):
            crm.parse_roles("admin,janitor")
        with self.assertRaises(crm.InvalidArgument):
            crm.role_name(0x40)


if __name__ == "__main__":
    unittest.main()
