"""Outreach: channels, messages, events, opt-outs and customer care
(include/crm/outreach.h).

Adds five parts to every :class:`crm.Database`::

    db.channels.register("sms", lambda m: crm.outreach.CHANNEL_OK)   # m: dict of the message
    db.channels.spool("email", "/var/spool/crm")            # the built-in file channel
    db.messages.render("{salutation}您好", "sms", "C001")    # '王先生您好拒收请回复R'
    db.messages.queue("WM2026")            # a running campaign's messages -> outbox
    db.messages.send(max=1000)             # {'sent': .., 'retried': .., 'remaining': ..}
    db.events.ingest(event_key="e1", kind="delivered", idem_key="campaign:...")
    db.events.ingest_jsonl(text)           # {'lines', 'recorded', 'duplicates', ...}
    db.optouts.add("C001", channel="sms", source="branch")
    db.care.run("2026-10-01")              # {'messages', 'tasks', ...}

A channel callable gets the message as a dict (idem_key, channel, customer_no,
subject, body, campaign or occasion, attempt) and returns CHANNEL_OK,
CHANNEL_RETRY or CHANNEL_FAIL (True/None count as OK, False as FAIL); an
exception counts as a transient failure (retried later). The binding keeps the
callable alive while it is registered. It must not call the same Database.
"""

from ctypes import CFUNCTYPE, POINTER, byref, c_char_p, c_int, c_int64, c_size_t, c_void_p

from ._ffi import C, _declare, take_string, text_arg
from .database import _DB, ResultIterator, _Part, register_part
from .errors import InvalidArgument
from .record import as_record, read_record

_out = POINTER(c_void_p)

CHANNEL_OK = 0
CHANNEL_RETRY = 1
CHANNEL_FAIL = 2

EVENT_RECORDED = 0
EVENT_DUPLICATE = 1
EVENT_FLAGGED = 2
_OUTCOMES = {EVENT_RECORDED: "recorded", EVENT_DUPLICATE: "duplicate", EVENT_FLAGGED: "flagged"}

CHANNEL_FN = CFUNCTYPE(c_int, c_void_p, c_void_p)

OUTREACH = [
    ("crm_channel_register", c_int, [c_void_p, c_char_p, CHANNEL_FN, c_void_p]),
    ("crm_channel_register_spool", c_int, [c_void_p, c_char_p, c_char_p]),
    ("crm_message_render", c_int, [_out, c_void_p, c_char_p, c_char_p, c_char_p, c_void_p]),
    ("crm_message_segments", c_int, [c_char_p]),
    ("crm_message_queue", c_int, [POINTER(c_int64), c_void_p, c_char_p]),
    ("crm_message_send", c_int, [_out, c_void_p, c_char_p, c_int64]),
    ("crm_message_list", c_int, [_out, c_void_p, c_void_p]),
    ("crm_message_retry", c_int, [POINTER(c_int64), c_void_p, c_char_p]),
    ("crm_event_ingest", c_int, [POINTER(c_int), POINTER(c_int), c_void_p, c_void_p]),
    ("crm_event_ingest_jsonl", c_int, [_out, c_void_p, c_char_p, c_size_t]),
    ("crm_event_pace_check", c_int, [_out, c_void_p, c_char_p]),
    ("crm_event_effectiveness", c_int, [_out, c_void_p, c_char_p, c_char_p]),
    ("crm_optout_add", c_int, [c_void_p, c_char_p, c_char_p, c_char_p]),
    ("crm_optout_list", c_int, [_out, c_void_p, c_char_p]),
    ("crm_care_config_set", c_int, [c_void_p, c_char_p, c_size_t]),
    ("crm_care_config_get", c_int, [_out, c_void_p]),
    ("crm_care_calendar", c_int, [_out, c_void_p, c_int]),
    ("crm_care_run", c_int, [_out, c_void_p, c_char_p]),
]

_declare(OUTREACH)


def segments(text):
    """SMS segments `text` takes (70 characters in one, 67 each when split)."""
    return C.crm_message_segments(text_arg(text, "text"))


def _keep(db):
    """The channel callables C may still call, kept alive with the Database."""
    if not hasattr(db, "_channel_callbacks"):
        db._channel_callbacks = {}
    return db._channel_callbacks


def _result(value):
    if value is None or value is True:
        return CHANNEL_OK
    if value is False:
        return CHANNEL_FAIL
    return value if value in (CHANNEL_OK, CHANNEL_RETRY, CHANNEL_FAIL) else CHANNEL_FAIL


class Channels(_Part):
    """db.channels: delivery callbacks per channel name (sms, email, phone)."""

    def register(self, channel, fn):
        """Delivers `channel`'s messages through fn(message dict); None removes it."""
        if fn is None:
            self._db._call(C.crm_channel_register, _DB, text_arg(channel, "channel"),
                           CHANNEL_FN(), None)
            _keep(self._db).pop(channel, None)
            return

        def trampoline(message, payload):
            try:
                return _result(fn(read_record(message)))
            except BaseException:  # must not unwind through C: try again later
                return CHANNEL_RETRY

        c_fn = CHANNEL_FN(trampoline)
        self._db._call(C.crm_channel_register, _DB, text_arg(channel, "channel"), c_fn, None)
        _keep(self._db)[channel] = c_fn

    def spool(self, channel, directory):
        """Delivers `channel`'s messages as files <key>.msg into `directory`."""
        self._db._call(C.crm_channel_register_spool, _DB, text_arg(channel, "channel"),
                       text_arg(str(directory), "directory"))
        _keep(self._db).pop(channel, None)


