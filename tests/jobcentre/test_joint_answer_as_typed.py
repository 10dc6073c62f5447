"""joint_conversation.answer_as_typed: the job centre's answer with the proposed time as typed on its page."""
from __future__ import annotations

import pytest

from portal.services.errors import ValidationFailed
from portal.services.jobcentre import jobcentre, joint_conversation
from tests.booking_helpers import NOW, utc
from tests.jobcentre.test_jobcentre_joint import book_joint, invitation, world  # noqa: F401 (a fixture)

pytestmark = pytest.mark.clock(NOW)  # Monday 22 March 2027, 09:00 in Copenhagen


@pytest.fixture
def invited(session, world):  # noqa: F811 (the fixture imported above)
    book_joint(session, world, utc(2027, 3, 24, 9, 0))
    return jobcentre.jobcentre_scope(session, world["odense"]), invitation(session)


@pytest.mark.parametrize(("typed", "expected"), [
    ("2027-03-30 10:00", utc(2027, 3, 30, 8, 0)),  # summer time in Copenhagen: UTC+2
    ("2027-03-26T10:00", utc(2027, 3, 26, 9, 0)),  # still winter time: UTC+1
    ("  2027-03-26 10:00  ", utc(2027, 3, 26, 9, 0)),
    ("", None), ("   ", None), (None, None),
])
def test_parse_counter_time_reads_copenhagen_wall_clock(typed, expected):
    assert joint_conversation.parse_counter_time(typed) == expected


@pytest.mark.parametrize("typed", ["i morgen kl. 10", "2027-13-01 10:00", "30.03.2027 10:00"])
def test_parse_counter_time_refuses_what_is_not_a_date_and_time(typed):
    with pytest.raises(ValidationFailed, match="fx 2026-03-20 10:00") as err:
        joint_conversation.parse_counter_time(typed)
    assert err.value.field == "counter_time"


def test_a_typed_counter_proposal_is_stored_in_utc(session, invited):
    scope, message = invited
    found = joint_conversation.answer_as_typed(session, scope, message.id, accept=False,
                                               counter_text="2027-03-30 11:00", reason="Vi kan om eftermiddagen",
                                               now=NOW)
    assert (found.decision, found.counter_time) == ("counter", utc(2027, 3, 30, 9, 0))


def test_accepting_ignores_whatever_was_typed_as_a_time(session, invited):
    scope, message = invited
    found = joint_conversation.answer_as_typed(session, scope, message.id, accept=True,
                                               counter_text="ikke en tid", reason="", now=NOW)
    assert (found.decision, found.counter_time) == ("accepted", None)


def test_an_unreadable_time_is_refused_before_anything_changes(session, invited):
    scope, message = invited
    with pytest.raises(ValidationFailed, match="fx 2026-03-20 10:00"):
        joint_conversation.answer_as_typed(session, scope, message.id, accept=False, counter_text="snart",
                                           reason="", now=NOW)
    assert message.status == "sent" and message.decision is None


def test_a_counter_proposal_without_a_time_asks_for_one(session, invited):
    scope, message = invited
    with pytest.raises(ValidationFailed, match="Angiv det tidspunkt"):
        joint_conversation.answer_as_typed(session, scope, message.id, accept=False, counter_text=" ",
                                           reason="", now=NOW)


def test_counter_proposal_is_the_time_only_when_that_was_the_answer(session, invited):
    scope, message = invited
    assert joint_conversation.counter_proposal(None) is None
    assert joint_conversation.counter_proposal(message) is None  # not answered yet
    joint_conversation.answer_as_typed(session, scope, message.id, accept=False, counter_text="2027-03-30 11:00",
                                       reason="", now=NOW)
    assert joint_conversation.counter_proposal(message) == utc(2027, 3, 30, 9, 0)
