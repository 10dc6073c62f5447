"""docs/kpi.md's table of the application's success criteria is what the code measures: one test per row compares
the row's group, target, baseline, source and section with the measure's definition in portal/services/steering/kpi.py."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from portal.services.steering import kpi

DOC = Path(__file__).resolve().parents[2] / "docs" / "kpi.md"


def _rows() -> list[dict[str, str]]:
    text = DOC.read_text(encoding="utf-8")
    table = text.split("<!-- criteria-table -->", 1)[1].split("<!-- /criteria-table -->", 1)[0]
    lines = [line for line in table.strip().splitlines() if line.startswith("|")]
    header = [cell.strip() for cell in lines[0].strip("|").split("|")]
    rows = []
    for line in lines[2:]:
        cells = [cell.strip() for cell in line.strip("|").split("|")]
        rows.append(dict(zip(header, cells, strict=True)))
    return rows


ROWS = _rows()


def _number_or_dash(text: str):
    return None if text == "–" else float(text) if re.fullmatch(r"[\d.]+", text) else text


@pytest.mark.parametrize("row", ROWS, ids=[row["key"].strip("`") for row in ROWS])
def test_the_measure_is_defined_as_the_application_states_it(row):
    measure = kpi.MEASURES_BY_KEY[row["key"].strip("`")]
    assert (measure.group or "–") == row["group"]
    target = _number_or_dash(row["target"])
    if isinstance(target, float):
        assert measure.target == target
    else:
        assert measure.target is None and measure.target_label == target
    baseline = _number_or_dash(row["baseline"])
    assert measure.baseline == baseline
    assert (measure.source or "–") == row["source"]
    assert measure.application_section == row["section"]
    if measure.group is not None:
        assert measure.group in kpi.SEGMENTS


def test_every_application_criterion_in_the_code_has_a_row_and_no_row_is_invented():
    in_code = {m.key for m in kpi.MEASURES if m.application_section}
    in_doc = {row["key"].strip("`") for row in ROWS}
    assert in_code == in_doc
    assert len(ROWS) == len(in_doc)  # no key twice
