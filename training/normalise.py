"""Evasion normalisation of docs/model-format.md section 1b (format version 3).

Spam hides its words from filters: look-alike letters of other scripts (`Bank` with a Cyrillic Ve and a), zero-width
characters inside words, emoji letters and emoji used as separators, letters spaced or dotted apart (`c.l.a.i.m`,
`f r e e`) and leetspeak (`fr33`, `v3rify`, `cl@im`). These steps undo the common forms, so the model sees the word it
learned. Each step is a plain regular expression with explicit character classes (no `\\w \\d \\s \\b`), which the
TypeScript scorer (src/prediction/scoring/evasion-normalisation.ts) reads identically; the tables below are printed
in the spec and both sides are tested against it. Where each step runs in the pipeline (before or after NFKD, before
or after placeholders) is what keeps real numbers, amounts and OTP codes intact: see `training.features.tokenize`.
"""

from __future__ import annotations

import re

# The step names, in order, as model.json's preprocessing.evasion lists them (a loader checks the list).
EVASION_STEPS = ("zero_width", "emoji", "confusables", "separators", "leetspeak")

# Step 1, on the raw text: invisible format characters that split a word without showing (removed, not spaced).
# U+00AD soft hyphen, U+180E Mongolian vowel separator, U+200B-U+200F zero-width space/non-joiner/joiner and marks,
# U+2060-U+2064 word joiner and invisible operators, U+FEFF zero-width no-break space.
ZERO_WIDTH_PATTERN = "[\u00ad\u180e\u200b-\u200f\u2060-\u2064\ufeff]"

# Step 2, on the raw text: letter emoji become their letter, every other emoji a space (a separator, as before).
# Regional indicators U+1F1E6-U+1F1FF, negative circled U+1F150-U+1F169 and negative squared U+1F170-U+1F189 letters
# have no NFKD decomposition (circled and squared ones do, and NFKD handles them).
EMOJI_LETTER_RANGES = ((0x1F1E6, 0x1F1FF), (0x1F150, 0x1F169), (0x1F170, 0x1F189))
EMOJI_PATTERN = "[\U0001f000-\U0001faff\u2600-\u27bf\u2b00-\u2bff\u2300-\u23ff]"

# Step 3, after NFKD and lowercasing: look-alike letters of other scripts, applied only inside a word that also has an
# ASCII letter (a mixed-script word), so real Cyrillic or Greek text stays as it is. Keys are lowercase: uppercase
# look-alikes (Cyrillic В, Н, К; Greek Η) arrive lowercased. Printed in docs/model-format.md §1b; tested against it.
CONFUSABLES: dict[str, str] = {
    # Cyrillic
    "\u0430": "a",  # а
    "\u0432": "b",  # в (from В)
    "\u0435": "e",  # е
    "\u043a": "k",  # к (from К)
    "\u043c": "m",  # м (from М)
    "\u043d": "h",  # н (from Н)
    "\u043e": "o",  # о
    "\u0440": "p",  # р
    "\u0441": "c",  # с
    "\u0442": "t",  # т (from Т)
    "\u0443": "y",  # у
    "\u0445": "x",  # х
    "\u0455": "s",  # ѕ
    "\u0456": "i",  # і
    "\u0458": "j",  # ј
    "\u04bb": "h",  # һ
    "\u04cf": "l",  # ӏ
    "\u0501": "d",  # ԁ
    "\u051b": "q",  # ԛ
    "\u051d": "w",  # ԝ
    # Greek
    "\u03b1": "a",  # α
    "\u03b2": "b",  # β (from Β)
    "\u03b5": "e",  # ε (from Ε)
    "\u03b7": "h",  # η (from Η)
    "\u03b9": "i",  # ι
    "\u03ba": "k",  # κ
    "\u03bf": "o",  # ο
    "\u03c1": "p",  # ρ
    "\u03c4": "t",  # τ (from Τ)
    "\u03c5": "u",  # υ
    "\u03c7": "x",  # χ
    # Cherokee (small letters: the capitals lowercase to these)
    "\uab7a": "a",  # ꭺ (from Ꭺ)
    "\uab7c": "e",  # ꭼ (from Ꭼ)
    "\uabaf": "c",  # ꮯ (from Ꮯ)
    "\uab83": "w",  # ꮃ (from Ꮃ)
    # Latin look-alikes outside ASCII
    "\u0131": "i",  # ı dotless i
    "\u0251": "a",  # ɑ
    "\u0261": "g",  # ɡ
    # Armenian
    "\u0585": "o",  # օ
    "\u057d": "u",  # ս
}
_CONFUSABLE_CLASS = "".join(sorted(CONFUSABLES))
CONFUSABLE_WORD_PATTERN = f"[a-z0-9{_CONFUSABLE_CLASS}]+"
_ASCII_LETTER = re.compile("[a-z]")

