"""Explanations of every golden.json case by the pure-Python scorer, as one JSON document on stdout.

`python -m training.explain_golden <model.json> <golden.json>` gives {case id: explanation}; the TypeScript golden
test compares the service's explanations with these (docs/model-format.md "Explanations").
"""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from pathlib import Path

from training.portable_scorer import PortableModel


def explain_cases(model_path: Path, golden_path: Path) -> dict[str, dict[str, object]]:
    model = PortableModel.load(model_path)
    golden = json.loads(golden_path.read_text(encoding="utf-8"))
    return {case["id"]: model.explain(case["text"]) for case in golden["cases"]}


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if len(args) != 2:
        print("usage: python -m training.explain_golden <model.json> <golden.json>", file=sys.stderr)
        return 2
    json.dump(explain_cases(Path(args[0]), Path(args[1])), sys.stdout, allow_nan=False)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
