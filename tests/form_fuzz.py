"""Helpers for the form fuzzing leg (tests/security/test_security_form_fuzz.py): find the forms, draw inputs, watch the database.

- `discover_forms` crawls a role's pages (every GET route plus the links they show) and collects each
  `<form method="post">` with its fields, one form per (action route pattern).
- `form_body` is a Hypothesis strategy: a urlencoded body for one form, with the CSRF token and hidden fields
  valid most of the time and the visible fields drawn from hostile values (huge, control characters, bidi marks,
  other scripts, invalid UTF-8, edge numbers and dates, unknown options, missing and repeated fields).
- `DatabaseWatch` tells whether a request committed anything to the SQLite file, and what.
"""
from __future__ import annotations

import hashlib
import re
import sqlite3
from collections import deque
from dataclasses import dataclass, field
from datetime import date, timedelta
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import quote_from_bytes, urlsplit

from hypothesis import strategies as st
from werkzeug.exceptions import HTTPException

# Pages that are not HTML or would end the crawl's session.
NOT_HTML = re.compile(r"(\.ics|\.pdf|\.csv|\.json|/download|^/api/|^/healthz|^/webhooks|^/model/|^/static/)")
TEXT_TYPES = {"text", "email", "tel", "search", "url", "password", "number", "date", "time", "datetime-local",
              "month", "week", "textarea", None}
CHOICE_TYPES = {"select", "radio", "checkbox", "submit", "button"}


@dataclass
class Field:
    name: str
    kind: str  # an <input> type, "select", "textarea", "submit"
    values: list[str] = field(default_factory=list)  # the page's value(s): options, radio values, hidden value
    required: bool = False


@dataclass
class Form:
    role: str
    page: str  # where it was found
    action: str  # the URL it posts to
    pattern: str  # the action's route, e.g. /min-side/plan/<int:item_id>/status
    fields: dict[str, Field]

    @property
    def key(self) -> str:
        return f"{self.role} {self.pattern}"


class _FormParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.forms: list[dict] = []
        self.links: list[str] = []
        self._form: dict | None = None
        self._select: Field | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "a" and a.get("href"):
            self.links.append(a["href"])
        elif tag == "form":
            self._form = {"method": (a.get("method") or "get").lower(), "action": a.get("action"), "fields": {}}
            self.forms.append(self._form)
        elif self._form is not None and tag in ("input", "select", "textarea", "button") and a.get("name"):
            kind = tag if tag in ("select", "textarea") else (a.get("type") or ("submit" if tag == "button"
                                                                                 else "text")).lower()
            entry = self._form["fields"].setdefault(a["name"], Field(a["name"], kind))
            entry.required = entry.required or "required" in a
            if tag == "select":
                self._select = entry
            elif a.get("value") is not None:
                entry.values.append(a["value"])
        elif tag == "option" and self._select is not None:
            self._select.values.append(a.get("value") or "")

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "select":
            self._select = None


def parse_page(html: str) -> tuple[list[dict], list[str]]:
    parser = _FormParser()
    parser.feed(html)
    return parser.forms, parser.links


def route_of(adapter, path: str, method: str):
    """The URL rule that answers `method path` (None if none does)."""
    try:
        rule, _args = adapter.match(path, method=method, return_rule=True)
    except HTTPException:
        return None
    return rule


def discover_forms(app, client, role: str, start_urls: list[str], *, per_route: int = 8,
                   max_pages: int = 250) -> tuple[dict[str, Form], int]:
    """Crawl from `start_urls` along the links on each page (at most `per_route` URLs per route) and return the
    POST forms by route pattern (the richest instance of each) and how many pages were read."""
    adapter = app.url_map.bind("localhost")
    queue, seen, per_rule = deque(start_urls), set(), {}
    forms: dict[str, Form] = {}
    pages = 0
    while queue and pages < max_pages:
        url = queue.popleft()
        path = urlsplit(url).path
        rule = route_of(adapter, path, "GET")
        if url in seen or rule is None or NOT_HTML.search(path) or per_rule.get(rule.rule, 0) >= per_route:
            continue
        seen.add(url)
        per_rule[rule.rule] = per_rule.get(rule.rule, 0) + 1
        response = client.get(url)
        pages += 1
        if response.status_code != 200 or response.mimetype != "text/html":
            continue
        found, links = parse_page(response.get_data(as_text=True))
        queue.extend(link for link in links if link.startswith("/") and not link.startswith("//"))
        for raw in found:
            if raw["method"] != "post":
                continue
            action = raw["action"] or url
            action_rule = route_of(adapter, urlsplit(action).path, "POST")
            if action_rule is None:
                continue
            form = Form(role, url, action, action_rule.rule, raw["fields"])
            if len(form.fields) > len(forms.get(form.pattern, form).fields) or form.pattern not in forms:
                forms[form.pattern] = form
    return forms, pages


