"""The knowledge base (include/crm/kb.h).

Adds ``db.kb`` to every :class:`crm.Database`::

    db.kb.add("CARD-LOSS", "银行卡丢失如何挂失", "请立即电话挂失……", tags=["挂失"])
    db.kb.import_text(open("examples/kb/articles.yaml", encoding="utf-8").read())
    [a["code"] for a in db.kb.search("银行卡挂失")]
    answer = db.kb.answer("卡丢了怎么办", min_confidence=0.2,
                          handoff={"channel": "online", "contact_phone": "13800138000"})
    answer["confidence"], answer.get("code"), answer.get("handoff_ticket")
"""

from ctypes import POINTER, byref, c_char_p, c_double, c_int, c_int64, c_size_t, c_void_p

from ._ffi import C, _declare, text_arg
from .database import _DB, _Part, register_part
from .record import as_record, read_record

_out = POINTER(c_void_p)

KB = [
    ("crm_kb_add", c_int, [c_void_p, c_void_p]),
    ("crm_kb_import", c_int, [POINTER(c_int64), c_void_p, c_char_p, c_size_t]),
    ("crm_kb_get", c_int, [_out, c_void_p, c_char_p]),
    ("crm_kb_list", c_int, [_out, c_void_p, c_void_p]),
    ("crm_kb_publish", c_int, [c_void_p, c_char_p]),
    ("crm_kb_search", c_int, [_out, c_void_p, c_char_p, c_int]),
    ("crm_kb_suggest", c_int, [_out, c_void_p, c_char_p, c_int]),
    ("crm_kb_answer", c_int, [_out, POINTER(c_double), c_void_p, c_char_p, c_double,
                              c_void_p]),
]

_declare(KB)


class KnowledgeBase(_Part):
    """db.kb: articles, search, suggestions and answers."""

    def add(self, code, title, body, kind=None, tags=None):
        if tags is not None and not isinstance(tags, str):
            tags = ",".join(tags)
        fields = {"code": code, "title": title, "body": body, "kind": kind, "tags": tags}
        rec, _ = as_record({k: v for k, v in fields.items() if v is not None})
        try:
            self._db._call(C.crm_kb_add, _DB, rec._as_parameter_)
        finally:
            rec.close()

    def import_text(self, text):
        """Adds or replaces the articles of a YAML or JSON document; returns
        how many."""
        data = text_arg(text, "text")
        count = c_int64()
        self._db._call(C.crm_kb_import, byref(count), _DB, data, len(data))
        return count.value

    def get(self, code):
        return self._db._get_record(C.crm_kb_get, _DB, text_arg(code, "code"))

    def list(self, kind=None, status=None):
        filters = {k: v for k, v in (("kind", kind), ("status", status)) if v is not None}
        if not filters:
            return self._db._iterate(C.crm_kb_list, _DB, None)
        rec, _ = as_record(filters)
        try:
            return self._db._iterate(C.crm_kb_list, _DB, rec._as_parameter_)
        finally:
            rec.close()

    def __iter__(self):
        return self.list()

    def publish(self, code):
        self._db._call(C.crm_kb_publish, _DB, text_arg(code, "code"))

    def search(self, query, limit=10):
        return self._db._iterate(C.crm_kb_search, _DB, text_arg(query, "query"), int(limit))

    def suggest(self, ticket, limit=5):
        return self._db._iterate(C.crm_kb_suggest, _DB, text_arg(ticket, "ticket"), int(limit))

    def answer(self, question, min_confidence=0.2, handoff=None):
        """The best article for a question as a dict with "confidence" (a
        float in [0, 1]) and "answered"; below min_confidence, with
        `handoff` (the crm_complaint_open fields of the asker), a
        consultation ticket is opened: "handoff_ticket"."""
        out = c_void_p()
        conf = c_double()
        rec = None
        if handoff is not None:
            rec, owned = as_record(handoff)
        try:
            with self._db._lock:
                self._db._call(C.crm_kb_answer, byref(out), byref(conf), _DB,
                               text_arg(question, "question"), float(min_confidence),
                               rec._as_parameter_ if rec is not None else None)
                try:
                    result = read_record(out.value)
                finally:
                    C.crm_record_free(out.value)
        finally:
            if rec is not None and owned:
                rec.close()
        result["confidence"] = conf.value
        return result


register_part("kb", KnowledgeBase)

__all__ = ["KnowledgeBase"]