def _with_optional_record(db, fn, data, *before):
    if not data:
        return db._call(fn, *before, None)
    rec, owned = as_record(data)
    try:
        return db._call(fn, *before, rec._as_parameter_)
    finally:
        if owned:
            rec.close()


class Messages(_Part):
    """db.messages: rendering, the outbox, sending."""

    def render(self, template, channel, customer_no, **vars):
        """The text `template` renders to for a customer on `channel`."""
        out = c_void_p()
        _with_optional_record(self._db, C.crm_message_render, vars, byref(out), _DB,
                              text_arg(template, "template"), text_arg(channel, "channel"),
                              text_arg(customer_no, "customer_no"))
        return take_string(out.value)

    def queue(self, campaign):
        """Queues a running campaign's messages; returns how many were added."""
        out = c_int64()
        self._db._call(C.crm_message_queue, byref(out), _DB, text_arg(campaign, "campaign"))
        return out.value

    def send(self, campaign=None, max=0):
        """Hands up to `max` due messages (0: all) to the channels; the counts."""
        return self._db._get_record(C.crm_message_send, _DB, text_arg(campaign, "campaign"),
                                    int(max))

    def list(self, **filters):
        """Messages, newest first: filters campaign, occasion, customer_no,
        channel, state, limit."""
        out = c_void_p()
        _with_optional_record(self._db, C.crm_message_list, filters, byref(out), _DB)
        return ResultIterator(self._db, out.value)

    def retry(self, campaign=None):
        """Queues failed messages again; returns how many."""
        out = c_int64()
        self._db._call(C.crm_message_retry, byref(out), _DB, text_arg(campaign, "campaign"))
        return out.value


class Events(_Part):
    """db.events: response events, pace and effectiveness."""

    def ingest(self, **event):
        """Records one event; returns (outcome, optout): outcome "recorded",
        "duplicate" or "flagged", optout True when an opt-out was honoured."""
        outcome, optout = c_int(), c_int()
        _with_optional_record(self._db, C.crm_event_ingest, event, byref(outcome), byref(optout),
                              _DB)
        return _OUTCOMES[outcome.value], bool(optout.value)

    def ingest_jsonl(self, text):
        """Ingests JSON Lines (str or bytes), all or nothing; the counts."""
        data = text.encode("utf-8") if isinstance(text, str) else bytes(text)
        return self._db._get_record(C.crm_event_ingest_jsonl, _DB, data, len(data))

    def pace(self, campaign):
        """Participation against the expected pace; a lag records an alert."""
        return self._db._get_record(C.crm_event_pace_check, _DB, text_arg(campaign, "campaign"))

    def effectiveness(self, campaign, by="channel"):
        """Rows per channel, province or branch: sent, delivered, ... rates in bps."""
        if by not in ("channel", "province", "branch"):
            raise InvalidArgument(-1, "by must be channel, province or branch")
        return self._db._iterate(C.crm_event_effectiveness, _DB, text_arg(campaign, "campaign"),
                                 text_arg(by, "by"))


class Optouts(_Part):
    """db.optouts: customers' requests not to be contacted."""

    def add(self, customer_no, channel=None, source="branch"):
        """Opts a customer out of `channel` (None: all), effective at once."""
        self._db._call(C.crm_optout_add, _DB, text_arg(customer_no, "customer_no"),
                       text_arg(channel, "channel"), text_arg(source, "source"))

    def list(self, customer_no=None):
        return self._db._iterate(C.crm_optout_list, _DB, text_arg(customer_no, "customer_no"))


class Care(_Part):
    """db.care: birthday and holiday greetings and the outreach configuration."""

    def run(self, date):
        """Generates the greetings of `date` (YYYY-MM-DD or datetime.date)."""
        return self._db._get_record(C.crm_care_run, _DB, text_arg(str(date), "date"))

    def calendar(self, year):
        """The holidays of `year`: dicts with occasion, name, date."""
        return self._db._iterate(C.crm_care_calendar, _DB, int(year))

    @property
    def config(self):
        """The outreach configuration (YAML) in force; assign to replace it."""
        out = c_void_p()
        self._db._call(C.crm_care_config_get, byref(out), _DB)
        return take_string(out.value)

    @config.setter
    def config(self, text):
        data = text.encode("utf-8")
        self._db._call(C.crm_care_config_set, _DB, data, len(data))


register_part("channels", Channels)
register_part("messages", Messages)
register_part("events", Events)
register_part("optouts", Optouts)
register_part("care", Care)

__all__ = ["Channels", "Messages", "Events", "Optouts", "Care", "segments", "CHANNEL_OK",
           "CHANNEL_RETRY", "CHANNEL_FAIL"]
