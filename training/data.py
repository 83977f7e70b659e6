"""Load and validate the SMS spam data set (Latin-1 CSV: label column `v1`, text column `v2`)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

DEFAULT_DATA_PATH = Path(__file__).resolve().parent.parent / "data" / "spam.csv"
RECENT_SAMPLES_PATH = DEFAULT_DATA_PATH.with_name("recent-sms-samples.tsv")
LABELS = ("ham", "spam")
LABEL_COLUMN = "v1"
TEXT_COLUMN = "v2"


class DataValidationError(ValueError):
    """The data file cannot be used for training; the message says why and where."""


@dataclass(frozen=True)
class Dataset:
    """De-duplicated messages with binary targets (1 = spam)."""

    frame: pd.DataFrame  # columns: label (str), text (str), target (int)
    sha256: str
    path: Path
    raw_rows: int
    duplicates_dropped: int

    @property
    def texts(self) -> list[str]:
        return self.frame["text"].tolist()

    @property
    def targets(self) -> list[int]:
        return self.frame["target"].tolist()


def file_sha256(path: Path | str) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 16), b""):
            digest.update(chunk)
    return digest.hexdigest()


def load_dataset(path: Path | str = DEFAULT_DATA_PATH) -> Dataset:
    """Read, validate and de-duplicate; raise DataValidationError with a clear message on a malformed file."""
    path = Path(path)
    if not path.is_file():
        raise DataValidationError(f"data file not found: {path}")
    if path.stat().st_size == 0:
        raise DataValidationError(f"data file is empty: {path}")
    try:
        raw = pd.read_csv(path, encoding="latin-1", dtype=str, keep_default_na=False)
    except pd.errors.EmptyDataError as exc:
        raise DataValidationError(f"data file has no header or rows: {path}") from exc
    except pd.errors.ParserError as exc:
        raise DataValidationError(f"data file is not valid CSV: {path}: {exc}") from exc

    missing = [c for c in (LABEL_COLUMN, TEXT_COLUMN) if c not in raw.columns]
    if missing:
        raise DataValidationError(
            f"data file {path} lacks required column(s) {missing}; expected label column {LABEL_COLUMN!r} "
            f"and text column {TEXT_COLUMN!r}, found {list(raw.columns)}"
        )
    if raw.empty:
        raise DataValidationError(f"data file has a header but no rows: {path}")

    frame = pd.DataFrame({"label": raw[LABEL_COLUMN].str.strip(), "text": raw[TEXT_COLUMN]})
    unknown = sorted(set(frame["label"]) - set(LABELS))
    if unknown:
        bad_rows = [int(i) + 2 for i in frame.index[~frame["label"].isin(LABELS)][:5]]  # +2: header, 1-based
        raise DataValidationError(
            f"data file {path} has unknown label(s) {unknown[:10]} (allowed: {list(LABELS)}); "
            f"first offending line(s): {bad_rows}"
        )
    empty_text = frame.index[frame["text"].str.strip() == ""]
    if len(empty_text):
        raise DataValidationError(
            f"data file {path} has {len(empty_text)} row(s) with empty text; first line(s): "
            f"{[int(i) + 2 for i in empty_text[:5]]}"
        )

    deduplicated = frame.drop_duplicates().reset_index(drop=True)
    counts = deduplicated["label"].value_counts()
    for label in LABELS:
        if counts.get(label, 0) < 10:
            raise DataValidationError(
                f"data file {path} has only {counts.get(label, 0)} distinct '{label}' message(s); need at least 10"
            )
    deduplicated["target"] = (deduplicated["label"] == "spam").astype(int)
    return Dataset(
        frame=deduplicated,
        sha256=file_sha256(path),
        path=path,
        raw_rows=len(frame),
        duplicates_dropped=len(frame) - len(deduplicated),
    )


def load_recent_samples(path: Path | str = RECENT_SAMPLES_PATH) -> tuple[list[str], list[int]]:
    """Messages in the style of recent (2018+) spam and ham: the 2012 corpus has no short-link smishing or KYC scams."""
    texts: list[str] = []
    targets: list[int] = []
    for number, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip() or line.startswith("#"):
            continue
        label, _, text = line.partition("\t")
        if label not in LABELS or not text.strip():
            raise DataValidationError(f"{path}:{number}: expected '<ham|spam><TAB><text>'")
        texts.append(text)
        targets.append(LABELS.index(label))
    return texts, targets


# ------------------------------------------------------------------------------------------ modern validation set
MODERN_SET_PATH = DEFAULT_DATA_PATH.with_name("modern-sms.tsv")
MODERN_COLUMNS = ("label", "family", "text")
# The split of the modern set into its training half and its selection half is fixed (not the CLI's --seed): every
# version then sees the same selection half, never trains on it, and the gate compares versions there.
MODERN_SPLIT_SEED = 20261128
MODERN_TRAIN_FRACTION = 0.5


@dataclass(frozen=True)
class ModernSet:
    """Hand-written 2018+ style messages with a family per message (docs/training.md "Modern validation set")."""

    texts: list[str]
    targets: list[int]
    families: list[str]
    sha256: str

    def subset(self, indices: list[int]) -> ModernSet:
        return ModernSet(
            texts=[self.texts[i] for i in indices],
            targets=[self.targets[i] for i in indices],
            families=[self.families[i] for i in indices],
            sha256=self.sha256,
        )


def load_modern_set(path: Path | str = MODERN_SET_PATH) -> ModernSet:
    """Read `label<TAB>family<TAB>text` with a header line; raise DataValidationError naming the line on bad input."""
    path = Path(path)
    if not path.is_file():
        raise DataValidationError(f"modern validation set not found: {path}")
    lines = path.read_text(encoding="utf-8").splitlines()
    if not lines or tuple(lines[0].split("\t")) != MODERN_COLUMNS:
        raise DataValidationError(f"{path}:1: expected the header {'<TAB>'.join(MODERN_COLUMNS)}")
    texts: list[str] = []
    targets: list[int] = []
    families: list[str] = []
    for number, line in enumerate(lines[1:], start=2):
        parts = line.split("\t")
        if len(parts) != 3 or parts[0] not in LABELS or not parts[1].strip() or not parts[2].strip():
            raise DataValidationError(f"{path}:{number}: expected '<ham|spam><TAB><family><TAB><text>'")
        if parts[2] in texts:
            raise DataValidationError(f"{path}:{number}: duplicate message")
        texts.append(parts[2])
        targets.append(LABELS.index(parts[0]))
        families.append(parts[1].strip())
    return ModernSet(texts=texts, targets=targets, families=families, sha256=file_sha256(path))


def modern_split(modern: ModernSet) -> tuple[ModernSet, ModernSet]:
    """The fixed (training half, selection half) of the modern set, stratified by label and family."""
    import random

    rng = random.Random(MODERN_SPLIT_SEED)
    strata: dict[tuple[int, str], list[int]] = {}
    for i, key in enumerate(zip(modern.targets, modern.families, strict=True)):
        strata.setdefault(key, []).append(i)
    train: list[int] = []
    for key in sorted(strata):
        members = strata[key]
        rng.shuffle(members)
        train.extend(members[: round(len(members) * MODERN_TRAIN_FRACTION)])
    chosen = set(train)
    return modern.subset(sorted(chosen)), modern.subset([i for i in range(len(modern.texts)) if i not in chosen])
