"""Administration: overview and the audit log (filter by member or by staff member)."""
from __future__ import annotations

from flask import Blueprint, current_app, render_template, request
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import func, select

from portal.auth.decorators import role_required
from portal.auth.service import failed_login_report
from portal.extensions import db
from portal.models import AuditEntry, Member, User
from portal.query_args import db_int
from portal.services import audit
from portal.timeutil import utcnow
from portal.unit_of_work import unit_of_work

bp = Blueprint("admin", __name__, url_prefix="/admin")

PAGE_SIZE = 50
ROLE_NAMES = {"member": _l("Medlem"), "caseworker": _l("Sagsbehandler"), "steering": _l("Styregruppe"),
              "admin": _l("Administrator")}


@bp.route("/")
@role_required("admin")
def home():
    counts = {
        "members": db.session.scalar(select(func.count()).select_from(Member)),
        "users": db.session.scalar(select(func.count()).select_from(User)),
        "audit": db.session.scalar(select(func.count()).select_from(AuditEntry)),
    }
    failed = failed_login_report(db.session, free_failures=current_app.config["LOGIN_FREE_FAILURES"], now=utcnow())
    return render_template("admin/home.html", counts=counts, failed=failed, role_names=ROLE_NAMES,
                           max_delay_minutes=current_app.config["LOGIN_MAX_DELAY_MINUTES"])


@bp.route("/audit")
@role_required("admin")
def audit_log():
    member_number = (request.args.get("medlem") or "").strip()[:12]
    staff = (request.args.get("medarbejder") or "").strip()[:80]
    page = max(1, request.args.get("side", 1, type=db_int) or 1)
    query = select(AuditEntry).order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
    member = None
    if member_number:
        member = db.session.scalar(select(Member).where(Member.member_number == member_number))
        query = query.where(AuditEntry.member_id == (member.id if member else -1))
    if staff:
        staff_user = db.session.scalar(select(User).where(User.username == staff))
        query = query.where(AuditEntry.actor_user_id == (staff_user.id if staff_user else -1))
    entries = list(db.session.scalars(query.limit(PAGE_SIZE + 1).offset((page - 1) * PAGE_SIZE)))
    with unit_of_work():
        audit.record(db.session, current_user, "audit.view", member_id=member.id if member else None,
                     detail={"member_number": member_number, "staff": staff})
    return render_template(
        "admin/audit.html", entries=entries[:PAGE_SIZE], has_more=len(entries) > PAGE_SIZE, page=page,
        member_number=member_number, staff=staff,
    )
