"""The Porter stemmer of npm ``natural`` 8.1.1, ported to Python (docs/model-format.md §4.2).

The service stems with natural's ``PorterStemmer`` (lib/natural/stemmers/porter_stemmer.js), so that module is the
reference and this port follows it step for step, quirks included. The main quirk: natural marks a ``y`` after a
consonant as a vowel by replacing the whole consonant run before it (``[^aeiouy]+y`` -> ``CV``), so ``wklyat`` counts
as one VC sequence where Porter's paper counts two; NLTK therefore stems a few rare tokens differently
(``wklyation``: NLTK ``wklyation``, natural ``wklyat``). ``test/golden/scorer-parity.golden-spec.ts`` compares this
port with natural itself on 100,000 generated tokens.

JavaScript's ``String.replace`` with a non-global pattern replaces the first match only; every such pattern here is
anchored at the end (``$``), so ``re.sub(..., count=1)`` is the same. JavaScript's ``$`` matches only at the very end
and Python's also before a final newline, which tokens (``[a-z0-9]+``) never contain.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

# Replacement lists of steps 2 and 3: (suffix, replacement), tried in order, each on the result of the previous one.
_STEP2 = (
    ("ational", "ate"), ("tional", "tion"), ("enci", "ence"), ("anci", "ance"), ("izer", "ize"), ("abli", "able"),
    ("bli", "ble"), ("alli", "al"), ("entli", "ent"), ("eli", "e"), ("ousli", "ous"), ("ization", "ize"),
    ("ation", "ate"), ("ator", "ate"), ("alism", "al"), ("iveness", "ive"), ("fulness", "ful"), ("ousness", "ous"),
    ("aliti", "al"), ("iviti", "ive"), ("biliti", "ble"), ("logi", "log"),
)  # fmt: skip
_STEP3 = (("icate", "ic"), ("ative", ""), ("alize", "al"), ("iciti", "ic"), ("ical", "ic"), ("ful", ""), ("ness", ""))
_STEP1B = (("at", "ate"), ("bl", "ble"), ("iz", "ize"))
_STEP4_SUFFIX = re.compile(r"^(.+?)(al|ance|ence|er|ic|able|ible|ant|ement|ment|ent|ou|ism|ate|iti|ous|ive|ize)$")
_STEP4_ION = re.compile(r"^(.+?)(s|t)(ion)$")
_DOUBLE_CONSONANT = re.compile(r"([^aeiou])\1$")


def categorize_groups(token: str) -> str:
    """Runs of consonants as C and runs of vowels as V (natural: a consonant run followed by `y` becomes CV)."""
    return re.sub(r"[^V]+", "C", re.sub(r"[aeiou]+", "V", re.sub(r"[^aeiouy]+y", "CV", token)))


def categorize_chars(token: str) -> str:
    """One C or V per letter (natural: a consonant followed by `y` becomes CV)."""
    return re.sub(r"[^V]", "C", re.sub(r"[aeiou]", "V", re.sub(r"[^aeiouy]y", "CV", token)))


def measure(token: str | None) -> float:
    """Porter's m, the number of VC sequences; -1 for an empty or missing token, as natural (a half for odd lengths)."""
    if not token:
        return -1
    return len(re.sub(r"V$", "", re.sub(r"^C", "", categorize_groups(token)))) / 2


def _replace_suffix(token: str, suffix: str, replacement: str) -> str | None:
    """The token with `suffix` replaced, or None when it does not end with it (natural's attemptReplace)."""
    return token[: -len(suffix)] + replacement if token.endswith(suffix) else None


def _replace_patterns(token: str, replacements: Sequence[tuple[str, str]], threshold: float | None) -> str:
    """natural's attemptReplacePatterns: the measure is taken on the ORIGINAL token without the suffix, while the
    replacement applies to the running result, so several entries can fire one after the other."""
    result = token
    for suffix, replacement in replacements:
        if threshold is None or measure(_replace_suffix(token, suffix, "")) > threshold:
            result = _replace_suffix(result, suffix, replacement) or result
    return result


def _replace_regex(token: str, pattern: re.Pattern[str], groups: Sequence[int], minimum_measure: int) -> str | None:
    match = pattern.search(token)
    result = "".join(match.group(i) for i in groups) if match else ""
    return result if measure(result) > minimum_measure else None


def step1a(token: str) -> str:
    if re.search(r"(ss|i)es$", token):
        return re.sub(r"(ss|i)es$", r"\1", token, count=1)
    if token.endswith("s") and token[-2:-1] != "s" and len(token) > 2:
        return token[:-1]
    return token


def _step1b_after_removal(token: str) -> str | None:
    if "V" not in categorize_groups(token):
        return None
    result = _replace_patterns(token, _STEP1B, None)
    if result != token:
        return result
    if _DOUBLE_CONSONANT.search(token) and token[-1] not in "lsz":
        return _DOUBLE_CONSONANT.sub(r"\1", token, count=1)
    if measure(token) == 1 and categorize_chars(token)[-3:] == "CVC" and token[-1] not in "wxy":
        return token + "e"
    return token


def step1b(token: str) -> str:
    if token.endswith("eed"):
        return token[:-1] if measure(token[:-3]) > 0 else token
    removed = re.sub(r"(ed|ing)$", "", token, count=1)
    # natural treats an empty result as "no match" (`if (result)`), so "ed" and "ing" stay as they are.
    result = _step1b_after_removal(removed) if removed != token and removed else None
    return result or token


def step1c(token: str) -> str:
    if token.endswith("y") and "V" in categorize_groups(token)[:-1]:
        return token[:-1] + "i"
    return token


def step2(token: str) -> str:
    return _replace_patterns(token, _STEP2, 0)


def step3(token: str) -> str:
    return _replace_patterns(token, _STEP3, 0)


def step4(token: str) -> str:
    return _replace_regex(token, _STEP4_SUFFIX, (1,), 1) or _replace_regex(token, _STEP4_ION, (1, 2), 1) or token


def step5a(token: str) -> str:
    m = measure(re.sub(r"e$", "", token, count=1))
    chars = categorize_chars(token)
    # JavaScript's substr(-4, 3): three letters from the fourth-last, or from the start of a shorter token.
    ends_cvc_e = chars[max(len(chars) - 4, 0) :][:3] == "CVC" and re.search(r"[^wxy].$", token) is not None
    if m > 1 or (m == 1 and not ends_cvc_e):
        return re.sub(r"e$", "", token, count=1)
    return token


def step5b(token: str) -> str:
    return re.sub(r"ll$", "l", token, count=1) if measure(token) > 1 else token


def stem(token: str) -> str:
    """natural's PorterStemmer.stem: tokens shorter than three characters are returned as they are, others lowercased
    and passed through steps 1a to 5b."""
    if len(token) < 3:
        return token
    return step5b(step5a(step4(step3(step2(step1c(step1b(step1a(token.lower()))))))))
