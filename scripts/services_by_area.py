"""One-off move of issue 20: `portal/services/` from one flat folder into a package per area.

    python scripts/services_by_area.py move     # git mv the modules, then rewrite every reference
    python scripts/services_by_area.py rewrite  # rewrite references only (after merging a branch written before)

The rewrite is idempotent: a reference already in the new form is left alone. It rewrites imports
(`from portal.services import a, b`, `from portal.services.a import x`, `import portal.services.a`), dotted paths
in strings (monkeypatch targets, docs) and file paths (`portal/services/a.py`). Run `ruff check --fix` afterwards
for the import order.
"""
from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SERVICES = ROOT / "portal" / "services"

AREAS: dict[str, list[str]] = {
    "minside": ["profile", "plan", "preparation", "consent", "my_data", "member_profiling", "offer_overview"],
    "booking": ["booking", "slots", "availability", "clashes", "conversation_types", "ics", "contact_course",
                "deadlines"],
    "offers": ["offers", "offer_editing", "waitlist", "offer_messages", "registration_state", "fvu_feedback"],
    "chat": ["chat", "chat_states", "chat_transcript", "handoff", "contact_details", "flyer"],
    "casework": ["caseload", "conversation_record", "summary", "summary_pdf", "referral", "jobmatch",
                 "jobmatch_cv", "job_agent"],
    "jobcentre": ["jobcentre", "jobcentre_answers", "joint_conversation", "jobcentre_stats", "municipalities",
                  "dfdg"],
    "messaging": ["outbox", "dispatch", "channels", "sms", "email_render", "reminders", "surveys", "retention",
                  "notifications"],
    "steering": ["kpi", "kpi_measures", "kpi_sql", "kpi_summary", "outcomes_import", "benefit_history"],
}
AREA_OF = {module: area for area, modules in AREAS.items() for module in modules}
TEXT_SUFFIXES = {".py", ".md", ".toml", ".cfg", ".ini", ".yml", ".yaml", ".txt", ".html", ".sh", ""}


def _new(module: str) -> str:
    return f"{AREA_OF[module]}.{module}"


def _dotted(match: re.Match) -> str:
    """`portal.services.<name>` not yet in the new form → the new form."""
    name, rest = match.group(1), match.group(2) or ""
    if name in AREAS:  # already a package path: portal.services.booking.slots, or the package itself
        following = rest[1:].split(".")[0] if rest.startswith(".") else ""
        if following in AREAS[name]:
            return match.group(0)
    if name not in AREA_OF:
        return match.group(0)
    return f"portal.services.{_new(name)}{rest}"


def _split_import(match: re.Match) -> str:
    """`from portal.services import a, b as c` → one line per package (names already in a package stay)."""
    indent, body, comment = match.group(1), match.group(2), ""
    if not body.startswith("(") and "#" in body:
        body, comment = body.split("#", 1)
        comment = "  #" + comment
    names = [n.strip() for n in body.replace("(", "").replace(")", "").replace("\\\n", " ").split(",")]
    names = [n for n in names if n and not n.startswith("#")]
    groups: dict[str, list[str]] = {}
    for item in names:
        module = item.split(" as ")[0].strip()
        package = f"portal.services.{AREA_OF[module]}" if module in AREA_OF else "portal.services"
        groups.setdefault(package, []).append(item)
    lines = [f"{indent}from {package} import {', '.join(items)}" for package, items in groups.items()]
    lines[0] += comment
    return "\n".join(lines)


FROM_PACKAGE = re.compile(r"^([ \t]*)from portal\.services import (\([^)]*\)|[^\n]*)", re.MULTILINE)
FROM_MODULE = re.compile(r"from portal\.services\.([a-z_]+)((?:\.[a-z_]+)*) import (\([^)]*\)|[^\n]*)")
DOTTED = re.compile(r"portal\.services\.([a-z_]+)((?:\.[A-Za-z_]+)*)")
PATHS = re.compile(r"(?<![\w.])((?:portal/)?services/)([a-z_]+)(\.py|/)")


