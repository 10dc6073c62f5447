"""Import of outcome data (benefit periods and job starts) from the fund's CSV export.

One line per record; the columns (header names, any order; `,` or `;` as separator; UTF-8, with or without BOM):

    member_number, record, start_date, end_date, end_reason, placement, target_group, permanent, job_kind

- record: `benefit_period` (ydelsesperiode) or `job_start` (jobstart);
- dates: YYYY-MM-DD (or DD-MM-YYYY); end_date empty = still running;
- benefit_period: end_reason `job`/`other` exactly when end_date is given; placement `new`/`returning`;
  target_group `1`/`2a`/`2b` or empty;
- job_start: permanent `ja`/`nej` (or yes/no, 1/0, true/false); job_kind `employment` (default),
  `permanent_attachment`, `release_certificate` or `odd_hours`.

Re-importing is safe: a benefit period is identified by (member, start date), a job start by (member, start date,
kind); a line that matches an existing row updates it. Periods are written by benefit_history.save_periods, so a
period that now ends earlier loses the recorded weeks after its end. Every bad line is reported with its line number; nothing is
written if any line is bad, unless `skip_bad` (then the good lines are imported and the bad ones listed).
"""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from portal.models import Member
from portal.models.members import PLACEMENTS, TARGET_GROUPS
from portal.models.outcomes import END_REASONS, JOB_KINDS, BenefitPeriod, JobStart
from portal.services import audit
from portal.services.actors import Actor
from portal.services.errors import ValidationFailed
from portal.services.steering import benefit_history
from portal.services.steering.benefit_history import PeriodRecord

REQUIRED_COLUMNS = ("member_number", "record", "start_date")
OPTIONAL_COLUMNS = ("end_date", "end_reason", "placement", "target_group", "permanent", "job_kind")
RECORDS = {"benefit_period": "benefit_period", "ydelsesperiode": "benefit_period", "job_start": "job_start",
           "jobstart": "job_start"}
YES = {"ja", "yes", "1", "true", "j", "y"}
NO = {"nej", "no", "0", "false", "n"}
MAX_LINES = 2_000_000


@dataclass
class ImportResult:
    lines: int = 0
    benefit_periods_created: int = 0
    benefit_periods_updated: int = 0
    benefit_weeks_removed: int = 0  # weeks that lay after a period's new end (benefit_history.save_periods)
    job_starts_created: int = 0
    job_starts_updated: int = 0
    errors: list[tuple[int, str]] = field(default_factory=list)  # (line number, Danish message)
    imported: bool = False

    @property
    def bad_lines(self) -> int:
        return len({line for line, _ in self.errors})


def _parse_date(raw: str) -> date:
    raw = raw.strip()
    for fmt in ("%Y-%m-%d", "%d-%m-%Y"):
        try:
            return datetime.strptime(raw, fmt).date()
        except ValueError:
            continue
    raise ValueError(raw)


def _read(text: str) -> tuple[list[str], list[tuple[int, dict]]]:
    sample = text[:4096]
    delimiter = ";" if sample.count(";") > sample.count(",") else ","
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    try:
        header = [h.strip().lower() for h in next(reader)]
    except StopIteration:
        raise ValidationFailed("Filen er tom.") from None
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    if missing:
        raise ValidationFailed("Linje 1: kolonnen/kolonnerne mangler: " + ", ".join(missing) + ".")
    rows = []
    for values in reader:
        if not any(v.strip() for v in values):
            continue
        if len(rows) >= MAX_LINES:
            raise ValidationFailed(f"Filen har mere end {MAX_LINES} linjer; del den op.")
        line = reader.line_num
        if len(values) != len(header):
            rows.append((line, {"_error": f"har {len(values)} felter, men overskriften har {len(header)}"}))
            continue
        rows.append((line, {h: v.strip() for h, v in zip(header, values)}))
    return header, rows


