"""Code tests of the analysers: they must follow docs/model-format.md to the letter (TypeScript mirrors them)."""

from __future__ import annotations

import re

import pytest

from training import features as f
from training.tests.conftest import REPO_ROOT

SPEC = (REPO_ROOT / "docs" / "model-format.md").read_text(encoding="utf-8")


def spec_placeholder_table() -> list[tuple[str, str]]:
    rows = re.findall(r"^\| (\d) \| `(xx[a-z]+)` \| `(.+)` \|$", SPEC, flags=re.MULTILINE)
    return [(token, pattern.replace(r"\|", "|")) for _, token, pattern in sorted(rows)]


def test_placeholder_patterns_equal_the_spec_table() -> None:
    assert spec_placeholder_table() == list(f.PLACEHOLDER_PATTERNS)
    assert [t for t, _ in f.PLACEHOLDER_PATTERNS] == list(f.PLACEHOLDERS)


@pytest.mark.parametrize("escape", [r"\w", r"\W", r"\d", r"\D", r"\s", r"\S", r"\b", r"\B"])
def test_patterns_use_only_explicit_ascii_classes(escape: str) -> None:
    for _, pattern in f.PLACEHOLDER_PATTERNS:
        assert escape not in pattern
    assert escape not in f.TOKEN_PATTERN


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Café", "cafe"),
        ("ＦＲＥＥ １２３", "free 123"),  # full-width letters/digits and ideographic space
        ("ﬁne", "fine"),  # ligature
        ("a\u00a0b", "a b"),  # NBSP becomes a plain space under NFKD
        ("İSTANBUL", "istanbul"),  # dot above is a combining mark, stripped before lowercasing
        ("naïve résumé", "naive resume"),
        ("Straße", "straße"),  # ß has no decomposition: kept, later split by the ASCII token pattern
    ],
)
def test_normalize(raw: str, expected: str) -> None:
    assert f.normalize(raw) == expected


@pytest.mark.parametrize(
    ("raw", "tokens"),
    [
        ("mail me at john.doe+x@mail.example.co.uk now", ["mail", "me", "at", "xxemail", "now"]),
        ("go to http://bit.ly/AbC?x=1 today", ["go", "to", "xxurl", "today"]),
        ("visit www.win.com!", ["visit", "xxurl"]),
        ("claim at prize.co.uk/x or tinyurl.com", ["claim", "at", "xxurl", "or", "xxurl"]),
        ("win £1,000 or $5k", ["win", "xxmoney", "or", "xxmoney"]),
        (
            "Rs. 500 and Rs500 and INR 2500 and ₹10,000",
            ["xxmoney", "and", "xxmoney", "and", "xxmoney", "and", "xxmoney"],
        ),
        ("only 150p a msg, 10 pounds, 5 rupees", ["only", "xxmoney", "a", "msg", "xxmoney", "xxmoney"]),
        ("call 09061701461 or +44 7911 123456", ["call", "xxphone", "or", "xxphone"]),
        ("at 12:30 on 2.5 days, 4 u", ["at", "xxnum", "on", "xxnum", "days", "xxnum", "u"]),
        ("txt WIN2 to 87121", ["txt", "win2", "to", "xxnum"]),
        ("😀 ÄÖÜ ß 中文", ["aou"]),
        ("", []),
    ],
)
def test_tokenize_with_placeholders(raw: str, tokens: list[str]) -> None:
    assert list(f.tokenize(raw)) == tokens


def test_placeholders_never_fuse_with_neighbours() -> None:
    assert list(f.tokenize("abc£5def")) == ["abc", "xxmoney", "def"]


def test_stemmer_is_naturals_porter() -> None:
    # natural (like NLTK's MARTIN_EXTENSIONS, unlike NLTK's default mode: 'die', 'lie', 'sky', 'news') gives these.
    assert [f.stem(w) for w in ("dying", "lying", "skies", "news")] == ["dy", "ly", "ski", "new"]
    assert f.stem("messages") == "messag"


def test_word_sequence_keeps_placeholders_drops_stopwords_and_stems() -> None:
    stop = frozenset({"the", "to", "you", "xxurl"})  # a placeholder is kept even if listed as a stopword
    assert f.word_sequence(["you", "won", "the", "xxurl", "prizes"], stop) == ["won", "xxurl", "prize"]


def test_word_ngrams_are_ordered_by_n_then_position() -> None:
    assert f.ngrams(["a", "b", "c"], (1, 2)) == ["a", "b", "c", "a b", "b c"]
    assert f.ngrams(["a"], (2, 3)) == []


def test_char_ngrams_pad_each_token_and_skip_too_short() -> None:
    assert f.char_ngrams(["ab"], (1, 3)) == [" ", "a", "b", " ", " a", "ab", "b ", " ab", "ab "]
    assert f.char_ngrams(["a"], (4, 5)) == []  # " a " is shorter than 4
    assert f.char_ngrams(["ab", "c"], (4, 4)) == [" ab "]


def test_analysers_match_the_spec_functions(stopwords: list[str]) -> None:
    text = "WINNER!! Claim your £900 prize at www.prize.com before 12:00"
    word = f.WordAnalyzer(stopwords, (1, 2))
    char = f.CharAnalyzer((1, 3))
    assert word(text) == f.analyse(text, "word", (1, 2), stopwords)
    assert char(text) == f.analyse(text, "char", (1, 3))
    assert word(text)[:6] == ["winner", "claim", "xxmoney", "prize", "xxurl", "xxnum"]


def test_analyse_rejects_unknown_block() -> None:
    with pytest.raises(ValueError, match="unknown analyzer"):
        f.analyse("x", "bpe", (1, 1))


def test_analysers_are_picklable_for_the_logged_model(stopwords: list[str]) -> None:
    import pickle

    word = pickle.loads(pickle.dumps(f.WordAnalyzer(stopwords, (1, 2))))
    # ("won" is in NLTK's list, as the stem of "won't": the char block still sees it.)
    assert word("you got a prize") == ["got", "prize", "got prize"]


def test_tokens_are_cut_to_max_token_length() -> None:
    assert f.MAX_TOKEN_LENGTH == 40
    assert f"`max_token_length` = {f.MAX_TOKEN_LENGTH} characters" in SPEC
    assert f.FIXED_PREPROCESSING["max_token_length"] == f.MAX_TOKEN_LENGTH
    long = "b" * 5000
    assert f.tokenize(f"win {long} {'c' * 40}") == ("win", "b" * 40, "c" * 40)


def test_email_match_starts_where_the_local_part_run_starts() -> None:
    assert f.tokenize("a@b.com_x@y.org") == ("xxemail", "xay", "org")  # §1b step 5 reads the leftover x@y as leet
    assert f.tokenize("a" * 3000 + ".b@example.com") == ("xxemail",)
