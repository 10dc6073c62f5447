"""The form fuzzing's database watch (tests/form_fuzz.py): its fingerprint moves with every write a refused form
must not make, and stays put for read audit entries and login bookkeeping, as its docstring says."""
from __future__ import annotations

import sqlite3

import pytest
from sqlalchemy import text

from portal.services.audit import ACTION_LABELS
from tests.conftest import TEST_DATABASE_URL
from tests.form_fuzz import READ_OR_LOGIN_AUDIT, READ_OR_LOGIN_AUDIT_SQL, DatabaseWatch

pytestmark = pytest.mark.skipif(bool(TEST_DATABASE_URL), reason="watches a SQLite file")


def test_the_sql_and_the_pattern_pass_over_the_same_audit_actions():
    actions = [*ACTION_LABELS, "member.viewed", "booking.calendar_view", "login.failed", "login.throttled",
               "login.succeeded", "profile.update", "export.done", "xview", "views", "", None]
    with sqlite3.connect(":memory:") as conn:
        for action in actions:
            in_sql = conn.execute(f"SELECT {READ_OR_LOGIN_AUDIT_SQL} FROM (SELECT ? AS action)", (action,)).fetchone()[0]
            assert bool(in_sql) == bool(READ_OR_LOGIN_AUDIT.search(action or "")), action


def test_the_fingerprint_moves_with_a_write_and_not_with_a_read_entry_or_login_bookkeeping(app, db, make):
    member = make.member(first_name="Vagt")
    make.commit()
    watch = DatabaseWatch(db.engine.url.database)
    try:
        before = watch.fingerprint()

        def run(sql: str, **values) -> dict[str, str]:
            with db.engine.begin() as conn:
                conn.execute(text(sql), values)
            assert watch.changed()
            after = watch.fingerprint()
            changed = {table for table in after if after[table] != before[table]}
            before.update(after)
            return changed

        insert = ("INSERT INTO audit_entry (at, actor_label, action, member_id, detail) "
                  "VALUES ('2026-12-07 09:00:00', 'user:1', :action, :member, '{}')")
        assert run(insert, action="member.file_opened", member=member.id) == set()
        assert run(insert, action="login.failed", member=None) == set()
        assert run("UPDATE user_account SET failed_logins = 3 WHERE id = :id", id=member.user_id) == set()
        assert run(insert, action="profile.update", member=member.id) == {"audit_entry"}
        changed = run("UPDATE member SET first_name = 'Vagn' WHERE id = :id", id=member.id)
        assert changed == {"member", "page_version"}  # the portal's own trigger bumps Min side's version
        assert run("DELETE FROM audit_entry WHERE action = 'member.file_opened'") == set()
        assert run("DELETE FROM audit_entry WHERE action = 'profile.update'") == {"audit_entry"}
        assert not watch.changed()
        with db.engine.connect() as conn:  # a write rolled back is not a write
            conn.execute(text("UPDATE member SET first_name = 'Vagner' WHERE id = :id"), {"id": member.id})
            conn.rollback()
        assert not watch.changed() and watch.fingerprint() == before
    finally:
        watch.close()
