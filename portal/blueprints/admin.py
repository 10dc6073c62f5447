"""Administration: overview and the audit log (filter by member or by staff member)."""
from __future__ import annotations

from flask import Blueprint, current_app, render_template, request
from flask_login import current_user

from portal.auth.decorators import role_required
from portal.auth.service import failed_login_report
from portal.extensions import db
from portal.i18n import lazy_gettext as _l
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
    counts = audit.overview_counts(db.session)
    failed = failed_login_report(db.session, free_failures=current_app.config["LOGIN_FREE_FAILURES"], now=utcnow())
    return render_template("admin/home.html", counts=counts, failed=failed, role_names=ROLE_NAMES,
                           max_delay_minutes=current_app.config["LOGIN_MAX_DELAY_MINUTES"])


@bp.route("/audit")
@role_required("admin")
def audit_log():
    member_number = (request.args.get("medlem") or "").strip()[:12]
    staff = (request.args.get("medarbejder") or "").strip()[:80]
    page = max(1, request.args.get("side", 1, type=db_int) or 1)
    with unit_of_work():  # the audited look, committed after rendering (the rows stay loaded)
        lines, has_more = audit.search_log(db.session, current_user, member_number=member_number,
                                             staff_username=staff, page=page, now=utcnow(), page_size=PAGE_SIZE)
        html = render_template("admin/audit.html", lines=lines, has_more=has_more, page=page,
                               member_number=member_number, staff=staff, action_label=audit.action_label,
                               actor_text=audit.actor_text)
    return html
