"""Process logging. Log ids, types and offsets; never transcript text or PII."""

from __future__ import annotations

import logging
import os


def setup_logging(level: str = "info") -> None:
    logging.basicConfig(
        level=getattr(logging, level.upper(), logging.INFO),
        format="%(asctime)s %(levelname)s [%(process)d] %(name)s: %(message)s",
    )
    # Third-party loggers that print payloads at debug level stay at warning.
    for noisy in ("aiokafka", "httpx", "urllib3", "presidio-analyzer", "ray"):
        logging.getLogger(noisy).setLevel(max(logging.WARNING, logging.getLogger().level))
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
