"""Every audit action the code base writes has a Danish label for the admin's audit log (portal.services.audit).

The actions are read from the source: the third argument of every `audit.record(…)` in portal/ and scheduling/
(tests/written_codes.py follows names and parameters back to their literals). A new action without a label fails
here, with its code.
"""
from __future__ import annotations

import functools

from portal.models.statuses import DfdgOutboundStatus, RegistrationStatus
from portal.services import audit
from tests.written_codes import Source, calls_to

# Actions built from a value the source does not spell out: the prefix and the values it takes.
PREFIXED = {
    # portal/services/offers/offers.py: a registration is written as registered or waitlisted
    "offers.": {RegistrationStatus.REGISTERED, RegistrationStatus.WAITLISTED},
    # portal/services/messaging/channels/jobcentre_exchange.py: each outcome of an envelope
    "dfdg.": set(DfdgOutboundStatus),
}
FAMILIES = {"job."}  # scheduling/jobs.py: one per run, `job.<job id>`; labelled as a family (audit.ACTION_FAMILIES)


@functools.cache
def written_actions() -> frozenset[str]:
    source = Source(["portal", "scheduling"])
    found, unread = source.values(calls_to("record", on=("audit",)), position=2, keyword="action")
    for item in unread:
        if item.prefix in FAMILIES:
            continue
        assert item.prefix in PREFIXED, (
            f"{item.where}: an audit action the test cannot read; write it as a literal or add its prefix to PREFIXED")
        found |= {item.prefix + value for value in PREFIXED[item.prefix]}
    return frozenset(found)


def test_every_written_action_has_a_danish_label():
    actions = written_actions()
    assert len(actions) > 100  # the scan finds them (about 120 in 2026)
    assert sorted(actions - set(audit.ACTION_LABELS)) == []


def test_every_label_is_for_an_action_still_written():
    assert sorted(set(audit.ACTION_LABELS) - written_actions()) == []


def test_the_job_family_covers_every_scheduled_job(app):
    from scheduling.jobs import JOBS

    assert FAMILIES == set(audit.ACTION_FAMILIES)
    with app.test_request_context():
        for job_id in JOBS:
            assert audit.action_label(f"job.{job_id}") == "Planlagt job kørt"