def _validate(line: int, raw: dict, members: dict[str, int], today: date) -> tuple[dict | None, list[str]]:
    """One line → a clean record (kind, key fields, values) or a list of Danish problems."""
    if "_error" in raw:
        return None, [raw["_error"]]
    problems: list[str] = []
    member_id = members.get(raw.get("member_number", ""))
    if not raw.get("member_number"):
        problems.append("medlemsnummer mangler")
    elif member_id is None:
        problems.append(f"medlemsnummeret {raw['member_number'][:20]} findes ikke")
    record = RECORDS.get(raw.get("record", "").lower())
    if record is None:
        problems.append(f"record skal være benefit_period eller job_start, ikke «{raw.get('record', '')[:30]}»")
    start = end = None
    try:
        start = _parse_date(raw.get("start_date", ""))
    except ValueError:
        problems.append(f"start_date «{raw.get('start_date', '')[:20]}» er ikke en dato (ÅÅÅÅ-MM-DD)")
    if raw.get("end_date"):
        try:
            end = _parse_date(raw["end_date"])
        except ValueError:
            problems.append(f"end_date «{raw['end_date'][:20]}» er ikke en dato (ÅÅÅÅ-MM-DD)")
    if start and start > today:
        problems.append("start_date ligger i fremtiden")
    if start and end and end < start:
        problems.append("end_date ligger før start_date")
    if end and end > today:
        problems.append("end_date ligger i fremtiden")
    values: dict = {"member_id": member_id, "start_date": start, "end_date": end}
    if record == "benefit_period":
        reason = raw.get("end_reason", "").lower() or None
        if reason is not None and reason not in END_REASONS:
            problems.append("end_reason skal være job eller other")
        if end and not reason:
            problems.append("end_reason mangler, når end_date er udfyldt")
        if reason and not raw.get("end_date"):
            problems.append("end_reason er udfyldt, men end_date mangler")
        placement = raw.get("placement", "").lower() or "new"
        if placement not in PLACEMENTS:
            problems.append("placement skal være new eller returning")
        group = raw.get("target_group", "").lower() or None
        if group is not None and group not in TARGET_GROUPS:
            problems.append("target_group skal være 1, 2a, 2b eller tom")
        values.update(end_reason=reason, placement=placement, target_group=group)
    elif record == "job_start":
        flag = raw.get("permanent", "").lower()
        if flag not in YES | NO:
            problems.append("permanent skal være ja eller nej")
        kind = raw.get("job_kind", "").lower() or "employment"
        if kind not in JOB_KINDS:
            problems.append("job_kind skal være " + ", ".join(JOB_KINDS))
        values.update(permanent=flag in YES, kind=kind)
    if problems:
        return None, problems
    return {"record": record, "line": line, **values}, []


def _overlaps(periods: list[dict], existing: dict[int, list[tuple]]) -> list[tuple[int, str]]:
    """Benefit periods of one member may not overlap (file lines and rows already in the database)."""
    errors = []
    by_member: dict[int, list[tuple]] = {}
    file_keys = {(p["member_id"], p["start_date"]) for p in periods}
    for member_id, rows in existing.items():
        for start, end in rows:
            if (member_id, start) not in file_keys:  # a file line with the same key replaces the row
                by_member.setdefault(member_id, []).append((start, end or date.max, None))
    for p in periods:
        by_member.setdefault(p["member_id"], []).append((p["start_date"], p["end_date"] or date.max, p["line"]))
    for spans in by_member.values():
        spans.sort(key=lambda s: (s[0], s[2] or 0))
        latest = spans[0]  # the span reaching furthest so far
        for span in spans[1:]:
            start, end, line = span
            if start <= latest[1]:
                other_start, _, other_line = latest
                if start == other_start and line and other_line:
                    errors.append((line, f"ydelsesperioden fra {start} står to gange i filen (også linje {other_line})"))
                else:
                    errors.append((line or other_line, f"ydelsesperioden fra {start} overlapper perioden fra {other_start}"))
            if end > latest[1]:
                latest = span
    return errors


def _duplicate_jobs(jobs: list[dict]) -> list[tuple[int, str]]:
    seen: dict[tuple, int] = {}
    errors = []
    for j in jobs:
        key = (j["member_id"], j["start_date"], j["kind"])
        if key in seen:
            errors.append((j["line"], f"jobstarten fra {j['start_date']} står to gange i filen (også linje {seen[key]})"))
        else:
            seen[key] = j["line"]
    return errors


