"""A channel added to the list (portal.services.messaging.channels.CHANNELS) gets everything but the delivery from the one
dispatch loop: its scheduler job, the claim, retries with backoff, giving up, the crash lease, the admin's retry.

The channel here is a fax machine that answers from a script: it is the adapter under test, not a stand-in for our
code, and the loop, the outbox and the database are the real ones.
"""
from __future__ import annotations

from datetime import timedelta
from typing import ClassVar

import pytest
from sqlalchemy import select, text

from portal.models import OutboxMessage
from portal.models.messaging import OUTBOX_CHANNELS
from portal.services.messaging import dispatch, outbox
from portal.services.messaging.channels import CHANNELS
from portal.services.messaging.channels.base import (
    Channel,
    ChannelUnavailable,
    DeliveryFailed,
    RetryPolicy,
    backoff,
)
from scheduling.jobs import JOBS, channel_jobs, run_job
from tests.scheduling_support import NOW

pytestmark = pytest.mark.clock(NOW)
CONSTRAINT = "ck_outbox_message_channel_known"


class Fax(Channel):
    """Answers each delivery with the next entry of `script` ("ok", "busy", "bad number", "line dead",
    "switched off"), then "ok"; `received` holds the idempotency key of every fax that went through."""

    name = "fax"
    job_id = "dispatch_fax"
    job_title = "Send faxer fra udbakken"
    row_channels = ("fax",)
    script: ClassVar[list[str]] = []
    received: ClassVar[list[str]] = []

    @classmethod
    def from_config(cls, config) -> Fax:
        return cls()

    def deliver(self, message: OutboxMessage, now) -> None:
        answer = Fax.script.pop(0) if Fax.script else "ok"
        if answer == "busy":
            raise DeliveryFailed("Optaget")
        if answer == "bad number":
            raise DeliveryFailed("Nummeret findes ikke", permanent=True)
        if answer == "switched off":
            raise ChannelUnavailable("Faxen er slukket")
        Fax.received.append(message.idempotency_key)
        if answer == "line dead":
            raise Crash()  # after the other side got it, before the outcome is written


class Crash(BaseException):
    """The process dies at the worst moment: nothing catches it."""


@pytest.fixture
def fax(db):
    """The fax channel's name in the schema, as its migration would add it (the schema refuses unknown channels)."""
    Fax.script, Fax.received = [], []
    names = ", ".join(f"'{name}'" for name in (*OUTBOX_CHANNELS, "fax"))
    if db.engine.dialect.name == "postgresql":
        _replace_check(db, f"channel IN ({names})")
        yield Fax
        db.session.rollback()
        with db.engine.begin() as connection:
            connection.execute(text("DELETE FROM outbox_message WHERE channel = 'fax'"))
        _replace_check(db, f"channel IN {OUTBOX_CHANNELS!r}")
        return
    with db.engine.begin() as connection:  # SQLite: a table's checks change by creating it again (it is empty)
        ddl = connection.execute(text("SELECT sql FROM sqlite_master WHERE tbl_name = 'outbox_message' "
                                      "AND sql IS NOT NULL ORDER BY type = 'index'")).scalars().all()
        connection.execute(text("DROP TABLE outbox_message"))
        for statement in ddl:
            connection.execute(text(statement.replace("'jobcenter')", "'jobcenter', 'fax')")))
    yield Fax


def _replace_check(db, condition: str) -> None:
    with db.engine.begin() as connection:
        connection.execute(text(f"ALTER TABLE outbox_message DROP CONSTRAINT {CONSTRAINT}"))
        connection.execute(text(f"ALTER TABLE outbox_message ADD CONSTRAINT {CONSTRAINT} CHECK ({condition})"))


def queue(session, n: int = 1, *, channel: str = "fax", prefix: str = "fax") -> list[int]:
    rows = [outbox.enqueue(session, idempotency_key=f"{prefix}:{i}", kind="test", channel=channel,
                           to_address="+4533333333" if channel == "fax" else f"m{i}@eksempel.dk",
                           subject=f"Fax {i}", body_text="Hej", now=NOW) for i in range(n)]
    session.commit()
    return [row.id for row in rows]


def row(session, id_: int) -> OutboxMessage:
    session.expire_all()
    return session.get(OutboxMessage, id_)


def run(session, now, **policy) -> dispatch.DispatchResult:
    return dispatch.deliver_due(session, Fax(), now=now, policy=RetryPolicy(**policy))


