"""Obfuscations that spam uses, as functions of a message (behavioural tests; docs/model-format.md §1b).

Each keeps what a reader sees and changes what a naive tokeniser sees. They touch letters only inside words of at
least 4 letters, never digits, so amounts, phone numbers and OTP codes stay as they were.
"""

from __future__ import annotations

import re
from collections.abc import Callable

# A word of 4+ ASCII letters that is not part of a longer word (any script), a URL, an e-mail or a hyphenated name.
_WORD = re.compile(r"(?<![\w@/.-])[A-Za-z]{4,}(?![\w@/-]|\.\w)")
# A single letter right before or after a word: spacing the word out would join it to that letter.
_SINGLE_BEFORE = re.compile(r"(?<![A-Za-z])[A-Za-z][ ]$")
_SINGLE_AFTER = re.compile(r"^[ ][A-Za-z](?![A-Za-z])")
_LATIN_TO_CYRILLIC = {"a": "\u0430", "e": "\u0435", "o": "\u043e", "p": "\u0440", "c": "\u0441"}
# Vowels only: a word keeps its consonants, so at least 2 letters remain (the step's condition).
_LEET = {"e": "3", "o": "0", "a": "4", "i": "1"}


def _each_word(change: Callable[[str], str]) -> Callable[[str], str]:
    return lambda text: _WORD.sub(lambda m: change(m.group(0)), text)


def _longest_word(change: Callable[[str], str]) -> Callable[[str], str]:
    """Only the message's longest word, and not one next to a single letter (`a c o n s u l t` reads as one word):
    spaced or emoji-separated words next to each other would merge (a documented limit of §1b step 4)."""

    def apply(text: str) -> str:
        matches = [
            m
            for m in _WORD.finditer(text)
            if not _SINGLE_BEFORE.search(text[: m.start()]) and not _SINGLE_AFTER.match(text[m.end() :])
        ]
        if not matches:
            return text
        target = max(matches, key=lambda m: len(m.group(0)))
        return text[: target.start()] + change(target.group(0)) + text[target.end() :]

    return apply


def _leet(word: str) -> str:
    # Not the first letter: a leading 1 or 3 reads as a number with a unit (`1st`), which the step leaves alone.
    return word[0] + "".join(_LEET.get(ch, ch) for ch in word[1:])


def _confusable(word: str) -> str:
    # One look-alike per word: the word stays mixed-script, which is what the step looks for.
    for i, ch in enumerate(word):
        if ch in _LATIN_TO_CYRILLIC:
            return word[:i] + _LATIN_TO_CYRILLIC[ch] + word[i + 1 :]
    return word


OBFUSCATIONS: dict[str, Callable[[str], str]] = {
    "leetspeak": _each_word(_leet),
    "confusables": _each_word(_confusable),
    "zero_width": _each_word("\u200b".join),
    "dotted_letters": _longest_word(".".join),
    "spaced_letters": _longest_word(" ".join),
    "emoji_separators": _longest_word("\U0001f525".join),
    "mixed_case": _each_word(lambda w: "".join(c.upper() if i % 2 else c.lower() for i, c in enumerate(w))),
}