# --- inputs ---------------------------------------------------------------------------------------------------

EDGE_NUMBERS = ["-1", "0", "1", "-0", "2147483648", "2147483647", "-2147483649", "9223372036854775808",
                "18446744073709551616", "1e309", "-1e309", "NaN", "nan", "inf", "-inf", "Infinity", "0x10", "1_000",
                "٣", "١٢", "३", "１２", "1.5", "1,5", "+5", " 7 ", "99999999999999999999999999999999999"]
EDGE_DATES = ["0000-00-00", "9999-12-31", "2026-02-30", "2026-02-29", "2028-02-29", "1900-01-01", "0001-01-01",
              "10000-01-01", "2026-13-01", "2026-00-10", "-2026-01-01", "2026-1-1", "31-12-2026", "2026/03/10",
              "2026-03-10T09:00", "٢٠٢٦-٠٣-١٠", "2026-03-29", "2026-10-25", "1970-01-01"]
EDGE_TIMES = ["24:00", "23:59", "00:00", "25:61", "-1:00", "9", "09:00:00", "9:5", "12:60", "02:30", "٠٩:٠٠"]
BIDI = ["\u202e", "\u202d", "\u200f", "\u200e", "\u2066", "\u2067", "\u2068", "\u2069", "\u061c", "\u200b",
        "\ufeff"]
SCRIPTS = ["مرحبا بالعالم", "你好世界", "こんにちは", "Γειά σου Κόσμε", "Привет", "שלום", "नमस्ते", "Æblegrød på Ærø",
           "👩🏽‍⚕️🏳️‍🌈👨‍👩‍👧‍👦", "𝕳𝖊𝖑𝖑𝖔", "Z̤͔ͧ̑̓ä͖̭̈̇lͮ̒ͫǧ̗͚̚o̙̔ͮ̇͐̇"]
INVALID_UTF8 = [b"\xff", b"\xc3\x28", b"\xa0\xa1", b"\xe2\x28\xa1", b"\xf0\x28\x8c\xbc", b"\xed\xa0\x80",
                b"abc\x80def", b"\xc0\xaf"]
INJECTION = ["'; DROP TABLE member; --", "<script>alert(1)</script>", "{{7*7}}", "%(x)s", "%s%s%s", "../../etc/passwd",
             "javascript:alert(1)", "//evil.example/", "\\\\evil", "null", "None", "true", "[]", "{}"]


