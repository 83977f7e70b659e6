"""Export a fitted exportable pipeline as `model.json` (docs/model-format.md) and write `golden.json`."""

from __future__ import annotations

import hashlib
import json
import random
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import sklearn
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.naive_bayes import MultinomialNB
from sklearn.pipeline import FeatureUnion, Pipeline

from training.features import (
    FIXED_PREPROCESSING,
    FORMAT_VERSION,
    CharAnalyzer,
    WordAnalyzer,
    analyse,
)

MODEL_FILE = "model.json"
GOLDEN_FILE = "golden.json"
GOLDEN_TOLERANCE = 1e-9
SCHEMA_PATH = Path(__file__).resolve().parent.parent / "docs" / "model.schema.json"


class ExportError(ValueError):
    """The pipeline cannot be expressed in the portable format."""


def _block(name: str, vectorizer: TfidfVectorizer) -> dict[str, Any]:
    analyzer = vectorizer.analyzer
    if not isinstance(analyzer, (WordAnalyzer, CharAnalyzer)):
        raise ExportError(f"feature block {name!r} does not use a portable analyser: {analyzer!r}")
    if vectorizer.norm not in ("l2", None):
        raise ExportError(f"feature block {name!r}: norm {vectorizer.norm!r} is not portable")
    if not vectorizer.use_idf:
        raise ExportError(f"feature block {name!r}: use_idf=False is not portable")
    terms = [str(t) for t in vectorizer.get_feature_names_out()]
    return {
        "name": name,
        "analyzer": analyzer.analyzer,
        "ngram_range": list(analyzer.ngram_range),
        "sublinear_tf": bool(vectorizer.sublinear_tf),
        "norm": vectorizer.norm,
        "terms": terms,
        "idf": [float(v) for v in vectorizer.idf_],
    }


def _classifier(estimator: Any) -> dict[str, Any]:
    if isinstance(estimator, LogisticRegression):
        if estimator.coef_.shape[0] != 1 or list(estimator.classes_) != [0, 1]:
            raise ExportError("logistic regression must be binary with classes [0, 1]")
        return {
            "type": "logistic_regression",
            "coefficients": [float(v) for v in estimator.coef_[0]],
            "intercept": float(estimator.intercept_[0]),
        }
    if isinstance(estimator, MultinomialNB):
        if list(estimator.classes_) != [0, 1]:
            raise ExportError("naive Bayes must be binary with classes [0, 1]")
        return {
            "type": "multinomial_nb",
            "class_log_prior": [float(v) for v in estimator.class_log_prior_],
            "feature_log_prob": [[float(v) for v in row] for row in estimator.feature_log_prob_],
        }
    raise ExportError(f"classifier {type(estimator).__name__} is not portable")


def pipeline_to_model(pipeline: Pipeline, metadata: dict[str, Any], threshold: float = 0.5) -> dict[str, Any]:
    """The model.json document of a fitted pipeline built by `training.candidates.build_pipeline`."""
    union = pipeline.named_steps.get("features")
    if not isinstance(union, FeatureUnion):
        raise ExportError("pipeline has no FeatureUnion step named 'features' (the reference recipe is not portable)")
    if union.transformer_weights:
        raise ExportError("transformer_weights are not portable")
    blocks = []
    stopwords: list[str] | None = None
    for name, vectorizer in union.transformer_list:
        blocks.append(_block(name, vectorizer))
        if isinstance(vectorizer.analyzer, WordAnalyzer):
            if stopwords is not None and stopwords != vectorizer.analyzer.stopwords:
                raise ExportError("word blocks with different stopword lists are not portable")
            stopwords = list(vectorizer.analyzer.stopwords)
    classifier = _classifier(pipeline.named_steps["classifier"])
    n_features = sum(len(b["terms"]) for b in blocks)
    width = len(classifier["coefficients"]) if "coefficients" in classifier else len(classifier["feature_log_prob"][0])
    if width != n_features:
        raise ExportError(f"classifier expects {width} features, blocks give {n_features}")
    return {
        "format": "spam-classifier-model",
        "format_version": FORMAT_VERSION,
        "labels": ["ham", "spam"],
        "threshold": float(threshold),
        "preprocessing": {**FIXED_PREPROCESSING, "stopwords": stopwords or []},
        "features": blocks,
        "classifier": classifier,
        "metadata": {"sklearn_version": sklearn.__version__, **metadata},
    }


