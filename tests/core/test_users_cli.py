"""`flask users …`: staff accounts are created only when every option holds (checked before the password is asked
for), usernames are unique whatever their case, and an administrator can lock out a leaver and reset a password,
both in the audit log as "cli"."""
from __future__ import annotations

from sqlalchemy import func, select

from portal.models import AuditEntry, User
from tests.factories import PASSWORD

NEW_PASSWORD = "et-helt-nyt-kodeord"


def _create(runner, *extra, password: str | None = "lang-nok-kode", **kwargs):
    args = ["users", "create", *extra]
    if password is not None:
        args += ["--password", password]
    return runner.invoke(args=args, **kwargs)


def _users(session, username):
    return session.scalar(select(func.count()).select_from(User).where(func.lower(User.username) ==
                                                                        username.lower()))


def test_a_member_login_is_refused_with_where_members_come_from(runner, session):
    result = _create(runner, "--username", "nyt-medlem", "--role", "member", "--name", "Nyt Medlem")
    assert result.exit_code == 2
    assert "medlemsregistret" in result.output
    assert _users(session, "nyt-medlem") == 0


def test_a_caseworker_without_location_is_told_to_give_one_without_python_none(runner, session):
    result = _create(runner, "--username", "sb-uden", "--role", "caseworker", "--name", "Sb Uden")
    assert result.exit_code == 2
    assert "--location" in result.output and "None" not in result.output
    assert _users(session, "sb-uden") == 0


def test_usernames_differing_only_in_case_are_refused(runner, make, session):
    make.location("Odense")
    make.commit()
    first = _create(runner, "--username", "testcw", "--role", "admin", "--name", "Test Admin")
    assert first.exit_code == 0, first.output
    second = _create(runner, "--username", "TESTCW", "--role", "admin", "--name", "Test Admin")
    assert second.exit_code == 2 and "findes allerede" in second.output
    assert _users(session, "testcw") == 1


def test_an_invalid_email_is_refused_and_a_valid_one_is_normalised(runner, session):
    refused = _create(runner, "--username", "adm-x", "--role", "admin", "--name", "Adm X", "--email", "notanemail")
    assert refused.exit_code == 2 and "gyldig e-mailadresse" in refused.output
    assert _users(session, "adm-x") == 0
    made = _create(runner, "--username", "adm-y", "--role", "admin", "--name", "Adm Y", "--email",
                   "Adm.Y@EKSEMPEL.DK")
    assert made.exit_code == 0, made.output
    assert session.scalar(select(User.email).where(User.username == "adm-y")) == "Adm.Y@eksempel.dk"


def test_options_are_checked_before_the_password_is_asked_for(runner, session):
    result = _create(runner, "--username", "sb-atlantis", "--role", "caseworker", "--name", "Sb A",
                     "--location", "Atlantis", password=None, input="")
    assert result.exit_code == 2
    assert "Ukendt betjeningssted" in result.output and "Password" not in result.output


def test_the_password_is_asked_for_hidden_and_twice(runner, session, make):
    make.location("Odense")
    make.commit()
    result = _create(runner, "--username", "sb-ny", "--role", "caseworker", "--name", "Sb Ny", "--location",
                     "Odense", password=None, input=f"{NEW_PASSWORD}\n{NEW_PASSWORD}\n")
    assert result.exit_code == 0, result.output
    assert NEW_PASSWORD not in result.output  # hidden
    assert _users(session, "sb-ny") == 1


def test_a_deactivated_user_cannot_log_in_and_their_open_session_ends(runner, client, auth, make, session):
    make.caseworker("leaver")
    make.commit()
    assert auth.login("leaver").status_code == 302
    assert client.get("/sagsbehandler/").status_code == 200
    result = runner.invoke(args=["users", "deactivate", "leaver"])
    assert result.exit_code == 0, result.output
    assert client.get("/sagsbehandler/").status_code == 302  # the open session is gone: back to the login page
    refused = auth.login("leaver")
    assert refused.status_code == 401 and "Forkert brugernavn eller adgangskode" in refused.get_data(as_text=True)
    entry = session.scalar(select(AuditEntry).where(AuditEntry.action == "user.deactivate"))
    assert entry.actor_label == "cli" and entry.target_id == str(
        session.scalar(select(User.id).where(User.username == "leaver")))
    assert "deaktiveret" in runner.invoke(args=["users", "list"]).output


def test_set_password_replaces_the_password_ends_sessions_and_is_audited(runner, client, auth, make, session):
    make.caseworker("glemsom")
    make.commit()
    assert auth.login("glemsom").status_code == 302
    short = runner.invoke(args=["users", "set-password", "glemsom"], input="kort\nkort\n")
    assert short.exit_code == 2 and "mindst 10 tegn" in short.output
    mismatch = runner.invoke(args=["users", "set-password", "glemsom"], input=f"{NEW_PASSWORD}\nandet-kodeord-x\n")
    assert mismatch.exit_code != 0
    result = runner.invoke(args=["users", "set-password", "glemsom"], input=f"{NEW_PASSWORD}\n{NEW_PASSWORD}\n")
    assert result.exit_code == 0, result.output
    assert client.get("/sagsbehandler/").status_code == 302  # the old session ended
    assert auth.login("glemsom", PASSWORD).status_code == 401  # the old password no longer works
    assert auth.login("glemsom", NEW_PASSWORD).status_code == 302
    entries = session.scalars(select(AuditEntry).where(AuditEntry.action == "user.set_password")).all()
    assert [e.actor_label for e in entries] == ["cli"]


def test_an_unknown_username_is_said_plainly(runner):
    for command in ("deactivate", "set-password"):
        result = runner.invoke(args=["users", command, "ingen-saadan"], input="")
        assert result.exit_code == 2 and "Ingen bruger" in result.output