# Step 4, after lowercasing, before placeholders: single letters joined by one repeated separator. Dots, hyphens,
# underscores or asterisks between at least 3 letters (`c.l.a.i.m`, `b-i-t`), single spaces between at least 4
# (`f r e e`; 3 would join text-speak such as `u r a`). Two letters (`e.g.`, `a.m.`) are left alone.
SEPARATED_LETTERS_PATTERN = (
    r"(?<![a-z0-9])[a-z]([._*-])[a-z](?:\1[a-z])+(?![a-z0-9])"  # c.l.a.i.m
    r"|(?<![a-z0-9])[a-z](?: [a-z]){3,}(?![a-z0-9])"  # f r e e
)
_NOT_LETTER = re.compile("[^a-z]")

# Step 5, after placeholders (so amounts, phone numbers, OTP codes and other numbers are already placeholder tokens and
# never touched): leet characters inside a word become letters. A word here is a run of letters and digits, possibly
# with `@` or `$` inside. It is rewritten only when it has at least 2 ASCII letters, every digit in it is a leet digit
# (0 1 3 4 5 7; a word with 2, 6, 8 or 9 is a code or a model name: `win2`, `covid19`), and it does not start with a
# digit 1-9 (a number with a unit: `10am`, `4pm`, `1st`, `30mins`).
LEET_MAP: dict[str, str] = {"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "@": "a", "$": "s"}
LEET_WORD_PATTERN = r"[a-z0-9]+(?:[@$][a-z0-9]+)*"
_NON_LEET_DIGIT = re.compile("[2689]")

_ZERO_WIDTH = re.compile(ZERO_WIDTH_PATTERN)
_EMOJI = re.compile(EMOJI_PATTERN)
_CONFUSABLE_WORD = re.compile(CONFUSABLE_WORD_PATTERN)
_CONFUSABLE_HINT = re.compile(f"[{_CONFUSABLE_CLASS}]")
_SEPARATED = re.compile(SEPARATED_LETTERS_PATTERN)
_LEET_WORD = re.compile(LEET_WORD_PATTERN)
_NON_ASCII = re.compile("[\u0080-\U0010ffff]")
_LEET_HINT = re.compile("[a-z][013457@$]|[013457@$][a-z]")


def _emoji_letter(code_point: int) -> str | None:
    for low, high in EMOJI_LETTER_RANGES:
        if low <= code_point <= high:
            return chr(ord("a") + (code_point - low) % 26)
    return None


def _emoji(match: re.Match[str]) -> str:
    return _emoji_letter(ord(match.group(0))) or " "


def strip_invisible_and_emoji(text: str) -> str:
    """Steps 1-2 (raw text, before NFKD): zero-width characters out, letter emoji to letters, other emoji to spaces."""
    if not _NON_ASCII.search(text):
        return text
    return _EMOJI.sub(_emoji, _ZERO_WIDTH.sub("", text))


def _confusable_word(match: re.Match[str]) -> str:
    word = match.group(0)
    if not _ASCII_LETTER.search(word):
        return word
    return "".join(CONFUSABLES.get(ch, ch) for ch in word)


def undo_confusables(normalized: str) -> str:
    """Step 3 (after NFKD, marks removed, lowercase): look-alike letters inside mixed-script words."""
    # Most texts have no look-alike at all (`£`, accents and emoji are not): same result, faster.
    if not _CONFUSABLE_HINT.search(normalized):
        return normalized
    return _CONFUSABLE_WORD.sub(_confusable_word, normalized)


def join_separated_letters(normalized: str) -> str:
    """Step 4: `c.l.a.i.m` -> `claim`, `f r e e` -> `free`."""
    return _SEPARATED.sub(lambda m: _NOT_LETTER.sub("", m.group(0)), normalized)


def _leet_word(match: re.Match[str]) -> str:
    word = match.group(0)
    if len(_ASCII_LETTER.findall(word)) < 2 or _NON_LEET_DIGIT.search(word) or "1" <= word[0] <= "9":
        return word
    return "".join(LEET_MAP.get(ch, ch) for ch in word)


def undo_leetspeak(substituted: str) -> str:
    """Step 5 (after placeholders): `fr33` -> `free`, `v3rify` -> `verify`, `cl@im` -> `claim`."""
    # A word to rewrite has a leet character next to a letter; most messages have none (same result, faster).
    if not _LEET_HINT.search(substituted):
        return substituted
    return _LEET_WORD.sub(_leet_word, substituted)
