"""Evasion normalisation (docs/model-format.md §1b): each step, what it must leave alone, and the spec's tables."""

from __future__ import annotations

import re

import pytest

from training import normalise as n
from training.features import tokenize
from training.tests.code.obfuscations import OBFUSCATIONS
from training.tests.conftest import REPO_ROOT

SPEC = (REPO_ROOT / "docs" / "model-format.md").read_text(encoding="utf-8")
tok = tokenize.__wrapped__  # uncached: every call runs the steps


def test_confusables_equal_the_spec_table() -> None:
    rows = re.findall(r"^\| U\+([0-9A-F]{4,5}) \| (.) \| `([a-z])` \| [^|]+ \|$", SPEC, flags=re.MULTILINE)
    assert len(rows) >= 30
    assert {chr(int(code, 16)): letter for code, _, letter in rows} == n.CONFUSABLES
    assert all(char == chr(int(code, 16)) for code, char, _ in rows)


def test_patterns_are_the_ones_the_spec_prints() -> None:
    def printed(pattern: str) -> str:  # the spec writes non-ASCII code points as \\uXXXX / \\u{XXXXX}
        return "".join(
            ch if ord(ch) < 0x80 else (f"\\u{ord(ch):04x}" if ord(ch) <= 0xFFFF else f"\\u{{{ord(ch):x}}}")
            for ch in pattern
        )

    for pattern in (n.ZERO_WIDTH_PATTERN, n.EMOJI_PATTERN, n.SEPARATED_LETTERS_PATTERN, n.LEET_WORD_PATTERN):
        assert f"`{printed(pattern)}`" in SPEC, printed(pattern)
    assert "`0 1 3 4 5 7 @ $` replaced by `o i e a s t a s`" in SPEC
    assert "".join(n.LEET_MAP) == "013457@$" and "".join(n.LEET_MAP.values()) == "oieasta" + "s"


@pytest.mark.parametrize(
    ("step", "text", "tokens"),
    [
        (
            "zero_width",
            "N\u200ce\u200ct\u200cBanking cl\u200baim\u2060 now\u00ad\ufeff",
            ("netbanking", "claim", "now"),
        ),
        (
            "emoji letters",
            "\U0001f1eb\U0001f1f7\U0001f1ea\U0001f1ea \U0001f175\U0001f181\U0001f174\U0001f174",
            ("free", "free"),
        ),
        ("emoji separators", "F\U0001f525R\U0001f525E\U0001f525E win\u2705now", ("free", "win", "now")),
        (
            "confusables",
            "\u0412\u0430nk v\u0435rify \u13dfongrats \u03a1arcel",
            ("bank", "verify", "congrats", "parcel"),
        ),
        ("separators", "c.l.a.i.m B-I-T-C-O-I-N s_a_l_e j*o*b f r e e", ("claim", "bitcoin", "sale", "job", "free")),
        (
            "leetspeak",
            "FR33 v3rify y0ur cl@im 0ff ca$h W1NNER",
            ("free", "verify", "your", "claim", "off", "cash", "winner"),
        ),
        ("mixed case", "FrEe DeLiVeRy", ("free", "delivery")),
    ],
)
def test_each_step_undoes_its_obfuscation(step: str, text: str, tokens: tuple[str, ...]) -> None:
    assert tok(text) == tokens, step


@pytest.mark.parametrize(
    ("text", "tokens"),
    [
        ("OTP 482913, code G-442018", ("otp", "xxnum", "code", "g", "xxnum")),
        ("£1,000 Rs.5,000 $19.99 150p", ("xxmoney", "xxmoney", "xxmoney", "xxmoney")),
        ("call 0800 123 4567 or +44 7911 123456", ("call", "xxphone", "or", "xxphone")),
        ("10am 4pm 1st 30mins 24hrs 2nd", ("10am", "4pm", "1st", "30mins", "24hrs", "2nd")),
        ("win2 covid19 s24 b4 mp3", ("win2", "covid19", "s24", "b4", "mpe")),
        ("e.g. a.m. u r a star i.e.", ("e", "g", "a", "m", "u", "r", "a", "star", "i", "e")),
        ("\u043f\u0440\u0438\u0432\u0435\u0442 \u03ba\u03b1\u03bb\u03b7\u03bc\u03ad\u03c1\u03b1", ()),
        ("mail john.smith@mail.example.co.uk", ("mail", "xxemail")),
    ],
)
def test_real_numbers_amounts_codes_and_scripts_are_left_alone(text: str, tokens: tuple[str, ...]) -> None:
    # `mp3` -> `mpe` is the documented cost of leet digits after letters (docs/model-format.md §1b step 5).
    assert tok(text) == tokens


@pytest.mark.parametrize("name", sorted(OBFUSCATIONS))
def test_every_obfuscation_of_a_modern_message_gives_back_its_tokens(name: str) -> None:
    """Property over the whole modern set: obfuscating a message and normalising it yields the original tokens."""
    from training.data import load_modern_set

    obfuscate = OBFUSCATIONS[name]
    broken = []
    for text in load_modern_set().texts:
        if tok(obfuscate(text)) != tok(text):
            broken.append(text)
    assert broken == []


def test_without_the_steps_the_obfuscations_would_change_the_tokens() -> None:
    """The property above is not vacuous: before format version 3 every obfuscation changed the tokens."""
    from training.features import normalize, substitute_placeholders

    def old_tokens(text: str) -> list[str]:
        return re.findall("[a-z0-9]+", substitute_placeholders(normalize(text)))

    text = "Claim your free prize today, verify your account now"
    for name, obfuscate in OBFUSCATIONS.items():
        if name != "mixed_case":
            assert old_tokens(obfuscate(text)) != old_tokens(text), name