def validate_model_document(document: dict[str, Any], schema_path: Path = SCHEMA_PATH) -> None:
    """Validate against docs/model.schema.json (raises jsonschema.ValidationError)."""
    import jsonschema

    schema = json.loads(schema_path.read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator(schema).validate(document)


def dumps_model(document: dict[str, Any]) -> bytes:
    # Compact separators keep the file small; json writes floats as shortest round-trip repr (bit-exact in JS).
    return json.dumps(document, separators=(",", ":"), ensure_ascii=True, allow_nan=False).encode("utf-8")


def write_model(document: dict[str, Any], output_dir: Path) -> Path:
    validate_model_document(document)
    output_dir.mkdir(parents=True, exist_ok=True)
    path = output_dir / MODEL_FILE
    path.write_bytes(dumps_model(document))
    return path


# --------------------------------------------------------------------------------------------- golden cases
def awkward_messages() -> list[tuple[str, str]]:
    """Hand-written edge cases for the golden file: (id suffix, text)."""
    long_ham = " ".join(["I will be home late tonight, please keep some dinner for me and feed the cat."] * 40)
    long_spam = " ".join(["WINNER!! Claim your £1000 prize now at http://bit.ly/claim-now or call 09061701461."] * 30)
    return [
        ("empty", ""),
        ("spaces-only", "   \t\r\n  "),
        ("punctuation-only", "?!... ,;: --- ***"),
        ("stopwords-only", "I am the one who is in it"),
        ("emoji-only", "😀😂🎉👍"),
        ("emoji-and-words", "Congrats 🎉🎉 you WON a free iPhone 📱 claim now 👉 bit.ly/fr33"),
        ("accented-french", "Félicitations ! Vous avez gagné un café gratuit à Paris, réclamez-le"),
        ("accented-german", "Schöne Grüße aus München, wir sehen uns später"),
        ("german-sharp-s", "Straße STRASSE straße"),
        ("turkish-dotted-i", "İstanbul ılık IŞIK"),
        ("greek", "Κερδίσατε ένα δώρο! ΟΔΟΣ"),
        ("cyrillic", "Вы выиграли приз! Позвоните сейчас"),
        ("chinese", "恭喜您中奖了，请点击链接领取奖品"),
        ("arabic", "مبروك لقد ربحت جائزة"),
        ("hindi", "बधाई हो! आपने ₹5000 जीते हैं"),
        ("hindi-only", "नमस्ते आप कैसे हैं"),
        ("fullwidth", "ＦＲＥＥ　ｐｒｉｚｅ　１２３４５　ｗｗｗ．ｗｉｎ．ｃｏｍ"),
        ("ligatures", "ﬁnd the ﬂat oﬀer ﬀ"),
        ("nbsp-and-exotic-spaces", "free\u00a0entry\u2003now\u2009call\u202f0800\u00a0123\u00a0456"),
        ("line-separators", "win\u2028cash\u2029now\u0085please"),
        ("kelvin-and-roman", "\u212a\u2167 \u2460\u2461 \u00b2\u00b3"),
        ("combining-marks", "cafe\u0301 nai\u0308ve re\u0301sume\u0301"),
        ("mixed-case", "FrEe EnTrY iN 2 A wKlY cOmP"),
        ("url-only", "http://example.com/path?a=1&b=2"),
        ("urls-only", "https://bit.ly/3xYz www.prize.co.uk tinyurl.com/abc t.ly/x"),
        ("short-links", "Your parcel is held: dpd-redeliver.info/track?id=88 pay fee"),
        ("email-only", "john.smith+promo@mail.example.co.uk"),
        ("email-and-url", "write to win@prizes.com or visit prizes.com/now"),
        ("numbers-only", "12345 678 9 0"),
        ("digits-long", "00000000000000000000"),
        ("phone-uk", "Call 09061701461 now"),
        ("phone-intl", "Ring +44 7911 123456 or +91-98765-43210"),
        ("phone-dashed", "call 0800-505-060 today"),
        ("money-pounds", "Claim £1,000 or £250k or £5.50"),
        ("money-rupees", "Win Rs. 5,000 or Rs5000 or INR 2500 or ₹10,000 cashback"),
        ("money-dollars-euros", "$100 €50 USD 20 eur 30 5 dollars 10 euros"),
        ("money-suffixes", "only 150p per msg, 10 pence, 3 pounds, 500 rupees"),
        ("money-mojibake", "Win å£1000 cash, call 08712300220 (150p/min)"),
        ("time-and-decimals", "meet at 12:30 or 7.45, v2.0.1 is out"),
        ("alnum-mix", "txt WIN2 to 87121 4 ur 2nd chance 2day"),
        ("placeholder-words", "xxurl xxmoney xxnum are just words here"),
        ("html-entities", "&lt;#&gt; &amp; &lt;DECIMAL&gt;"),
        ("quotes-apostrophes", "I'm gonna be home soon and i don't want to talk about this stuff anymore tonight"),
        ("tabs-newlines", "Line one\nLine two\r\n\tTabbed\fform\vvertical"),
        ("very-long-ham", long_ham),
        ("very-long-spam", long_spam),
        # Section 3's token cut: at, just above and far above MAX_TOKEN_LENGTH (40), and a long e-mail-like run.
        ("token-at-max-length", "x" * 39 + "s " + "supercalifragilisticexpialidociousnesses"),
        ("token-above-max-length", "supercalifragilisticexpialidociousnessesly winner"),
        ("token-consonant-run", "Claim " + "bcdfghjklmnpqrstvwxz" * 250 + " prize now"),
        ("token-long-digits", "call " + "0123456789" * 10 + " now"),
        ("email-long-local-part", "a" * 300 + ".b@example.com and " + "c" * 300 + "@mail.co.uk"),
        ("email-after-email", "a@b.com_x@y.org a@b.com.x@y.org"),
        ("single-letter", "a"),
        ("single-word-spam", "FREE"),
        ("smishing-bank", "ALERT: your HDFC account is blocked. Update KYC at hdfc-kyc.in/verify or call 18002586161"),
        ("smishing-delivery", "Royal Mail: your parcel has a £1.99 unpaid shipping fee, pay at royalmail-fee.com"),
        ("promo-rupees", "Get flat Rs.500 OFF on your next order! Use code SAVE500. T&C apply. bit.ly/sv500"),
        ("otp-ham", "Your OTP for login is 482913. Do not share it with anyone."),
        # Section 1b (format version 3): one case per evasion step, and the texts each step must leave alone.
        ("evasion-zero-width", "HDFC: your N\u200ce\u200ct\u200cBanking is blocked, cl\u200baim\u2060 now\u00ad\ufeff"),
        (
            "evasion-emoji-letters",
            "\U0001f1eb\U0001f1f7\U0001f1ea\U0001f1ea gift \U0001f175\U0001f181\U0001f174\U0001f174 \U0001f15e",
        ),
        ("evasion-emoji-separators", "F\U0001f525R\U0001f525E\U0001f525E entry \u2b50 win\u2705now \u231a"),
        ("evasion-confusables", "\u0412\u0430nk alert: v\u0435rify \u13dfongratulations \u03a1arcel \u0131d"),
        (
            "evasion-confusables-real-script",
            "\u043f\u0440\u0438\u0432\u0435\u0442 \u03ba\u03b1\u03bb\u03b7\u03bc\u03ad\u03c1\u03b1 ok",
        ),
        ("evasion-separators-dots", "c.l.a.i.m your B-I-T-C-O-I-N s_a_l_e j*o*b e.g. a.m. c.l-a.i.m"),
        ("evasion-separators-spaces", "f r e e entry S A L E now, u r a star"),
        ("evasion-leetspeak", "FR33 entry, v3rify y0ur acc0unt, cl@im n0w, 0ff, ca$h, W1NNER"),
        (
            "evasion-leetspeak-left-alone",
            "OTP 482913 at 10am 4pm 1st win2 covid19 SAVE500 \u00a31,000 0800123456 b4 x1",
        ),
        ("evasion-mixed-case", "FrEe DeLiVeRy + 25% oFf yOuR fIrSt OrDeR"),
        ("evasion-all-steps", "\U0001f4e6 URG\u0415NT: y0ur p@rcel is on h\u200b0ld, p.a.y now \U0001f449 dhl-fee.com"),
        ("ham-casual", "Hey, are we still on for dinner tonight? Let me know"),
        ("ham-numbers", "I'll be there by 6, table for 4 at 7:30 ok?"),
        (
            "obvious-spam",
            "URGENT! You have won a 1 week FREE membership in our £100,000 Prize Jackpot! Txt CLAIM to 81010",
        ),
    ]


def golden_cases(
    model: dict[str, Any],
    pipeline: Pipeline,
    real_messages: Sequence[str],
    seed: int,
    real_count: int = 260,
    modern_messages: Sequence[str] = (),
    modern_count: int = 60,
) -> list[dict[str, Any]]:
    """Real messages (a seeded sample, both classes) plus awkward ones, with features and sklearn probabilities.

    `data-*` cases come from the hold-out only, so they follow the distribution of `metadata.score_reference` (the
    drift test draws its "matching traffic" from them); today's messages get their own `modern-*` ids.
    """
    rng = random.Random(seed)

    def sample(messages: Sequence[str], count: int) -> list[str]:
        return list(messages) if len(messages) <= count else rng.sample(list(messages), count)

    entries = [(f"data-{i + 1:04d}", text) for i, text in enumerate(sample(real_messages, real_count))]
    entries += [(f"modern-{i + 1:04d}", text) for i, text in enumerate(sample(modern_messages, modern_count))]
    entries += [(f"awkward-{name}", text) for name, text in awkward_messages()]
    texts = [text for _, text in entries]
    probabilities = pipeline.predict_proba(texts)[:, 1]
    threshold = model["threshold"]
    stopwords = model["preprocessing"]["stopwords"]
    cases = []
    for (case_id, text), raw_probability in zip(entries, probabilities, strict=True):
        features = {
            block["name"]: analyse(text, block["analyzer"], block["ngram_range"], stopwords)
            for block in model["features"]
        }
        probability = float(raw_probability)
        cases.append(
            {
                "id": case_id,
                "text": text,
                "features": features,
                "spam_probability": probability,
                "label": model["labels"][1] if probability >= threshold else model["labels"][0],
            }
        )
    return cases


def write_golden(model_path: Path, cases: list[dict[str, Any]], output_dir: Path) -> Path:
    document = {
        "format_version": FORMAT_VERSION,
        "model_sha256": hashlib.sha256(model_path.read_bytes()).hexdigest(),
        "tolerance": GOLDEN_TOLERANCE,
        "cases": cases,
    }
    path = output_dir / GOLDEN_FILE
    path.write_text(json.dumps(document, ensure_ascii=False, separators=(",", ":")), encoding="utf-8")
    return path
