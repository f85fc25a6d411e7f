from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from relaydesk.common.settings import relaydesk_home


class VectorStoreSettings(BaseSettings):
    """Which vector store a process opens. `edge` (default) keeps shards on local disk inside the process;
    `qdrant` talks to a Qdrant server (production, where knowledge and retrieval deploy separately)."""

    model_config = SettingsConfigDict(env_prefix="RELAYDESK_VECTORSTORE_", frozen=True)

    backend: Literal["edge", "qdrant"] = "edge"
    data_dir: Path | None = None  # edge: defaults to $RELAYDESK_HOME/qdrant-edge
    url: str = "http://127.0.0.1:6333"  # qdrant
    api_key: SecretStr | None = None
    collection_prefix: str = ""
    timeout_s: int = 10

    def edge_dir(self) -> Path:
        return self.data_dir or (relaydesk_home() / "qdrant-edge")
