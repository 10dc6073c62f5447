"""Run the benchmarks: `python -m bench [name ...]` (default: all bench_*.py). Writes bench/results/<name>.json."""
from __future__ import annotations

import importlib
import json
import platform
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

HERE = Path(__file__).parent
RESULTS = HERE / "results"


def main(argv: list[str]) -> int:
    names = argv or sorted(p.stem[len("bench_"):] for p in HERE.glob("bench_*.py"))
    RESULTS.mkdir(exist_ok=True)
    failed = 0
    for name in names:
        module = importlib.import_module(f"bench.bench_{name}")
        print(f"== bench {name}", flush=True)
        started = time.perf_counter()
        try:
            result = module.run()
        except Exception as exc:  # noqa: BLE001 - report and go on with the others
            failed += 1
            print(f"   FAILED: {exc!r}", flush=True)
            continue
        payload = {
            "bench": name,
            "at": datetime.now(UTC).isoformat(timespec="seconds"),
            "machine": {"python": platform.python_version(), "platform": platform.platform(),
                        "cpus": __import__("os").cpu_count()},
            "wall_seconds": round(time.perf_counter() - started, 2),
            "result": result,
        }
        (RESULTS / f"{name}.json").write_text(json.dumps(payload, indent=2, ensure_ascii=False) + "\n")
        print(json.dumps(result, indent=2, ensure_ascii=False), flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
