"""Writing to the outbox in batches: each key once, a re-run writes nothing, a few statements per 500 messages."""
from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from portal.models import OutboxAttachment, OutboxMessage
from portal.services.messaging import outbox
from tests.scheduling_support import NOW, statements

# The data here is written around a fixed moment: the clock is frozen there too (tests/clock.py).
pytestmark = pytest.mark.clock(NOW)

ICS = ("samtale.ics", "text/calendar", b"BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n")


def message(key: str, **kwargs) -> outbox.NewMessage:
    fields = {"kind": "test", "to_address": f"{key.replace(':', '.')}@eksempel.dk", "subject": f"Besked {key}",
              "body_text": f"Hej {key}", "attachments": [ICS]}
    return outbox.NewMessage(idempotency_key=key, **(fields | kwargs))


def keys_in_outbox(session) -> list[str]:
    return list(session.scalars(select(OutboxMessage.idempotency_key).order_by(OutboxMessage.id)))


def count(session, model) -> int:
    return session.scalar(select(func.count()).select_from(model))


def test_batch_writes_each_key_once_despite_duplicates_in_it_and_keys_already_in_the_outbox(session):
    outbox.enqueue(session, idempotency_key="k:1", kind="test", to_address="first@eksempel.dk", subject="Først",
                   body_text="Den første", now=NOW)
    session.commit()

    written = outbox.enqueue_many(session, [message("k:0"), message("k:1"), message("k:2"),
                                            message("k:0", subject="Igen"), message("k:2")], now=NOW)
    session.commit()

    assert written == {"k:0", "k:2"}
    assert sorted(keys_in_outbox(session)) == ["k:0", "k:1", "k:2"]
    rows = {r.idempotency_key: r for r in session.scalars(select(OutboxMessage))}
    assert rows["k:0"].subject == "Besked k:0"  # the first message for a key wins
    assert rows["k:1"].subject == "Først" and rows["k:1"].attachments == []  # the existing row is left as it was
    assert [a.filename for a in rows["k:2"].attachments] == ["samtale.ics"]


def test_running_the_same_batch_again_writes_nothing(session):
    batch = [message(f"reminder:{i}") for i in range(30)]
    assert len(outbox.enqueue_many(session, batch, now=NOW)) == 30
    session.commit()

    assert outbox.enqueue_many(session, batch, now=NOW) == set()
    session.commit()

    assert count(session, OutboxMessage) == 30 and count(session, OutboxAttachment) == 30


def test_batch_rows_are_what_enqueue_writes(session):
    one = outbox.enqueue(session, idempotency_key="one", kind="booking_reminder", to_address="a@eksempel.dk",
                         subject="S", body_text="T", body_html="<p>T</p>", member_id=None, channel="jobcenter",
                         attachments=[ICS], now=NOW)
    outbox.enqueue_many(session, [message("many", kind="booking_reminder", to_address="a@eksempel.dk", subject="S",
                                          body_text="T", body_html="<p>T</p>", channel="jobcenter")], now=NOW)
    session.commit()
    session.expire_all()
    many = session.scalar(select(OutboxMessage).where(OutboxMessage.idempotency_key == "many"))

    columns = [c.key for c in OutboxMessage.__table__.columns if c.key not in ("id", "idempotency_key")]
    assert {c: getattr(many, c) for c in columns} == {c: getattr(one, c) for c in columns}
    assert many.status == "pending" and many.attempts == 0 and many.created_at == many.next_attempt_at == NOW
    assert [(a.filename, a.content_type, a.content) for a in many.attachments] == [ICS]


def test_batch_is_written_in_the_callers_order_so_the_soonest_is_sent_first(session):
    keys = [f"reminder:booking:{n}:s0:24h" for n in (9, 10, 1, 200)]  # the order the bookings start in
    outbox.enqueue_many(session, [message(k) for k in keys], now=NOW)
    session.commit()
    assert keys_in_outbox(session) == keys


def test_1200_messages_cost_a_few_statements_per_chunk_of_500(session, db):
    batch = [message(f"reminder:{i}") for i in range(1_200)]

    with statements(db.engine) as sent:
        written = outbox.enqueue_many(session, batch, now=NOW)
    session.commit()

    chunks = 3  # 500 + 500 + 200
    assert len(sent) <= 3 * chunks, sent  # key lookup, messages, attachments per chunk (was 3 per message)
    assert len(written) == 1_200 and count(session, OutboxMessage) == 1_200 and count(session, OutboxAttachment) == 1_200

    with statements(db.engine) as sent:
        assert outbox.enqueue_many(session, batch, now=NOW) == set()
    assert len(sent) == chunks  # the key lookups only


def test_a_key_written_by_a_parallel_scheduler_after_the_lookup_is_skipped_not_an_error(session, monkeypatch):
    outbox.enqueue_many(session, [message("k:1")], now=NOW)
    session.commit()
    monkeypatch.setattr(outbox, "existing_keys", lambda session, keys: set())  # the lookup ran before it existed

    written = outbox.enqueue_many(session, [message("k:0"), message("k:1", subject="Anden"), message("k:2")],
                                  now=NOW)
    session.commit()

    assert written == {"k:0", "k:2"}
    assert count(session, OutboxMessage) == 3 and count(session, OutboxAttachment) == 3
    assert session.scalar(select(OutboxMessage.subject).where(OutboxMessage.idempotency_key == "k:1")) == "Besked k:1"


def test_two_schedulers_writing_overlapping_batches_at_once_write_each_key_once(app, db):
    first = [message(f"k:{i:04}") for i in range(700)]
    second = [message(f"k:{i:04}") for i in range(300, 1_000)]
    engine = db.engine  # the threads run outside the app context
    start = threading.Barrier(2)
    written: list[set[str]] = []
    errors: list[BaseException] = []

    def scheduler(batch):
        try:
            with Session(engine) as session:
                start.wait(timeout=10)
                written.append(outbox.enqueue_many(session, batch, now=NOW))
                session.commit()
        except BaseException as exc:  # noqa: BLE001 - reported by the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=scheduler, args=(b,)) for b in (first, second)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)

    assert errors == []
    assert sum(len(w) for w in written) == 1_000 and not set.intersection(*written)
    with Session(db.engine) as session:
        assert count(session, OutboxMessage) == 1_000 and count(session, OutboxAttachment) == 1_000


def test_a_message_added_earlier_in_the_same_transaction_counts_as_existing(session):
    session.add(OutboxMessage(idempotency_key="k:1", kind="test", channel="email", to_address="a@eksempel.dk",
                              subject="Først", body_text="", status="pending", attempts=0, created_at=NOW,
                              next_attempt_at=NOW))

    assert outbox.enqueue_many(session, [message("k:1"), message("k:2")], now=NOW) == {"k:2"}
    session.commit()
    assert count(session, OutboxMessage) == 2
