"""Every kind of outbox message the code base writes has a Danish label on /admin/udbakke.

The kinds are read from the source: the `kind` of every `outbox.enqueue(…)` and `outbox.NewMessage(…)` in portal/
and scheduling/ (tests/written_codes.py follows names, parameters and f-strings back to their literals). A new kind
without a label in portal/blueprints/outbox_admin.py fails here, with its code.
"""
from __future__ import annotations

from portal.blueprints.outbox_admin import KIND_LABELS
from tests.written_codes import Source, calls_to


def written_kinds() -> set[str]:
    source = Source(["portal", "scheduling"])
    found, unread = source.values(calls_to("enqueue", "NewMessage", on=("outbox",)), position=None, keyword="kind")
    assert unread == [], "an outbox kind the test cannot read; write it as a literal or a name bound to literals"
    return found


def test_every_written_kind_has_a_danish_label_and_every_label_a_kind():
    kinds = written_kinds()
    assert {"booking_reminder", "offers.registered", "booking_moved_jobcenter"} <= kinds  # the scan finds them
    assert sorted(kinds - set(KIND_LABELS)) == []
    assert sorted(set(KIND_LABELS) - kinds) == []
