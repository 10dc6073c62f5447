"""Accessibility and HTML validity of every page of every role, in Danish and English.

axe-core (bundled in axe-playwright-python, offline) runs on each page in Debian's chromium: zero violations of
impact serious or critical for the WCAG 2.1 A/AA rules. The raw HTML of each page goes through the Nu HTML
Checker (vnu-jar from the npm registry, run with the machine's Java): no errors. The checker runs once, on the
pages of every role and language, in the module's last test: one Java start instead of sixteen (each start cost
about 2.3 s of CPU on this machine, while the suite's other workers waited for the cores).
"""
from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from sqlalchemy import select

from tests.browser.conftest import DESKTOP
from tests.security.test_security_authz_matrix import MATRIX, ROLE_OF, _param_values

pytestmark = pytest.mark.slow  # started first under xdist (tests/conftest.py: heaviest modules first)

ROOT = Path(__file__).resolve().parents[2]
VNU = ROOT / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"
LOGINS = {"anonymous": None, "member": "medlem", "dismissed": "opsagt", "sick": "sygemeldt",
          "caseworker": "sagsbehandler",
          "steering": "styregruppe", "admin": "admin", "jobcenter": "jobcenter"}
NOT_HTML = re.compile(r"(\.ics|\.pdf|\.csv|\.json|/download|(?<!/min-side)(?<!/sagsbehandler)/beskeder|^/api/|^/healthz|"
                      r"^/webhooks|^/model/|^/logout|^/session/aktiv)")
# The raw HTML of each page the crawl opened, by role and language: the HTML checker's input (the last test).
CRAWLED: dict[str, list[Path]] = {}
WCAG = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]},
        "resultTypes": ["violations"]}


def pages_for(role: str, values: dict) -> list[str]:
    matrix_role = "member" if role in ("dismissed", "sick") else role
    urls = []
    for key, spec in MATRIX.items():
        method, rule = key.split(" ", 1)
        if method != "GET" or NOT_HTML.search(rule):
            continue
        if spec == "public":
            if role != "anonymous":
                continue  # public pages are checked once, anonymously
        elif role == "anonymous" or (spec != "any" and ROLE_OF.get(matrix_role, matrix_role) not in spec):
            continue
        url = rule
        for name in re.findall(r"<(?:[a-z]+:)?([a-z_]+)>", rule):
            url = re.sub(r"<(?:[a-z]+:)?" + name + r">", str(values[name]), url)
        urls.append(url)
    return sorted(set(urls))


@pytest.fixture(scope="module")
def world(portal):
    _base_url, app = portal
    from portal.extensions import db
    from portal.models import Member, User

    with app.app_context():
        medlem = db.session.scalar(select(Member).join(User, Member.user_id == User.id)
                                   .where(User.username == "medlem"))
        values = _param_values(db.session, medlem)
        db.session.remove()
    return values


@pytest.mark.parametrize("lang", ["da", "en"])
@pytest.mark.parametrize("role", list(LOGINS))
def test_every_page_passes_axe(pages, world, role, lang, tmp_path):
    page = pages.login(LOGINS[role], DESKTOP) if LOGINS[role] else pages.new(DESKTOP)
    page.goto(f"/?lang={lang}")
    axe = Axe()
    problems, html_files = [], []
    for url in pages_for(role, world):
        response = page.goto(url)
        status = response.status if response else 0
        if status >= 500 or status in (401, 403):
            problems.append(f"{url}: HTTP {status}")
            continue
        if status == 404:
            continue  # an id the demo data doesn't have for this role
        assert page.locator("html").get_attribute("lang") == lang, f"{url} not in {lang}"
        results = axe.run(page, options=WCAG)
        for violation in results.response["violations"]:
            if violation["impact"] in ("serious", "critical"):
                targets = ", ".join(str(n["target"]) for n in violation["nodes"][:3])
                problems.append(f"{url}: {violation['id']} ({violation['impact']}): {violation['help']} — {targets}")
        html_file = tmp_path / (re.sub(r"[^a-z0-9]+", "_", url.lower()).strip("_") + f"-{lang}.html")
        html_file.write_text(response.text(), encoding="utf-8")
        html_files.append(html_file)
    CRAWLED[f"{role}-{lang}"] = html_files
    assert not problems, "\n".join(problems)


def test_every_crawled_page_passes_the_html_checker():
    """The raw HTML of the pages test_every_page_passes_axe opened (all of them when the module runs whole)."""
    files = {path: crawl for crawl, paths in CRAWLED.items() for path in paths}
    if not files:
        pytest.skip("no page was crawled: this checks what test_every_page_passes_axe opened")
    if not VNU.exists() or not shutil.which("java"):
        pytest.skip("!! vnu-jar or java missing: run `make tools` (HTML checker skipped)")
    run = subprocess.run(["java", "-jar", str(VNU), "--errors-only", "--format", "json", *map(str, files)],
                         capture_output=True, text=True, check=False)
    messages = json.loads(run.stderr or run.stdout or '{"messages": []}')["messages"]
    where = {f"file:{path.resolve()}": f"{crawl} {path.name}" for path, crawl in files.items()}  # vnu's "url"
    errors = [f"{where.get(m.get('url'), m.get('url'))}:{m.get('lastLine', '?')}: {m.get('message')} "
              f"[{m.get('extract', '')!r}]" for m in messages if m.get("type") == "error"]
    assert not errors, "\n".join(errors)
