import unittest

import crm


class MaskTest(unittest.TestCase):
    def test_kinds(self):
        self.assertEqual(crm.mask("phone", "13812345678"), "138****5678")
        self.assertEqual(crm.mask(crm.MaskKind.PHONE, "+8613812345678"), "+86138****5678")
        self.assertEqual(crm.mask("id_number", "11010519491231002X"), "1****************X")
        self.assertEqual(crm.mask(crm.MaskKind.CARD, "6222021234567890123"),
                         "622202*********0123")
        self.assertEqual(crm.mask("card", "6222021234567890"), "622202******7890")
        self.assertRegex(crm.mask("email", "zhangsan@example.com"), r"^z\*+@example\.com$")
        self.assertRegex(crm.mask("ADDRESS", "北京市朝阳区建国路88号"), r"^北京市朝阳区\*+$")
        self.assertEqual(crm.mask("name", "张三丰"), "张**")
        self.assertEqual(crm.mask(6, "李四"), "李*")
        self.assertTrue(crm.mask("name", "Zhang San").startswith("Z"))
        self.assertNotIn("hang", crm.mask("name", "Zhang San"))

    def test_every_kind_has_a_name(self):
        for kind in crm.MaskKind:
            self.assertIsInstance(crm.mask(kind.name.lower(), "13812345678"), str)

    def test_unknown_kind(self):
        with self.assertRaises(crm.InvalidArgument):
            crm.mask("shoe_size", "42")
        with self.assertRaises(crm.InvalidArgument) as cm:
            crm.mask(99, "42")
        self.assertEqual(cm.exception.code, -1)
        with self.assertRaises(crm.InvalidArgument):
            crm.mask("phone", None)


if __name__ == "__main__":
    unittest.main()
