"""Assemble the OpenAPI 3.1 document from spec/_base.yaml plus one fragment per area (spec/<area>.yaml)."""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import yaml

SPEC_DIR = Path(__file__).parent / "spec"
# Any operation can meet a database that cannot be reached, and any write one that cannot grow (portal/errors.py
# answers both 503): documented once here for every operation.
STORAGE_FULL = {"$ref": "#/components/responses/StorageFull"}
BAD_REQUEST = {"$ref": "#/components/responses/BadRequest"}
OPERATIONS = ("get", "put", "post", "patch", "delete")


@lru_cache(maxsize=1)
def build_document() -> dict:
    doc = yaml.safe_load((SPEC_DIR / "_base.yaml").read_text(encoding="utf-8"))
    for fragment_path in sorted(SPEC_DIR.glob("*.yaml")):
        if fragment_path.name == "_base.yaml":
            continue
        fragment = yaml.safe_load(fragment_path.read_text(encoding="utf-8")) or {}
        for path, item in (fragment.get("paths") or {}).items():
            if path in doc["paths"]:
                raise ValueError(f"{fragment_path.name}: path {path} defined twice")
            doc["paths"][path] = item
        for kind, entries in (fragment.get("components") or {}).items():
            bucket = doc.setdefault("components", {}).setdefault(kind, {})
            for name, value in entries.items():
                if name in bucket:
                    raise ValueError(f"{fragment_path.name}: components.{kind}.{name} defined twice")
                bucket[name] = value
    for item in doc["paths"].values():
        for method in OPERATIONS:  # a body or address the portal refuses before reading it; a database gone
            if method in item:
                item[method].setdefault("responses", {}).setdefault("400", BAD_REQUEST)
                item[method]["responses"].setdefault("503", STORAGE_FULL)
    return doc
