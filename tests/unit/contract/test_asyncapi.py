"""schemas/asyncapi.yaml documents exactly the topics the code uses, with messages that exist."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from relaydesk.common import schema_registry, serde
from relaydesk.common.topics import CATALOG, all_topic_specs

DOC = yaml.safe_load((schema_registry.schemas_dir() / "asyncapi.yaml").read_text())


def test_when_asyncapi_read_then_version_3() -> None:
    assert DOC["asyncapi"].startswith("3.")


def test_when_topics_compared_then_asyncapi_lists_every_topic_and_no_other() -> None:
    documented = {ch["address"] for ch in DOC["channels"].values() if "{" not in ch["address"]}
    assert documented == {spec.name for spec in all_topic_specs()}


@pytest.mark.parametrize("spec", CATALOG, ids=lambda s: s.name)
def test_when_topic_documented_then_message_matches_event_type(spec) -> None:
    channel = next(ch for ch in DOC["channels"].values() if ch["address"] == spec.name)
    (ref,) = [m["$ref"] for m in channel["messages"].values()]
    message = DOC["components"]["messages"][ref.rsplit("/", 1)[-1]]
    assert message["name"] == spec.event_type
    assert channel["x-key"] == spec.key


def test_when_messages_listed_then_each_payload_schema_exists() -> None:
    root = schema_registry.schemas_dir()
    types = {c.EVENT_TYPE for c in serde.EVENT_CLASSES}
    for message in DOC["components"]["messages"].values():
        assert (root / Path(message["payload"]["$ref"])).exists()
        assert message["name"] in types


def test_when_channel_consumed_then_it_has_a_producer() -> None:
    actions: dict[str, set[str]] = {}
    for op in DOC["operations"].values():
        actions.setdefault(op["channel"]["$ref"].rsplit("/", 1)[-1], set()).add(op["action"])
    assert set(actions) == set(DOC["channels"])
    assert all(a == {"send", "receive"} for a in actions.values())
