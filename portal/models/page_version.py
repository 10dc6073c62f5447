"""Which rows a member's Min side is made of have changed: one version number per member, and one for what every
member's page shows (offers, sessions, caseworkers, places, staff names), kept by triggers in the database (issue 19).

Min side keeps its rendered page, her chat with it (portal/services/minside/home_cache.py), and asks, on every
visit, for these two numbers: any write to a row the page shows (by the portal, the scheduler, the action server or
plain SQL) has bumped one of them before it commits, so a kept page is never shown after its data changed.

`SOURCES` says, per table the page reads, which version a written row bumps: the SQL of the scope, `{row}` standing
for NEW or OLD, and the columns an UPDATE must touch to count (None: any). A test (tests/minside/test_home_cache.py)
reads Min side for members in every state and fails if it reads a table or, for a table with columns listed, a column
that is not here or in NEVER_SHOWN. Changing `SOURCES` needs a migration that makes the triggers again
(`create_triggers`, as 0026).

SQLite: AFTER triggers with an upsert. PostgreSQL: one plpgsql function per table. A bump takes the version row's
lock until its transaction ends, so two transactions that write for the same member take turns there.
"""
from __future__ import annotations

from sqlalchemy import BigInteger, String, event
from sqlalchemy.orm import Mapped, mapped_column

from portal.extensions import db

SHARED = "shared"  # the scope of what every member's page shows


def member_scope(member_id: int) -> str:
    return f"member:{member_id}"


def _member(column: str) -> str:
    return f"'member:' || {{row}}.{column}"


_BY_USER = "'member:' || (SELECT m.id FROM member m WHERE m.user_id = {row}.user_id)"
_BY_CHAT = "'member:' || (SELECT c.member_id FROM chat_conversation c WHERE c.id = {row}.conversation_id)"
_BY_OWN_USER = "COALESCE('member:' || (SELECT m.id FROM member m WHERE m.user_id = {row}.id), 'shared')"  # SHARED

SOURCES: dict[str, tuple[str, tuple[str, ...] | None]] = {
    # the member's own rows
    "member": (_member("id"), None),
    "booking": (_member("member_id"), None),
    "plan_item": (_member("member_id"), None),
    "notification": (_BY_USER, None),
    "preparation_answer": (_member("member_id"), None),
    "jobmatch_cv": (_member("member_id"), None),
    "profiling_group_decision": (_member("member_id"), None),
    "profiling_group_objection": (_member("member_id"), None),
    "held_conversation": (_member("member_id"), None),
    "chat_conversation": (_member("member_id"), None),
    "chat_message": (_BY_CHAT, None),  # her Min side chat is on the page
    "chat_handoff": (_BY_CHAT, None),
    "consent": (_member("member_id"), None),
    "offer_registration": (_member("member_id"), None),
    # what every member's page shows: taking a seat changes only seats_taken (and updated_at), which no page shows
    "offer": (f"'{SHARED}'", None),
    "offer_session": (f"'{SHARED}'", ("offer_id", "starts_at", "ends_at", "status")),
    "caseworker": (f"'{SHARED}'", None),
    "service_location": (f"'{SHARED}'", None),
    # names (a caseworker's, hers): a member's own row bumps her version, anyone else's the shared one; a login's
    # bookkeeping (NEVER_SHOWN) bumps nothing
    "user_account": (_BY_OWN_USER, ("username", "role", "display_name", "email", "locale", "active", "created_at")),
}
# Columns a page reads (the ORM loads a user's row whole) but never shows, which no trigger watches.
NEVER_SHOWN = {"user_account": ("password_hash", "failed_logins", "locked_until", "last_login_at",
                                "session_generation")}


class PageVersion(db.Model):
    __tablename__ = "page_version"

    scope: Mapped[str] = mapped_column(String(40), primary_key=True)
    version: Mapped[int] = mapped_column(BigInteger, nullable=False)


_UPSERT = ("INSERT INTO page_version (scope, version) SELECT DISTINCT scope, 1 FROM ({rows}) AS changed "
           "WHERE scope IS NOT NULL ON CONFLICT (scope) DO UPDATE SET version = page_version.version + 1")


def _sqlite(table: str, scope: str, columns: tuple[str, ...] | None) -> list[str]:
    update = f"UPDATE OF {', '.join(columns)}" if columns else "UPDATE"
    rows = {"INSERT": f"SELECT {scope.format(row='NEW')} AS scope",
            "DELETE": f"SELECT {scope.format(row='OLD')} AS scope",
            update: f"SELECT {scope.format(row='OLD')} AS scope UNION SELECT {scope.format(row='NEW')}"}
    return [f"CREATE TRIGGER page_version_{table}_{when.split()[0].lower()} AFTER {when} ON {table} "
            f"BEGIN {_UPSERT.format(rows=select)}; END" for when, select in rows.items()]


def _postgresql(table: str, scope: str, columns: tuple[str, ...] | None) -> list[str]:
    # OLD is NULL in an INSERT trigger and NEW in a DELETE trigger (PostgreSQL 11 and later)
    rows = (f"SELECT CASE WHEN TG_OP <> 'INSERT' THEN {scope.format(row='OLD')} END AS scope "
            f"UNION ALL SELECT CASE WHEN TG_OP <> 'DELETE' THEN {scope.format(row='NEW')} END")
    update = f"UPDATE OF {', '.join(columns)}" if columns else "UPDATE"
    function = (f"CREATE FUNCTION page_version_{table}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
                f"{_UPSERT.format(rows=rows)}; RETURN NULL; END $$")
    trigger = (f"CREATE TRIGGER page_version AFTER INSERT OR DELETE OR {update} ON {table} "
               f"FOR EACH ROW EXECUTE FUNCTION page_version_{table}()")
    return [function, trigger]


def trigger_statements(dialect: str) -> list[str]:
    make = _postgresql if dialect == "postgresql" else _sqlite
    return [statement for table, (scope, columns) in SOURCES.items() for statement in make(table, scope, columns)]


def drop_statements(dialect: str) -> list[str]:
    if dialect == "postgresql":
        return [f"DROP FUNCTION IF EXISTS page_version_{table}() CASCADE" for table in SOURCES]
    return [f"DROP TRIGGER IF EXISTS page_version_{table}_{when} " for table in SOURCES
            for when in ("insert", "update", "delete")]


def create_triggers(execute, dialect: str) -> None:
    """(Re)make every table's trigger: `execute` runs one SQL statement (a migration's `op.execute`)."""
    for statement in drop_statements(dialect) + trigger_statements(dialect):
        execute(statement)


@event.listens_for(db.metadata, "after_create")
def _triggers_for_create_all(target, connection, **kw) -> None:  # the tests' schema (tests/conftest.py)
    from sqlalchemy import text

    create_triggers(lambda sql: connection.execute(text(sql)), connection.dialect.name)
