"""Static security scan: bandit finds no medium or high issue (or each is justified inline with `# nosec Bxxx`)."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_bandit_has_no_medium_or_high_findings():
    run = subprocess.run(
        [sys.executable, "-m", "bandit", "-q", "-r", "portal", "chatbot", "scheduling", "-f", "json",
         "--severity-level", "medium"],
        cwd=ROOT, capture_output=True, text=True, check=False,
    )
    report = json.loads(run.stdout or "{}")
    findings = [f"{r['filename']}:{r['line_number']} {r['test_id']} {r['issue_text']}"
                for r in report.get("results", [])]
    assert report.get("errors") == [], report.get("errors")
    assert findings == [], "\n".join(findings)