def import_outcomes(session: Session, text: str, *, actor: Actor, today: date, now: datetime,
                    skip_bad: bool = False) -> ImportResult:
    """Validate all lines, then write them (or nothing). The caller commits when `result.imported`."""
    _, raw_rows = _read(text)
    result = ImportResult(lines=len(raw_rows))
    numbers = {r.get("member_number", "") for _, r in raw_rows if "_error" not in r}
    members: dict[str, int] = {}
    number_list = [n for n in numbers if n]
    for i in range(0, len(number_list), 5000):
        chunk = number_list[i:i + 5000]
        members.update(session.execute(select(Member.member_number, Member.id)
                                       .where(Member.member_number.in_(chunk))).all())
    good: list[dict] = []
    for line, raw in raw_rows:
        record, problems = _validate(line, raw, members, today)
        result.errors += [(line, p) for p in problems]
        if record:
            good.append(record)
    periods = [r for r in good if r["record"] == "benefit_period"]
    existing: dict[int, list[tuple]] = {}
    member_ids = list({p["member_id"] for p in periods})
    for i in range(0, len(member_ids), 5000):
        for member_id, start, end in session.execute(
                select(BenefitPeriod.member_id, BenefitPeriod.start_date, BenefitPeriod.end_date)
                .where(BenefitPeriod.member_id.in_(member_ids[i:i + 5000]))):
            existing.setdefault(member_id, []).append((start, end))
    result.errors += _overlaps(periods, existing)
    result.errors += _duplicate_jobs([r for r in good if r["record"] == "job_start"])
    result.errors.sort()
    if result.errors and not skip_bad:
        return result
    bad = {line for line, _ in result.errors}
    good = [r for r in good if r["line"] not in bad]
    _write(session, good, result, today, now)
    result.imported = True
    audit.record(session, actor, "outcomes.import", detail={
        "lines": result.lines, "bad_lines": result.bad_lines, "skip_bad": skip_bad,
        "benefit_periods_created": result.benefit_periods_created,
        "benefit_periods_updated": result.benefit_periods_updated,
        "benefit_weeks_removed": result.benefit_weeks_removed,
        "job_starts_created": result.job_starts_created, "job_starts_updated": result.job_starts_updated,
    }, now=now)
    return result


def _write(session: Session, records: list[dict], result: ImportResult, today: date, now: datetime) -> None:
    periods = [r for r in records if r["record"] == "benefit_period"]
    jobs = [r for r in records if r["record"] == "job_start"]
    saved = benefit_history.save_periods(session, [
        PeriodRecord(member_id=p["member_id"], start_date=p["start_date"], end_date=p["end_date"],
                     end_reason=p["end_reason"], placement=p["placement"], target_group=p["target_group"])
        for p in periods], source="import", today=today, now=now)
    job_ids = _existing_ids(session, JobStart, [(j["member_id"], j["start_date"], j["kind"]) for j in jobs],
                            (JobStart.member_id, JobStart.start_date, JobStart.kind))
    new_jobs, changed_jobs = [], []
    for j in jobs:
        row = {"member_id": j["member_id"], "start_date": j["start_date"], "end_date": j["end_date"],
               "permanent": j["permanent"], "kind": j["kind"], "source": "import", "imported_at": now}
        key = (j["member_id"], j["start_date"], j["kind"])
        (changed_jobs if key in job_ids else new_jobs).append({**row, "id": job_ids[key]} if key in job_ids else row)
    if new_jobs:
        session.execute(insert(JobStart), new_jobs)
    if changed_jobs:
        session.execute(update(JobStart), changed_jobs)
    result.benefit_periods_created, result.benefit_periods_updated = saved.created, saved.updated
    result.benefit_weeks_removed = saved.weeks_removed
    result.job_starts_created, result.job_starts_updated = len(new_jobs), len(changed_jobs)


def _existing_ids(session: Session, model, keys: list[tuple], columns: tuple) -> dict[tuple, int]:
    found: dict[tuple, int] = {}
    member_ids = sorted({k[0] for k in keys})
    wanted = set(keys)
    for i in range(0, len(member_ids), 5000):
        stmt = select(*columns, model.id).where(columns[0].in_(member_ids[i:i + 5000]))
        for row in session.execute(stmt):
            key = tuple(row[:-1])
            if key in wanted:
                found[key] = row[-1]
    return found
