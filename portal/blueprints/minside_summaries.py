"""Min side: the member's own conversation summaries (/min-side/referater, also as PDF) and who has opened their
file (/min-side/adgang). The caseworker's side of the summaries is in caseworker.py. Thin: parse, call, render."""
from __future__ import annotations

from flask import Blueprint, abort, render_template
from flask_login import current_user
from sqlalchemy import select

from portal.auth.decorators import role_required
from portal.blueprints.caseworker import summary_pdf_response
from portal.extensions import db
from portal.models import Member
from portal.services import access
from portal.services.casework import summary
from portal.timeutil import utcnow
from portal.unit_of_work import unit_of_work

bp = Blueprint("minside_summaries", __name__)


def _own_member() -> Member:
    member = db.session.scalar(select(Member).where(Member.user_id == current_user.id))
    if member is None:
        abort(404)
    return member


@bp.route("/min-side/referater")
@role_required("member")
def my_summaries():
    member = _own_member()
    return render_template("caseworker/my_summaries.html", summaries=summary.member_summaries(db.session, member))


@bp.route("/min-side/referater/<int:summary_id>")
@role_required("member")
def my_summary(summary_id: int):
    member = _own_member()
    item = summary.member_summary(db.session, member, summary_id)
    with unit_of_work():  # committed after rendering, as the staff's summary page
        summary.record_member_read(db.session, current_user, item, utcnow())
        html = render_template("caseworker/summary.html", summary=item, content=item.content, staff_view=False,
                               can_edit=False)
    return html


@bp.route("/min-side/referater/<int:summary_id>.pdf")
@role_required("member")
def my_summary_pdf(summary_id: int):
    member = _own_member()
    item = summary.member_summary(db.session, member, summary_id)
    return summary_pdf_response(item)


@bp.route("/min-side/adgang")
@role_required("member")
def my_file_openings():
    """Who has opened my file (DOMAIN.md, data protection; the issue: members see who opened their file)."""
    member = _own_member()
    entries = access.file_openings(db.session, member)
    return render_template("caseworker/my_file_openings.html", entries=entries)
