"""Whether a question asks what to do, and whether a sentence tells the customer what to do.

"Someone stole my wallet with my card in it, what do I do?" is answered by the step ("Tap Cards, choose the card
and tap Report lost or stolen"), not by the sentence most like the question ("If you see payments you do not
recognise ..."). So a question asking how or what to do lets the sentences that give a step (a path in the app
such as "Profile > Account settings", or an instruction verb: tap, open, choose, call; en/zh/ja/id) rank a
little higher (`answer_sentences.rank_sentences`), as a question asking for a quantity does for the sentences
stating one (`answer_kind`). Pure and table-driven; no model.
"""

from __future__ import annotations

import re

_ASKS = re.compile(
    r"\b(how (do|can|should|would) (i|we|you)|how to|what (do|should|can) (i|we) do|what now|what next|"
    r"where (do|can) (i|we))\b|怎么|如何|怎样|怎麼|どうすれば|どうやって|どうしたら|手順|"
    r"\b(bagaimana|gimana|caranya|cara|harus apa)\b",
    re.I,
)
_STEP = re.compile(
    r"\S\s*[>＞»›]\s*\S|\*\*[^*]+\*\*|"
    r"\b(tap|open|choose|select|go to|press|call|scan|enter|switch (on|off)|turn (on|off))\b|"
    r"点击|进入|打开|选择|前往|轻点|点按|タップ|開き|開いて|選択|選んで|押して|"
    r"\b(ketuk|buka|pilih|masuk ke|tekan|aktifkan|matikan)\b",
    re.I,
)


def asks_steps(question: str) -> bool:
    """Whether the question asks how to do something, or what to do."""
    return _ASKS.search(question) is not None


def gives_steps(sentence: str) -> bool:
    """Whether the sentence tells the customer what to do: a path in the app, or an instruction verb."""
    return _STEP.search(sentence) is not None
