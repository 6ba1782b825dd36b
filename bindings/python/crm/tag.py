"""The tag system (include/crm/tag.h).

Adds ``db.tags`` to every :class:`crm.Database`::

    db.tags.add_category("客户价值")
    db.tags.add_category("资产", parent="客户价值")
    db.tags.add("高净值", parent="资产", rule='{">=": [{"var": "assets"}, 50000000]}')
    db.tags.refresh()                       # rule tags follow their rules
    db.tags.apply("C001", "vip", source="model", valid_to="2027-01-01")
    db.tags.remove("C001", "vip", source="model")
    db.tags.of("C001")                      # the customer's applications
    db.tags.stats()                         # customers per tag, by source
"""

from ctypes import POINTER, byref, c_char_p, c_int, c_int64, c_void_p

from ._ffi import C, _declare, text_arg
from .database import _DB, _Part, register_part
from .errors import InvalidArgument

_out = POINTER(c_void_p)

SOURCES = {"manual": 1, "rule": 2, "model": 3}

TAG = [
    ("crm_tag_source_name", c_char_p, [c_int]),
    ("crm_tag_category_add", c_int, [c_void_p, c_char_p, c_char_p, c_char_p]),
    ("crm_tag_add", c_int, [c_void_p, c_char_p, c_char_p, c_char_p]),
    ("crm_tag_set_rule", c_int, [c_void_p, c_char_p, c_char_p]),
    ("crm_tag_list", c_int, [_out, c_void_p]),
    ("crm_tag_apply", c_int, [c_void_p, c_char_p, c_char_p, c_int, c_char_p, c_char_p]),
    ("crm_tag_remove", c_int, [c_void_p, c_char_p, c_char_p, c_int]),
    ("crm_tag_customer_list", c_int, [_out, c_void_p, c_char_p]),
    ("crm_tag_refresh", c_int, [POINTER(c_int64), c_void_p, c_char_p]),
    ("crm_tag_stats", c_int, [_out, c_void_p]),
]

_declare(TAG)


def _opt(value, what):
    return None if value is None else text_arg(value, what)


def _source(name):
    if name not in SOURCES:
        raise InvalidArgument(-1, "source must be manual, rule or model, not %r" % (name,))
    return SOURCES[name]


def source_name(code):
    """"manual", "rule", "model" for 1, 2, 3; "unknown" otherwise."""
    return C.crm_tag_source_name(int(code)).decode()


class Tags(_Part):
    """db.tags: categories > subcategories > tags, and customers' tags."""

    def add_category(self, name, parent=None, description=None):
        self._db._call(C.crm_tag_category_add, _DB, text_arg(name, "name"),
                       _opt(parent, "parent"), _opt(description, "description"))

    def add(self, name, parent, description=None, rule=None):
        """Adds a tag; with `rule`, refresh() decides who has it."""
        self._db._call(C.crm_tag_add, _DB, text_arg(name, "name"), text_arg(parent, "parent"),
                       _opt(description, "description"))
        if rule is not None:
            self.set_rule(name, rule)

    def set_rule(self, tag, rule):
        """Sets the tag's rule (None removes it and its rule applications)."""
        self._db._call(C.crm_tag_set_rule, _DB, text_arg(tag, "tag"), _opt(rule, "rule"))

    def list(self):
        return self._db._iterate(C.crm_tag_list, _DB)

    def __iter__(self):
        return self.list()

    def apply(self, customer_no, tag, source="manual", valid_from=None, valid_to=None):
        self._db._call(C.crm_tag_apply, _DB, text_arg(customer_no, "customer_no"),
                       text_arg(tag, "tag"), _source(source), _opt(valid_from, "valid_from"),
                       _opt(valid_to, "valid_to"))

    def remove(self, customer_no, tag, source="manual"):
        self._db._call(C.crm_tag_remove, _DB, text_arg(customer_no, "customer_no"),
                       text_arg(tag, "tag"), _source(source))

    def of(self, customer_no):
        """The customer's tag applications, valid or not."""
        return self._db._iterate(C.crm_tag_customer_list, _DB,
                                 text_arg(customer_no, "customer_no"))

    def refresh(self, tag=None):
        """Re-applies rule tags; returns how many applications changed."""
        out = c_int64()
        self._db._call(C.crm_tag_refresh, byref(out), _DB, _opt(tag, "tag"))
        return out.value

    def stats(self):
        return self._db._iterate(C.crm_tag_stats, _DB)


register_part("tags", Tags)

__all__ = ["Tags", "source_name"]
