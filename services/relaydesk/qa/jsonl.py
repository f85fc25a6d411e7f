"""Reading conversations (and their labels) from JSONL files for the offline commands."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from relaydesk.qa.conversation import Conversation, ConversationError, conversation_from_dict
from relaydesk.qa.rubric import ANSWERS


def read_conversations(path: Path, with_labels: bool = False) -> tuple[list[Conversation], list[dict[str, str]]]:
    conversations: list[Conversation] = []
    labels: list[dict[str, str]] = []
    with Path(path).open(encoding="utf-8") as fh:
        for number, line in enumerate(fh, start=1):
            if not line.strip():
                continue
            try:
                row: Any = json.loads(line)
                if not isinstance(row, dict):
                    raise ConversationError("expected a JSON object")
                conversations.append(conversation_from_dict(row))
            except json.JSONDecodeError:
                raise ConversationError(f"{path}:{number}: not JSON") from None
            except ConversationError as exc:
                raise ConversationError(f"{path}:{number}: {exc}") from None
            if with_labels:
                lab = row.get("labels")
                if not isinstance(lab, dict) or any(v not in ANSWERS for v in lab.values()):
                    raise ConversationError(f"{path}:{number}: `labels` must map question ids to yes|no|na")
                labels.append({str(k): str(v) for k, v in lab.items()})
    return conversations, labels