def _huge(draw_char: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    return st.tuples(draw_char, st.sampled_from([10_000, 33_333, 65_536, 100_000])).map(lambda t: t[0] * t[1])


HOSTILE_TEXT = st.one_of(
    st.just(""),
    st.sampled_from([" ", "   ", "\t", "\n", "\r\n", "\u00a0", "\u3000", " \n\t "]),
    _huge(st.sampled_from(["x", "æ", "€", "😀", "\u202e", " ", "9"])),
    st.text(alphabet=st.characters(categories=["Cc"]), min_size=1, max_size=20),
    st.text(max_size=30).map(lambda s: s + "\x00" + s),
    st.tuples(st.sampled_from(BIDI), st.sampled_from(SCRIPTS + ["abc", "12"])).map("".join),
    st.sampled_from(SCRIPTS),
    st.sampled_from(EDGE_NUMBERS),
    st.sampled_from(EDGE_DATES),
    st.sampled_from(EDGE_TIMES),
    st.sampled_from(INJECTION),
    st.text(max_size=50),
)
# Invalid UTF-8 makes the whole body unreadable (400 before any view code runs), so it is drawn for one example
# in eight rather than per field, where it would hide every other value.
HOSTILE_OR_BYTES = st.one_of(HOSTILE_TEXT, st.sampled_from(INVALID_UTF8))


def _plausible(f: Field) -> st.SearchStrategy[str]:
    """A value the browser would send for the field: reaches the code behind the first validation."""
    if f.kind == "date":  # around the (frozen) today: dates the rules accept or just miss
        return st.integers(-40, 400).map(lambda days: (date.today() + timedelta(days=days)).isoformat())
    if f.kind == "time":
        return st.sampled_from(["08:00", "09:30", "12:00", "15:45", "23:59"])
    if f.kind == "number":
        return st.integers(1, 40).map(str) | st.integers(-5, 500).map(str)
    if f.kind == "email":
        return st.sampled_from(["medlem@eksempel.dk", "a@b.c", "x@y"])
    if f.kind == "tel":
        return st.sampled_from(["+4540123456", "40123456", "+45 40 12 34 56"])
    if f.kind == "url":
        return st.sampled_from(["https://eksempel.dk/møde", "http://x", "ftp://x"])
    return st.sampled_from(["Test af formularen", "Rengøringsassistent", "Hej", "1"])


def plausible_values(f: Field) -> st.SearchStrategy[list[str]]:
    """What a browser would send for the field."""
    page_values = [v for v in f.values if v is not None]
    if f.kind == "checkbox":
        return st.lists(st.sampled_from(page_values or ["on"]), max_size=len(page_values) + 1, unique=True)
    if f.kind == "hidden" or f.kind in CHOICE_TYPES:
        return st.sampled_from(page_values or [""]).map(lambda v: [v])
    return _plausible(f).map(lambda v: [v])


def hostile_values(f: Field, hostile: st.SearchStrategy) -> st.SearchStrategy[list[str | bytes]]:
    """A hostile value, an unknown option, the field missing or repeated."""
    if f.name == "csrf_token":
        return st.sampled_from([[], [""], ["forkert"], f.values[:1] * 2])
    one = hostile.map(lambda v: [v])
    return st.one_of(one, one, one, st.just([]), st.lists(st.one_of(hostile, plausible_values(f).map(
        lambda v: v[0] if v else "")), min_size=2, max_size=4))


def _encode(value: str | bytes) -> str:
    raw = value if isinstance(value, bytes) else value.encode("utf-8", "surrogatepass")
    return quote_from_bytes(raw, safe="")


@st.composite
def form_body(draw, form: Form) -> tuple[str, list[tuple[str, str | bytes]]]:
    """A urlencoded body for `form` (built by hand, so invalid UTF-8 and repeated fields get through) and the
    pairs it holds, for the failure message."""
    pairs: list[tuple[str, str | bytes]] = []
    hostile = HOSTILE_OR_BYTES if draw(st.integers(0, 7)) == 7 else HOSTILE_TEXT
    # Out of ten, how often a field is hostile: mostly plausible forms reach the rules behind the first check.
    rate = draw(st.sampled_from([1, 3, 6, 10]))
    for f in form.fields.values():
        # the CSRF token and hidden fields stay valid nine times in ten (else most bodies would stop at the check)
        spoil = draw(st.integers(0, 9)) == 9 if f.name == "csrf_token" or f.kind == "hidden" else \
            draw(st.integers(0, 9)) >= 10 - rate
        values = draw(hostile_values(f, hostile) if spoil else plausible_values(f))
        pairs += [(f.name, v) for v in values]
    if draw(st.integers(0, 9)) == 0:  # a field the form does not have
        pairs.append((draw(st.sampled_from(["id", "member_id", "role", "status", "x" * 300])), draw(hostile)))
    body = "&".join(f"{_encode(name)}={_encode(value)}" for name, value in pairs)
    return body, pairs


def describe(pairs: list[tuple[str, str | bytes]]) -> str:
    """The pairs with long values shortened, for a readable failure."""
    def short(v):
        return repr(v) if len(v) <= 60 else f"{v[:20]!r}…({len(v)} long)"
    return ", ".join(f"{name}={short(value)}" for name, value in pairs)


# --- the database ---------------------------------------------------------------------------------------------

# Audit entries a request may add without the form having written anything: staff reads of personal data (every
# page that shows a member's data logs the read, also a form page re-rendered with errors) and login bookkeeping.
READ_OR_LOGIN_AUDIT = re.compile(r"(view|viewed|opened|lookup|export|read_by_member)$|^login\.(failed|throttled)$")
# The same test in SQL, for the fingerprint (tests/security/test_form_fuzz_watch.py checks that they agree).
READ_OR_LOGIN_AUDIT_SQL = " OR ".join(
    [f"coalesce(action, '') GLOB '*{end}'" for end in ("view", "viewed", "opened", "lookup", "export", "read_by_member")]
    + ["coalesce(action, '') IN ('login.failed', 'login.throttled')"])
# Login bookkeeping on the user row: failed attempts and the delay they earn (portal/auth/service.py).
LOGIN_COLUMNS = {"failed_logins", "locked_until", "last_login_at"}


class DatabaseWatch:
    """Knows the committed state of the SQLite file: `changed()` is cheap (PRAGMA data_version moves when any
    other connection commits), `fingerprint()` hashes every table except the bookkeeping above.

    Every staff page writes a read audit entry, so a fingerprint is taken after most requests; hashed row by row
    in Python it took 0.29 s under cProfile, 40 % of the fuzzing. Now SQLite joins a table's rows (each value quoted, in rowid
    order) into one string that Python hashes, and only the tables written since the last fingerprint are read
    again: triggers the watch adds to the test's database note each written table in `_watch_written`, inside
    the writing transaction, so a rolled-back write notes nothing. (Without a unique key: an `INSERT OR IGNORE`
    in a trigger takes the conflict rule of the portal's statement that fired it, and failed.)
    """

    LOG = "_watch_written"

    def __init__(self, path: str) -> None:
        self.conn = sqlite3.connect(path, isolation_level=None)
        tables = [name for (name,) in self.conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name != ? "
            "ORDER BY name", (self.LOG,))]
        self.queries = {table: self._table_query(table) for table in tables}
        self.conn.execute("BEGIN IMMEDIATE")
        self.conn.execute(f"CREATE TABLE IF NOT EXISTS {self.LOG} (name TEXT)")
        for number, table in enumerate(tables):
            for event in ("INSERT", "UPDATE", "DELETE"):
                self.conn.execute(f'CREATE TRIGGER IF NOT EXISTS _watch_{number}_{event.lower()} AFTER {event} '
                                  f'ON "{table}" BEGIN INSERT INTO {self.LOG} SELECT \'{table}\' WHERE NOT EXISTS '
                                  f'(SELECT 1 FROM {self.LOG} WHERE name = \'{table}\'); END')
        self.conn.execute(f"DELETE FROM {self.LOG}")
        self.conn.execute("COMMIT")
        self.digest = {table: self._hash(table) for table in tables}
        self.version = self._data_version()

    def _table_query(self, table: str) -> str:
        columns = [row[1] for row in self.conn.execute(f'PRAGMA table_info("{table}")')]
        kept = [c for c in columns if not (table == "user_account" and c in LOGIN_COLUMNS)]
        row = " || ',' || ".join(f'quote("{c}")' for c in kept)
        where = f"WHERE NOT ({READ_OR_LOGIN_AUDIT_SQL})" if table == "audit_entry" else ""
        return f'SELECT group_concat(line, char(10)) FROM (SELECT {row} AS line FROM "{table}" {where} ORDER BY rowid)'

    def _hash(self, table: str) -> str:
        rows = self.conn.execute(self.queries[table]).fetchone()[0] or ""
        return hashlib.blake2b(rows.encode(), digest_size=16).hexdigest()

    def _data_version(self) -> int:
        return self.conn.execute("PRAGMA data_version").fetchone()[0]

    def changed(self) -> bool:
        """Has anything been committed since the last call?"""
        version = self._data_version()
        moved, self.version = version != self.version, version
        return moved

    def fingerprint(self) -> dict[str, str]:
        self.conn.execute("BEGIN IMMEDIATE")  # no write between reading the log and emptying it
        written = [name for (name,) in self.conn.execute(f"SELECT DISTINCT name FROM {self.LOG}")]
        for table in written:
            self.digest[table] = self._hash(table)
        self.conn.execute(f"DELETE FROM {self.LOG}")
        self.conn.execute("COMMIT")
        return dict(self.digest)

    def close(self) -> None:
        self.conn.close()


# --- the report -----------------------------------------------------------------------------------------------

REPORT_DIR = Path(__file__).parent / ".form_fuzz"  # git-ignored; one file per role


def write_report(role: str, rows: list[str]) -> None:
    REPORT_DIR.mkdir(exist_ok=True)
    (REPORT_DIR / f"{role}.txt").write_text("\n".join(rows) + "\n", encoding="utf-8")


def report_lines(since: float | None) -> list[str]:
    """The per-form lines of the roles fuzzed since `since` (a time.time()); the per-role totals last."""
    if since is None or not REPORT_DIR.is_dir():
        return []
    rows = [line for path in sorted(REPORT_DIR.glob("*.txt")) if path.stat().st_mtime >= since
            for line in path.read_text(encoding="utf-8").splitlines() if line]
    return [r for r in rows if " " in r.split(":", 1)[0]] + [r for r in rows if " " not in r.split(":", 1)[0]]
