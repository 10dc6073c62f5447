"""What Min side's "Tilbud til dig" promises a member, by status and target group, in one place.

DOMAIN.md and the application: dismissed members get the notice-period offers (section 6.1); group 2 the extra
course (focus conversations, webinars, theme meetings, FVU; 2.1.2); sick-listed members the dismissed members'
offers where relevant (6.1); group 1 sparring, job matching and the open offers.
"""
from __future__ import annotations

from dataclasses import dataclass

from portal.i18n import lazy_gettext as _l
from portal.models import Member
from portal.models.statuses import MemberStatus

CONVERSATION = _l("En samtale om, hvordan du kommer videre")
JOBMATCH = _l("Jobmatch: dit CV i FOA JobMatch, så vi kan sende dig videre til ledige job")
JOB_SEARCH = _l("Vejledning i jobsøgning og en jobagent i FOA Job")
COURSES = _l("Kurser og uddannelse i dit fag, fx 6 ugers jobrettet uddannelse")
UPSKILLING = _l("Opkvalificering: FVU (læsning, skrivning, regning), IT-kurser og danskundervisning")
NEW_PATH = _l("Hjælp til at finde en ny vej – måske et nyt fag")
RIGHTS = _l("Dine rettigheder, pligter og muligheder, hvis du bliver ledig")
FOCUS = _l("To fokussamtaler – ved fremmøde, telefon eller video, som du foretrækker")
WEBINARS = _l("Webinarer om at finde job, søge job og gå til samtale")
THEME_MEETINGS = _l("Temamøder i din afdeling om jobsøgning, IT og uddannelse")
FVU = _l("FVU – læsning, skrivning og regning – hvis du har brug for det")
CLUBS = _l("Jobklub, IT-café og jobdating med arbejdsgivere")
CALLS = _l("Samtaler pr. telefon eller video mellem dine faste samtaler")
# What a sick-listed member books on Min side (the follow-up types; the notice-period conversation is for dismissed
# members): promised as what it is.
SICK_CONVERSATION = _l("En opfølgningssamtale pr. telefon eller video om, hvordan du kommer videre – book "
                       "»Opfølgning pr. telefon« eller »Opfølgning pr. video« under »Book samtale«")


@dataclass(frozen=True)
class Overview:
    intro: str | None
    items: tuple[str, ...]
    hint: str | None = None


DISMISSED = Overview(None, (CONVERSATION, JOBMATCH, JOB_SEARCH, COURSES, UPSKILLING, NEW_PATH, RIGHTS),
                     _l("Er du omfattet af tryghedspuljen, kan du have ret til op til 20.000 kr. til opkvalificering "
                        "i opsigelsesperioden."))
GROUP_2 = Overview(_l("Du får et ekstra forløb hos os med mere støtte på vejen til dit næste job:"),
                   (FOCUS, WEBINARS, THEME_MEETINGS, FVU))
SICK_LISTED = Overview(_l("Som sygemeldt kan du få de samme tilbud som opsagte medlemmer, når det passer til dig:"),
                       (SICK_CONVERSATION, JOBMATCH, UPSKILLING, NEW_PATH, WEBINARS))
GROUP_1 = Overview(_l("Vi giver dig sparring på din jobsøgning og matcher dig med job. Du er også velkommen til:"),
                   (WEBINARS, CLUBS, CALLS))


def for_member(member: Member) -> Overview | None:
    """None for a member in a job: nothing to offer on Min side (her target group is from her last unemployment;
    the group 2 course is not hers while she works)."""
    if member.status == MemberStatus.I_JOB:
        return None
    if member.status == MemberStatus.OPSAGT:
        return DISMISSED
    if member.target_group in ("2a", "2b"):
        return GROUP_2
    if member.status == MemberStatus.SYGEMELDT:
        return SICK_LISTED
    if member.status == MemberStatus.LEDIG:
        return GROUP_1
    return None
