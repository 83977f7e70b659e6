"""Text analysers of the portable model format (docs/model-format.md, sections 1-5).

These functions are the single definition of preprocessing: the scikit-learn pipeline uses them as callable
analysers of ``TfidfVectorizer`` and the exporter/pure-Python scorer use the very same functions, so what is
trained is what is exported. Every regular expression uses explicit ASCII classes only (no ``\\w``, ``\\d``,
``\\s``, ``\\b``) because the TypeScript service must read them identically.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from functools import lru_cache
from pathlib import Path

from training import porter_stemmer
from training.normalise import (
    EVASION_STEPS,
    join_separated_letters,
    strip_invisible_and_emoji,
    undo_confusables,
    undo_leetspeak,
)
from training.unicode_pin import NONSPACING_MARK_RE, UNASSIGNED_RE

FORMAT_VERSION = 3
PLACEHOLDERS = ("xxemail", "xxurl", "xxmoney", "xxphone", "xxnum")
TOKEN_PATTERN = "[a-z0-9]+"
STEMMER_NAME = "natural-porter"
# Section 3: longer tokens are cut to this many characters before stemming and n-grams, which bounds the work per
# token (the Porter stemmer is quadratic on long consonant runs). The longest token of the corpus has 34.
MAX_TOKEN_LENGTH = 40

# The part of model.json's "preprocessing" that format_version 3 fixes: written by the exporter, checked by loaders.
FIXED_PREPROCESSING: dict[str, object] = {
    "normalization": "NFKD",
    "strip_combining_marks": True,
    "lowercase": True,
    "placeholders": list(PLACEHOLDERS),
    "token_pattern": TOKEN_PATTERN,
    "stemmer": STEMMER_NAME,
    "max_token_length": MAX_TOKEN_LENGTH,
    "evasion": list(EVASION_STEPS),
}

DEFAULT_STOPWORDS_PATH = Path(__file__).resolve().parent.parent / "data" / "stopwords-english.txt"

# Patterns of section 2, in application order. Kept character-for-character equal to the spec table. The e-mail
# look-behind starts a match only where a run of local-part characters starts (linear, not quadratic, on long runs).
EMAIL_PATTERN = r"(?<![a-z0-9._%+-])[a-z0-9._%+-]+@[a-z0-9-]+(?:\.[a-z0-9-]+)*\.[a-z]{2,}"
URL_PATTERN = (
    r"(?:https?://|www\.)[^ \t\n\r\f\v]+"
    r"|(?<![a-z0-9@.-])[a-z0-9-]+(?:\.[a-z0-9-]+)*"
    r"\.(?:com|net|org|co|uk|ly|gl|in|io|me|biz|info|xyz|link|site|online|app)(?![a-z0-9])(?:/[^ \t\n\r\f\v]*)?"
)
MONEY_PATTERN = (
    r"(?:[£$€₹]|(?<![a-z0-9])(?:rs\.?|inr|usd|gbp|eur))[ ]?[0-9]+(?:[.,][0-9]+)*(?:[km](?![a-z0-9]))?"
    r"|(?<![a-z0-9.,])[0-9]+(?:[.,][0-9]+)*[ ]?(?:p|pence|pounds?|rupees?|dollars?|euros?|usd|gbp|inr)(?![a-z0-9])"
)
PHONE_PATTERN = r"(?<![a-z0-9])\+?[0-9](?:[ -]?[0-9]){7,}(?![a-z0-9])"
NUMBER_PATTERN = r"(?<![a-z0-9])[0-9]+(?:[.,:][0-9]+)*(?![a-z0-9])"

PLACEHOLDER_PATTERNS: tuple[tuple[str, str], ...] = (
    ("xxemail", EMAIL_PATTERN),
    ("xxurl", URL_PATTERN),
    ("xxmoney", MONEY_PATTERN),
    ("xxphone", PHONE_PATTERN),
    ("xxnum", NUMBER_PATTERN),
)
_COMPILED_PLACEHOLDERS = tuple((token, re.compile(pattern)) for token, pattern in PLACEHOLDER_PATTERNS)
_TOKEN_RE = re.compile(TOKEN_PATTERN)


def load_stopwords(path: Path | str = DEFAULT_STOPWORDS_PATH) -> list[str]:
    """The NLTK English stopword list shipped in data/ (one word per line), in file order, without duplicates."""
    words: list[str] = []
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        word = line.strip()
        if word and word not in words:
            words.append(word)
    return words


def _normalize_assigned(text: str) -> str:
    return NONSPACING_MARK_RE.sub("", unicodedata.normalize("NFKD", text)).lower()


def normalize(text: str) -> str:
    """Section 1: NFKD, drop non-spacing marks (category Mn), lowercase, as Unicode 14.0 says: code points it does
    not assign stay as they are, and Mn is its table (both scorers ship it: training/unicode_pin.py)."""
    if not UNASSIGNED_RE.search(text):
        return _normalize_assigned(text)
    # split() with a capturing group alternates: even items are normalised, odd ones are unassigned code points.
    parts = UNASSIGNED_RE.split(text)
    return "".join(part if i % 2 else _normalize_assigned(part) for i, part in enumerate(parts))


def substitute_placeholders(normalized: str) -> str:
    """Section 2: replace e-mails, URLs, money, phone numbers and other numbers by placeholder tokens."""
    for token, pattern in _COMPILED_PLACEHOLDERS:
        normalized = pattern.sub(f" {token} ", normalized)
    return normalized


def clean_text(text: str) -> str:
    """Sections 1, 1b and 2 in the spec's order: the text whose `[a-z0-9]+` matches are the tokens.

    The evasion steps sit where they cannot harm: invisible characters and emoji go before NFKD (on the raw text),
    look-alike letters and separated letters after lowercasing, leetspeak only after placeholders, when amounts, phone
    numbers and OTP codes are already placeholder tokens.
    """
    normalized = undo_confusables(normalize(strip_invisible_and_emoji(text)))
    return undo_leetspeak(substitute_placeholders(join_separated_letters(normalized)))


@lru_cache(maxsize=200_000)
def tokenize(text: str) -> tuple[str, ...]:
    """Sections 1-3: the token sequence of a raw message (placeholders included), each cut to MAX_TOKEN_LENGTH."""
    return tuple(token[:MAX_TOKEN_LENGTH] for token in _TOKEN_RE.findall(clean_text(text)))


@lru_cache(maxsize=200_000)
def stem(token: str) -> str:
    """npm natural's PorterStemmer, the service's stemmer, as ported in training/porter_stemmer.py (§4.2)."""
    return porter_stemmer.stem(token)


def word_sequence(tokens: Iterable[str], stopwords: frozenset[str]) -> list[str]:
    """Section 4.1: keep placeholders, drop stopwords, stem everything else."""
    words: list[str] = []
    for token in tokens:
        if token in PLACEHOLDERS:
            words.append(token)
        elif token not in stopwords:
            words.append(stem(token))
    return words


def ngrams(items: Sequence[str], ngram_range: tuple[int, int]) -> list[str]:
    """Section 4.3: every run of n consecutive items joined by one space, in order of n then position."""
    low, high = ngram_range
    out: list[str] = []
    for n in range(low, high + 1):
        out.extend(" ".join(items[i : i + n]) for i in range(len(items) - n + 1))
    return out


def char_ngrams(tokens: Iterable[str], ngram_range: tuple[int, int]) -> list[str]:
    """Section 5: substrings of " token " of each length n, token by token, then n, then left to right."""
    low, high = ngram_range
    out: list[str] = []
    for token in tokens:
        padded = f" {token} "
        for n in range(low, high + 1):
            out.extend(padded[i : i + n] for i in range(len(padded) - n + 1))
    return out


@lru_cache(maxsize=50_000)
def _word_features(text: str, stopwords: frozenset[str], ngram_range: tuple[int, int]) -> tuple[str, ...]:
    return tuple(ngrams(word_sequence(tokenize(text), stopwords), ngram_range))


@lru_cache(maxsize=50_000)
def _char_features(text: str, ngram_range: tuple[int, int]) -> tuple[str, ...]:
    return tuple(char_ngrams(tokenize(text), ngram_range))


class WordAnalyzer:
    """Callable analyser of the `word` feature block; picklable, so it can live inside the logged sklearn model."""

    analyzer = "word"

    def __init__(self, stopwords: Iterable[str], ngram_range: tuple[int, int] = (1, 2)) -> None:
        self.stopwords = list(stopwords)
        self.ngram_range = (int(ngram_range[0]), int(ngram_range[1]))
        self._stopword_set = frozenset(self.stopwords)

    def __call__(self, text: str) -> list[str]:
        return list(_word_features(text, self._stopword_set, self.ngram_range))

    def __repr__(self) -> str:
        return f"WordAnalyzer(stopwords=<{len(self.stopwords)} words>, ngram_range={self.ngram_range})"


class CharAnalyzer:
    """Callable analyser of the `char` feature block."""

    analyzer = "char"

    def __init__(self, ngram_range: tuple[int, int] = (2, 5)) -> None:
        self.ngram_range = (int(ngram_range[0]), int(ngram_range[1]))

    def __call__(self, text: str) -> list[str]:
        return list(_char_features(text, self.ngram_range))

    def __repr__(self) -> str:
        return f"CharAnalyzer(ngram_range={self.ngram_range})"


def analyse(text: str, analyzer: str, ngram_range: Sequence[int], stopwords: Iterable[str] = ()) -> list[str]:
    """Feature strings of one block, as listed in golden.json (before vocabulary filtering)."""
    rng = (int(ngram_range[0]), int(ngram_range[1]))
    if analyzer == "word":
        return list(_word_features(text, frozenset(stopwords), rng))
    if analyzer == "char":
        return list(_char_features(text, rng))
    raise ValueError(f"unknown analyzer {analyzer!r}")