def test_the_registered_channels_deliver_every_outbox_channel_once_and_keep_their_job_names():
    delivered = [name for channel in CHANNELS for name in channel.row_channels]
    assert sorted(delivered) == sorted(OUTBOX_CHANNELS)
    assert [channel.job_id for channel in CHANNELS] == ["dispatch_outbox", "dispatch_sms", "dfdg_outbound"]
    assert all(JOBS[channel.job_id].title == channel.job_title for channel in CHANNELS)


def test_a_channel_added_to_the_list_gets_a_job_that_sends_its_own_rows_once(app, session, fax):
    jobs = {spec.id: spec for spec in channel_jobs([*CHANNELS, fax])}
    faxes = queue(session, 3)
    [mail] = queue(session, 1, channel="email", prefix="mail")

    first = run_job("dispatch_fax", app=app, jobs=jobs, now=NOW)
    again = run_job("dispatch_fax", app=app, jobs=jobs, now=NOW + timedelta(minutes=5))

    assert first.status == "ok" and first.summary == {"sent": 3, "failed": 0, "dead": 0, "skipped": 0}
    assert again.summary["sent"] == 0
    assert fax.received == ["fax:0", "fax:1", "fax:2"]
    assert [(row(session, id_).status, row(session, id_).attempts) for id_ in faxes] == [("sent", 1)] * 3
    assert row(session, mail).status == "pending"  # the e-mail channel's, untouched


def test_a_busy_line_is_retried_with_the_same_backoff_then_given_up_and_an_admin_can_send_it_again(
        session, make, fax):
    [id_] = queue(session)
    fax.script = ["busy"] * 3
    now, waits = NOW, []
    for attempt in range(1, 4):
        result = run(session, now, max_attempts=3)
        message = row(session, id_)
        assert message.attempts == attempt and message.last_error == "Optaget"
        if attempt < 3:
            assert result.failed == 1 and message.status == "failed"
            assert run(session, now + timedelta(seconds=1), max_attempts=3).failed == 0  # not due yet
            waits.append(message.next_attempt_at - now)
            now = message.next_attempt_at
    assert waits == [backoff(1), backoff(2)] == [timedelta(minutes=1), timedelta(minutes=2)]
    assert result.dead == 1 and message.status == "dead" and fax.received == []

    dispatch.retry_message(session, id_, make.user("admin1", role="admin"), now=now)
    session.commit()
    assert run(session, now).sent == 1 and fax.received == ["fax:0"]


def test_a_permanent_failure_is_given_up_at_once_and_the_others_still_go(session, fax):
    ids = queue(session, 3)
    fax.script = ["ok", "bad number", "ok"]
    result = run(session, NOW)
    assert (result.sent, result.dead, result.failed) == (2, 1, 0)
    assert row(session, ids[1]).status == "dead" and row(session, ids[1]).last_error == "Nummeret findes ikke"
    assert fax.received == ["fax:0", "fax:2"]


def test_a_crash_after_delivery_resends_only_that_one_after_its_lease_and_nobody_takes_it_meanwhile(session, fax):
    ids = queue(session, 3)
    lease = timedelta(minutes=10)
    fax.script = ["ok", "line dead"]
    with pytest.raises(Crash):
        run(session, NOW, lease=lease)
    session.rollback()
    assert [row(session, id_).status for id_ in ids] == ["sent", "sending", "pending"]

    meanwhile = run(session, NOW + timedelta(minutes=1), lease=lease)
    assert (meanwhile.sent, row(session, ids[1]).status) == (1, "sending")

    run(session, NOW + lease + timedelta(seconds=1), lease=lease)
    assert [row(session, id_).status for id_ in ids] == ["sent"] * 3
    assert fax.received == ["fax:0", "fax:1", "fax:2", "fax:1"]  # one duplicate at most, with the same key


def test_a_channel_that_is_down_touches_nothing_and_counts_no_attempt(session, fax):
    ids = queue(session, 2)
    fax.script = ["switched off"]
    with pytest.raises(ChannelUnavailable):
        run(session, NOW)
    assert [(row(session, id_).status, row(session, id_).attempts) for id_ in ids] == [("pending", 0)] * 2
    assert row(session, ids[0]).last_error == "Faxen er slukket"
    assert run(session, NOW).sent == 2


def test_an_unconfigured_channel_leaves_its_rows_waiting(session, fax, monkeypatch):
    ids = queue(session, 2)
    monkeypatch.setattr(Fax, "ready", lambda self: False)
    result = run(session, NOW)
    assert result.waiting == 2 and result.as_dict()["sent"] == 0 and fax.received == []
    assert session.scalars(select(OutboxMessage.status).where(OutboxMessage.id.in_(ids))).all() == ["pending"] * 2
