"""Checks that a form page with errors says them where a screen reader looks (WCAG 1.3.1, 3.3.1), with
html.parser (no tests here; tests/core/test_form_error_links.py runs them on every form it can reach):

- a field marked aria-invalid names its error message in aria-describedby (a field-error, or its line in the
  error summary), and every id it names exists;
- no element has aria-describedby twice (browsers keep the first, so a hint written before the error helper hid
  the error);
- every field error on the page is named by a field (an error nobody points to is never read with its field);
- a field the error summary links to is on the page and marked aria-invalid (a radio button or check box: its group, the
  fieldset around it, names the error instead; aria-invalid does not belong on a group);
- the error summary can take the focus (tabindex="-1"; static/js/app.js moves the focus there).
"""
from __future__ import annotations

from html.parser import HTMLParser

FORM_CONTROLS = {"input", "select", "textarea", "fieldset"}
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


class _Page(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[dict] = []
        self.by_id: dict[str, dict] = {}
        self._open: list[dict] = []
        self.summary_links: list[str] = []

    def handle_starttag(self, tag, attrs):
        names = [name for name, _value in attrs]
        a = dict(attrs)
        classes = (a.get("class") or "").split()
        in_summary = any("error-summary" in e["classes"] for e in self._open)
        element = {"tag": tag, "attrs": a, "classes": classes, "in_summary": in_summary or "error-summary" in classes,
                   "describedby_count": names.count("aria-describedby"),
                   "fieldsets": [e for e in self._open if e["tag"] == "fieldset"]}
        self.elements.append(element)
        if a.get("id"):
            self.by_id[a["id"]] = element
        if tag == "a" and in_summary and (a.get("href") or "").startswith("#"):
            self.summary_links.append(a["href"][1:])
        if tag not in VOID:
            self._open.append(element)

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag not in VOID and self._open:
            self._open.pop()

    def handle_endtag(self, tag):
        for i in range(len(self._open) - 1, -1, -1):
            if self._open[i]["tag"] == tag:
                del self._open[i:]
                break


def _is_error_message(element: dict) -> bool:
    return "field-error" in element["classes"] or element["in_summary"]


def error_link_problems(html: str) -> list[str]:
    """What a screen-reader user would miss on this page (empty when nothing)."""
    page = _Page()
    page.feed(html)
    problems: list[str] = []
    named: set[str] = set()
    for element in page.elements:
        a = element["attrs"]
        label = f"<{element['tag']} id={a.get('id')!r}>"
        if element["describedby_count"] > 1:
            problems.append(f"{label} has aria-describedby {element['describedby_count']} times (only the first counts)")
        ids = (a.get("aria-describedby") or "").split()
        named.update(ids)
        for missing in [i for i in ids if i not in page.by_id]:
            problems.append(f"{label} names #{missing} in aria-describedby, which is not on the page")
        if a.get("aria-invalid") == "true" and not any(
                i in page.by_id and _is_error_message(page.by_id[i]) for i in ids):
            problems.append(f"{label} is aria-invalid but its aria-describedby ({' '.join(ids) or 'none'}) names "
                            "no error message")
    for element in page.elements:
        a = element["attrs"]
        if "field-error" in element["classes"] and not a.get("id"):
            problems.append(f"a field error ({element['tag']}) has no id, so no field can name it")
        elif "field-error" in element["classes"] and a["id"] not in named:
            problems.append(f"the error #{a['id']} is named by no field's aria-describedby")
    def names_an_error(element: dict) -> bool:
        ids = (element["attrs"].get("aria-describedby") or "").split()
        return any(i in page.by_id and _is_error_message(page.by_id[i]) for i in ids)

    for target in page.summary_links:
        element = page.by_id.get(target)
        if element is None:
            problems.append(f"the error summary links to #{target}, which is not on the page")
            continue
        if element["tag"] not in FORM_CONTROLS or element["attrs"].get("aria-invalid") == "true":
            continue
        in_group = element["tag"] == "fieldset" or element["attrs"].get("type") in ("radio", "checkbox")
        groups = ([element] if element["tag"] == "fieldset" else []) + element["fieldsets"]
        if not (in_group and any(names_an_error(g) for g in groups)):
            problems.append(f"the error summary links to #{target}, which is not marked aria-invalid")
    for element in page.elements:
        if "error-summary" in element["classes"] and element["attrs"].get("tabindex") != "-1":
            problems.append("the error summary has no tabindex=\"-1\", so it cannot take the focus")
    return problems
