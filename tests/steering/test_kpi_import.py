"""`flask kpi import-outcomes` (validation, all-or-nothing, --skip-bad, re-import) and `flask kpi report`."""
from __future__ import annotations

import csv
import io
import json
from datetime import date

import pytest
from sqlalchemy import func, select

from portal.models import AuditEntry
from portal.models.outcomes import BenefitPeriod, JobStart
from portal.services.steering import kpi
from tests.steering.test_kpi_measures import fixture  # noqa: F401

HEADER = "member_number,record,start_date,end_date,end_reason,placement,target_group,permanent,job_kind\n"


def _write(tmp_path, text: str, name="udtræk.csv"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


def _count(session, model) -> int:
    return session.scalar(select(func.count()).select_from(model))


@pytest.fixture
def members(make):
    a = make.member(first_unemployment_day=date(2026, 1, 5))
    b = make.member(first_unemployment_day=date(2026, 2, 2))
    make.commit()
    return a, b


def test_a_good_file_is_imported_and_audited(runner, session, tmp_path, members):
    a, b = members
    path = _write(tmp_path, HEADER
                  + f"{a.member_number},benefit_period,2025-03-01,2025-05-10,job,new,1,,\n"
                  + f"{a.member_number},job_start,2025-05-11,,,,,ja,employment\n"
                  + f"{a.member_number},benefit_period,2026-01-05,,,returning,,,\n"
                  + f"{b.member_number},ydelsesperiode,02-02-2026,,,,2a,,\n"
                  + f"{b.member_number},jobstart,2026-03-01,,,,,nej,odd_hours\n")
    result = runner.invoke(args=["kpi", "import-outcomes", path])
    assert result.exit_code == 0, result.output
    assert "3 nye og 0 opdaterede ydelsesperioder, 2 nye og 0 opdaterede jobstarter" in result.output
    assert _count(session, BenefitPeriod) == 3 and _count(session, JobStart) == 2
    returning = session.scalar(select(BenefitPeriod).where(BenefitPeriod.start_date == date(2026, 1, 5)))
    assert returning.placement == "returning" and returning.end_date is None
    assert session.scalar(select(JobStart).where(JobStart.kind == "odd_hours")).permanent is False
    assert session.scalar(select(AuditEntry).where(AuditEntry.action == "outcomes.import")).actor_label == "cli"


def test_re_importing_updates_instead_of_duplicating(runner, session, tmp_path, members):
    a, _ = members
    first = _write(tmp_path, HEADER + f"{a.member_number},benefit_period,2026-01-05,,,new,,,\n", "a.csv")
    second = _write(tmp_path, HEADER + f"{a.member_number},benefit_period,2026-01-05,2026-03-01,job,new,,,\n",
                    "b.csv")
    assert runner.invoke(args=["kpi", "import-outcomes", first]).exit_code == 0
    result = runner.invoke(args=["kpi", "import-outcomes", second])
    assert "0 nye og 1 opdaterede ydelsesperioder" in result.output
    row = session.scalar(select(BenefitPeriod))
    session.refresh(row)
    assert _count(session, BenefitPeriod) == 1 and row.end_date == date(2026, 3, 1) and row.end_reason == "job"


BAD_LINES = [
    ("9999999,benefit_period,2026-01-05,,,,,,", "medlemsnummeret 9999999 findes ikke"),
    ("{a},benefit_period,2026-02-30,,,,,,", "start_date «2026-02-30» er ikke en dato"),
    ("{a},benefit_period,2026-03-01,2026-02-01,job,,,,", "end_date ligger før start_date"),
    ("{a},benefit_period,2026-03-01,2026-04-01,,,,,", "end_reason mangler"),
    ("{a},benefit_period,2026-03-01,,quit,,,,", "end_reason skal være job eller other"),
    ("{a},benefit_period,2030-01-01,,,,,,", "start_date ligger i fremtiden"),
    ("{a},job_start,2026-03-01,,,,,måske,", "permanent skal være ja eller nej"),
    ("{a},job_start,2026-03-01,,,,,ja,freelance", "job_kind skal være"),
    ("{a},ferie,2026-03-01,,,,,,", "record skal være benefit_period eller job_start"),
    ("{a},benefit_period,2026-03-01,,,,3,,", "target_group skal være 1, 2a, 2b eller tom"),
    ("{a},benefit_period", "har 2 felter, men overskriften har 9"),
]


@pytest.mark.parametrize("line,message", BAD_LINES)
def test_a_bad_line_is_reported_with_its_number_and_nothing_is_imported(runner, session, tmp_path, members,
                                                                         line, message):
    a, b = members
    path = _write(tmp_path, HEADER + f"{b.member_number},benefit_period,2026-02-02,,,,,,\n"
                  + line.format(a=a.member_number) + "\n")
    result = runner.invoke(args=["kpi", "import-outcomes", path])
    assert result.exit_code != 0
    assert f"Linje 3: {message}" in result.output
    assert "intet er importeret" in result.output
    assert _count(session, BenefitPeriod) == 0


def test_skip_bad_imports_the_good_lines_and_lists_the_bad(runner, session, tmp_path, members):
    a, b = members
    path = _write(tmp_path, HEADER + f"{b.member_number},benefit_period,2026-02-02,,,,,,\n"
                  + f"{a.member_number},benefit_period,2026-13-01,,,,,,\n")
    result = runner.invoke(args=["kpi", "import-outcomes", path, "--skip-bad"])
    assert result.exit_code == 0, result.output
    assert "Linje 3:" in result.output and "1 ugyldige linjer sprunget over" in result.output
    assert _count(session, BenefitPeriod) == 1


def test_overlapping_periods_are_refused(runner, session, tmp_path, members):
    a, _ = members
    path = _write(tmp_path, HEADER + f"{a.member_number},benefit_period,2026-01-01,2026-03-01,job,,,,\n"
                  + f"{a.member_number},benefit_period,2026-02-01,,,,,,\n")
    result = runner.invoke(args=["kpi", "import-outcomes", path])
    assert "Linje 3: ydelsesperioden fra 2026-02-01 overlapper perioden fra 2026-01-01" in result.output
    assert _count(session, BenefitPeriod) == 0


def test_semicolon_files_with_bom_from_excel_are_read(runner, session, tmp_path, members):
    a, _ = members
    path = tmp_path / "excel.csv"
    path.write_bytes(("\ufeff" + HEADER.replace(",", ";")
                      + f"{a.member_number};benefit_period;2026-01-05;;;;;;\n").encode("utf-8"))
    assert runner.invoke(args=["kpi", "import-outcomes", str(path)]).exit_code == 0
    assert _count(session, BenefitPeriod) == 1


@pytest.mark.parametrize("content,message", [
    (b"", "Filen er tom"),
    (b"medlem,type\n1,2\n", "kolonnen/kolonnerne mangler"),
    ("member_number,record,start_date\n1,benefit_period,2026-01-01\n".encode("latin-1") + b"\xe6\n",
     "ikke UTF-8"),
])
def test_unusable_files_get_a_clear_message(runner, tmp_path, content, message):
    path = tmp_path / "x.csv"
    path.write_bytes(content)
    result = runner.invoke(args=["kpi", "import-outcomes", str(path)])
    assert result.exit_code != 0 and message in result.output


def test_report_prints_the_same_numbers_as_the_dashboard(runner, session, fixture):  # noqa: F811
    args = ["kpi", "report", "--from", "2026-01-01", "--to", "2026-06-30", "--today", "2026-11-27"]
    doc = json.loads(runner.invoke(args=args + ["--format", "json"]).output)
    expected = kpi.report_records(kpi.build_report(session, kpi.Filters(date(2026, 1, 1), date(2026, 6, 30)),
                                                   date(2026, 11, 27)))
    assert doc["measures"] == expected
    rows = list(csv.DictReader(io.StringIO(runner.invoke(args=args + ["--format", "csv"]).output)))
    assert {(r["measure"], r["split"]): r["value"] for r in rows}[("in_job_13w", "all")] == "100.0"


def test_report_refuses_bad_dates(runner):
    result = runner.invoke(args=["kpi", "report", "--from", "1/1/2026"])
    assert result.exit_code != 0 and "ÅÅÅÅ-MM-DD" in result.output
    result = runner.invoke(args=["kpi", "report", "--from", "2026-06-01", "--to", "2026-01-01"])
    assert result.exit_code != 0 and "Slutdatoen" in result.output