def _from_module(match: re.Match) -> str:
    name, rest, names = match.group(1), match.group(2), match.group(3)
    if rest:
        if name in AREAS and rest[1:].split(".")[0] in AREAS[name]:
            return match.group(0)  # from portal.services.messaging.channels.base import …: already new
        if name not in AREA_OF:
            return match.group(0)
        return f"from portal.services.{_new(name)}{rest} import {names}"
    if name in AREAS:
        listed = "\n".join(line.split("#")[0] for line in names.split("\n"))
        imported = [n.strip().split(" as ")[0].strip("() \n") for n in listed.split(",")]
        if all(n in AREAS[name] or not n for n in imported):
            return match.group(0)  # `from portal.services.booking import slots`: already new
    if name not in AREA_OF:
        return match.group(0)
    return f"from portal.services.{_new(name)} import {names}"


def _path(match: re.Match) -> str:
    prefix, name, end = match.group(1), match.group(2), match.group(3)
    if name in AREAS and end == "/":
        return match.group(0)
    if name not in AREA_OF:
        return match.group(0)
    return f"{prefix}{AREA_OF[name]}/{name}{end}"


def rewrite_text(text: str) -> str:
    text = FROM_PACKAGE.sub(_split_import, text)
    text = FROM_MODULE.sub(_from_module, text)
    # dotted paths outside `from X import` lines (those were handled above): import statements and strings
    out = []
    for line in text.split("\n"):
        if re.match(r"\s*from portal\.services[.a-z_]* import", line):
            out.append(line)
        else:
            out.append(DOTTED.sub(_dotted, line))
    text = "\n".join(out)
    return PATHS.sub(_path, text)


def tracked_files() -> list[Path]:
    names = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True).stdout.split()
    skip = ("translations/", "scripts/services_by_area.py", "bench/results/")
    return [ROOT / n for n in names if Path(n).suffix in TEXT_SUFFIXES and not n.startswith(skip)
            and (ROOT / n).is_file()]


def rewrite_all() -> int:
    changed = 0
    for path in tracked_files():
        try:
            text = path.read_text()
        except UnicodeDecodeError:
            continue
        new = rewrite_text(text)
        if new != text:
            path.write_text(new)
            changed += 1
    return changed


DOCSTRINGS = {
    "minside": "Min side: the member's own profile, plan, preparation, consents, data and profiling view.",
    "booking": "Booking conversations: slots, availability, clashes, the statutory contact course and its deadlines.",
    "offers": "Offers with seats: the catalogue, registrations, waiting lists, editing and FVU feedback.",
    "chat": "Chat and handoff: a turn through the bot, its states, the transcript, handoffs, the flyer.",
    "casework": "The caseworker's workspace: caseload, conversation records, summaries, visitation, JobMatch.",
    "jobcentre": "The job centre in the loop: the exchange, its answers, joint conversations, DFDG.",
    "messaging": "What the portal sends: the outbox, the one dispatch loop and its channels, reminders, surveys.",
    "steering": "The steering group's success criteria: KPIs, their SQL and summary, outcomes and benefit history.",
}


def move() -> None:
    for area, modules in AREAS.items():
        package = SERVICES / area
        package.mkdir(exist_ok=True)
        init = package / "__init__.py"
        if not init.exists():
            init.write_text(f'"""{DOCSTRINGS[area]}"""\n')
            subprocess.run(["git", "add", str(init)], cwd=ROOT, check=True)
        for module in modules:
            source = SERVICES / f"{module}.py"
            if not source.exists() and module not in AREAS:
                source = SERVICES / module  # a package of its own (channels)
            if source.exists():
                subprocess.run(["git", "mv", str(source), str(package / source.name)], cwd=ROOT, check=True)


def main(argv: list[str]) -> int:
    if argv[:1] == ["move"]:
        move()
    elif argv[:1] != ["rewrite"]:
        print(__doc__)
        return 2
    print(f"rewrote {rewrite_all()} files")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
