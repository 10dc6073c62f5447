"""A table that scrolls sideways on a phone (`.table-wrap`) can be scrolled with the keyboard and is named: the
wrapper is focusable (tabindex="0"), a region, and labelled by the table's caption or heading (WCAG 2.1.1,
1.3.1, 4.1.2). "Hvem har set min sag" on /min-side/mine-data could not be reached without a mouse."""
from __future__ import annotations

import re
from pathlib import Path

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"
WRAP = re.compile(r'<div class="table-wrap[^"]*"[^>]*>')


def test_every_scrolling_table_can_take_the_focus_and_has_a_name():
    problems, seen = [], 0
    for path in sorted(TEMPLATES.rglob("*.html")):
        text = path.read_text(encoding="utf-8")
        for tag in WRAP.findall(text):
            seen += 1
            where = f"{path.relative_to(TEMPLATES)}: {tag}"
            if 'tabindex="0"' not in tag or 'role="region"' not in tag:
                problems.append(f"{where} needs tabindex=\"0\" and role=\"region\"")
            labelled = re.search(r'aria-labelledby="([^"]+)"', tag)
            if labelled:
                ids = [] if "{{" in labelled.group(1) else labelled.group(1).split()  # (made ids: see their page)
                problems += [f"{where} names #{i}, which the template does not have" for i in ids
                             if f'id="{i}"' not in text]
            elif "aria-label=" not in tag:
                problems.append(f"{where} needs aria-label or aria-labelledby")
    assert seen > 15
    assert not problems, "\n".join(problems)


def test_who_has_opened_my_file_scrolls_with_the_keyboard_on_my_data(client, auth, make):
    cw = make.caseworker("sb-odense")
    mette = make.member("mette", caseworker=cw)
    make.commit()
    auth.login("sb-odense")
    assert client.get(f"/sagsbehandler/medlem/{mette.member_number}").status_code == 200  # an audited opening
    auth.logout()
    auth.login("mette")
    html = client.get("/min-side/mine-data").get_data(as_text=True)
    assert '<div class="table-wrap" tabindex="0" role="region" aria-labelledby="access-caption">' in html
    assert '<caption id="access-caption"' in html
