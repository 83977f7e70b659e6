"""The Python port of npm natural's Porter stemmer (training/porter_stemmer.py, docs/model-format.md §4.2).

Expected stems were printed by natural 8.1.1 itself (`node -e` with lib/natural/stemmers/porter_stemmer.js), not
taken from Porter's paper: where natural departs from the paper (`wklyation`), natural is the reference.
The 100,000-token comparison with natural live is test/golden/scorer-parity.golden-spec.ts.
"""

from __future__ import annotations

import pytest

from training import features
from training.porter_stemmer import measure, stem


@pytest.mark.parametrize(
    ("token", "expected"),
    [
        ("caresses", "caress"),  # step 1a
        ("ponies", "poni"),
        ("agreed", "agre"),  # step 1b: eed, then 5a drops the e
        ("hopping", "hop"),  # step 1b: double consonant undone
        ("filing", "file"),  # step 1b: m=1 CVC gets its e back
        ("running", "run"),
        ("happiness", "happi"),  # step 1c then step 3
        ("generously", "gener"),
        ("conditional", "condit"),  # steps 2 and 4
        ("relational", "relat"),  # step 2 gives "relate", step 5a drops the e
        ("controll", "control"),  # step 5b
        ("probate", "probat"),  # step 5a
        ("rate", "rate"),
        ("syzygy", "syzygi"),
        ("dying", "dy"),
        ("skies", "ski"),
        ("news", "new"),
        ("messages", "messag"),
        ("sky", "sky"),
        ("ing", "ing"),  # removing "ing" would leave nothing: natural keeps the token
        ("yy", "yy"),  # fewer than three characters: not stemmed
    ],
)
def test_stems_like_natural(token: str, expected: str) -> None:
    assert stem(token) == expected


def test_y_after_a_consonant_follows_natural_not_nltk() -> None:
    # natural groups "wklyat" as C V V C (the "y" vowel and the "a" vowel are not merged) and counts letters / 2:
    # m = 1.5 > 1, so step 4 removes "ion" (Porter's m is 1 and NLTK keeps "wklyation").
    assert measure("wklyat") == 1.5
    assert stem("wklyation") == "wklyat"
    assert stem("bayyation") == "bayyat"
    assert stem("flyying") == "fly"


def test_training_features_use_the_port() -> None:
    assert features.stem("wklyation") == "wklyat"
    assert features.STEMMER_NAME == "natural-porter"
