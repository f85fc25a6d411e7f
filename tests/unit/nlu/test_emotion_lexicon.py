from __future__ import annotations

import pytest

from relaydesk.emotion.adapters.vader import VaderPolarity
from relaydesk.emotion.features import FEATURE_NAMES, LexicalFeatures
from relaydesk.emotion.lexicon import TextView, builtin_lexicon


def _features(text: str, lang: str) -> dict[str, float]:
    values = LexicalFeatures(builtin_lexicon(), VaderPolarity()).extract(text, lang)
    return {name: float(v) for name, v in zip(FEATURE_NAMES, values, strict=True)}


@pytest.mark.parametrize(
    ("text", "lang", "cue"),
    [
        ("this is ridiculous", "en", "cue_anger"),  # English anger word
        ("气死了", "zh", "cue_anger"),  # Chinese anger
        ("キモい", "ja", "cue_disgust"),  # Japanese disgust slang
        ("jijik banget", "id", "cue_disgust"),  # Indonesian disgust
        ("😰", "en", "cue_fear"),  # emoji only
        ("ありがとう", "ja", "cue_joy"),  # Japanese thanks
        ("hiks", "id", "cue_sadness"),  # Indonesian sobbing
        ("えっ", "ja", "cue_surprise"),  # Japanese surprise interjection
        ("配信停止が怖い", "zh", "cue_fear"),  # kanji+kana text detected as zh still matches the ja list
    ],
)
def test_when_cue_word_then_its_emotion_counted(text: str, lang: str, cue: str) -> None:
    features = _features(text, lang)
    assert features[cue] >= 1.0
    others = [c for c in FEATURE_NAMES if c.startswith("cue_") and c != cue]
    assert features[cue] >= max(features[c] for c in others)


@pytest.mark.parametrize(
    ("text", "lang", "sarcastic"),
    [
        ("Oh great, you lost my parcel again", "en", True),  # praise next to a failure
        ("Great, thanks for the help", "en", False),  # praise alone
        ("真好啊，又丢了", "zh", True),  # Chinese
        ("Mantap, paket saya hilang lagi", "id", True),  # Indonesian
    ],
)
def test_when_praise_meets_failure_then_sarcasm_flagged(text: str, lang: str, sarcastic: bool) -> None:
    assert (_features(text, lang)["sarcasm"] == 1.0) is sarcastic


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("I'm calling my lawyer", "legal"),  # English legal threat
        ("我要去法院起诉你们", "legal"),  # Chinese
        ("消費者センターに通報します", "complain"),  # Japanese complaint to an outside body
        ("saya mau lapor ke YLKI", "complain"),  # Indonesian consumer body
        ("I'm switching to another bank", "leave"),  # leaving
        ("saya nggak akan pakai lagi", "leave"),  # Indonesian
        ("I'd like to close my account", None),  # an ordinary request, not a threat
        ("where is my order", None),  # nothing
    ],
)
def test_when_threat_phrase_then_kind_found(text: str, kind: str | None) -> None:
    assert builtin_lexicon().threat(TextView.of(text.casefold())) == kind


def test_when_shouting_and_punctuation_then_counted() -> None:
    features = _features("WHY IS THIS NOT FIXED?!", "en")
    assert features["caps"] == 1.0 and features["interrobang"] == 1.0 and features["question"] == 1.0


def test_when_not_english_then_no_vader() -> None:
    assert _features("太好了", "zh")["en_compound"] == 0.0
    assert _features("this is great", "en")["en_compound"] > 0.5


def test_when_prefix_cue_then_any_ending_matches() -> None:
    assert TextView.of("thankyou thanking").tokens == ("thankyou", "thanking")
    assert _features("thanking you", "en")["cue_joy"] >= 1.0
