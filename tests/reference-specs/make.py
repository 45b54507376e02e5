"""Rebuild the copies of DfE's published API specs that the fuzz tests generate requests from.

``python tests/reference-specs/make.py ../shared/reference/ecf-api`` reads DfE's
``v{1,2,3}/api_spec.json`` and keeps only their structure (paths, parameters, schemas, field
names, enumerations, formats): every ``summary``, ``title`` and example is dropped and every
``description`` emptied, so none of DfE's wording is shipped. That is all schemathesis needs to build the requests
an integration written against DfE's documents would send (``tests/test_fuzz.py``,
``test_fuzz_reference_vN``); the answers are checked against OUR specs.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

PROSE = {"description", "summary", "title", "example", "examples", "x-examples", "externalDocs"}


def structure(node: Any, *, in_properties: bool = False) -> Any:
    """``node`` without prose; under ``properties`` every key is a field name and stays. A
    ``description`` becomes empty rather than going, since OpenAPI requires one on responses."""
    if isinstance(node, dict):
        return {
            key: ""
            if key == "description" and not in_properties
            else structure(value, in_properties=key == "properties" and not in_properties)
            for key, value in node.items()
            if in_properties or key == "description" or key not in PROSE
        }
    if isinstance(node, list):
        return [structure(item) for item in node]
    return node


def main(source: Path, target: Path) -> None:
    for version in ("v1", "v2", "v3"):
        spec = json.loads((source / version / "api_spec.json").read_text())
        kept = structure(spec)
        kept["info"] = {
            "title": f"DfE ECF API {version} (structure only)",
            "version": spec["info"]["version"],
        }
        out = target / version / "api_spec.json"
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps(kept, indent=1) + "\n")
        print(f"wrote {out}")


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(__file__).resolve().parent)
