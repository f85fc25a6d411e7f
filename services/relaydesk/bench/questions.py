"""The customer questions the stack benchmarks and drills send: (text, language), over the demo knowledge."""

from __future__ import annotations

QUESTIONS: tuple[tuple[str, str], ...] = (
    ("I lost my credit card yesterday, can you block it?", "en"),
    ("How do I reset my online banking password?", "en"),
    ("Where is my order? It should have arrived on Monday.", "en"),
    ("Can I get a refund for a duplicate charge?", "en"),
    ("How long does a replacement card take to arrive?", "en"),
    ("我的信用卡被偷了，怎么办？", "zh"),
    ("パスワードを忘れました。どうすればいいですか？", "ja"),
    ("Bagaimana cara memblokir kartu kredit saya yang hilang?", "id"),
)
