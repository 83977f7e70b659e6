"""The trainer image holds every data file a training run reads (training/Dockerfile COPY + .dockerignore allow-list).

A run inside the image that misses one fails at data validation; the compose stack and the Kubernetes trainer Job
would then never register a model. Found once by the container test, minutes into `make test`; this finds it at once.
"""

from __future__ import annotations

import re
from pathlib import Path

from training import data, features

REPO = Path(__file__).resolve().parents[3]


def data_files_a_run_reads() -> set[str]:
    paths = [data.DEFAULT_DATA_PATH, data.RECENT_SAMPLES_PATH, data.MODERN_SET_PATH, features.DEFAULT_STOPWORDS_PATH]
    return {path.relative_to(REPO).as_posix() for path in paths}


def copied_into_the_image(dockerfile: str) -> set[str]:
    copied: set[str] = set()
    for line in dockerfile.splitlines():
        if line.startswith("COPY ") and "--from" not in line:
            copied.update(source for source in line.split()[1:-1] if source.startswith("data/"))
    return copied


def allowed_in_the_context(dockerignore: str) -> set[str]:
    return set(re.findall(r"^!(data/\S+)$", dockerignore, flags=re.MULTILINE))


def test_every_data_file_is_copied_and_sent() -> None:
    needed = data_files_a_run_reads()
    assert needed <= copied_into_the_image((REPO / "training" / "Dockerfile").read_text(encoding="utf-8"))
    assert needed <= allowed_in_the_context((REPO / ".dockerignore").read_text(encoding="utf-8"))


def test_a_missing_file_is_noticed() -> None:
    dockerfile = "COPY data/spam.csv data/stopwords-english.txt ./data/\nCOPY training ./training\n"
    assert not data_files_a_run_reads() <= copied_into_the_image(dockerfile)
    assert not data_files_a_run_reads() <= allowed_in_the_context("*\n!data/spam.csv\n")
