"""Who acts: a signed-in user, or one of the portal's named system actors.

Services take the actor as an argument (`actor: Actor`) so a view, the scheduler, a chatbot action and a `flask`
command can call the same function; `portal/services/audit.py` records it as `user:<id>` or as the system actor's
name. The names are the strings the audit log has always stored, so old and new entries read the same.
"""
from __future__ import annotations

from enum import StrEnum
from typing import TypeAlias

from portal.models.users import User


class SystemActor(StrEnum):
    """An actor that is not a signed-in user; the value is what the audit log's `actor_label` says."""

    SCHEDULER = "scheduler"  # a scheduled job (scheduling/jobs.py)
    CHATBOT = "chatbot"  # the chatbot, acting for the member in the chat
    CLI = "cli"  # a `flask` command run by an operator
    DEMO = "demo"  # the demo seed (portal/demo/)
    SYSTEM = "system"  # a rule the portal applies by itself (a freed seat offered to the next on the waiting list)
    SURVEY_LINK = "survey-link"  # a member answering a survey through its link, not signed in
    FVU_LINK = "fvu-link"  # the FVU provider reporting through its feedback link
    JOBCENTRE_EXCHANGE = "jobcentre-exchange"  # the job-centre exchange delivering a message to the job centre


Actor: TypeAlias = User | SystemActor
"""A signed-in user or a named system actor. (`None`, nobody signed in, only where a function says so.)"""

