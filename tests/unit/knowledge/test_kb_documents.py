from __future__ import annotations

import json
from pathlib import Path

import pytest

from relaydesk.knowledge.demo import load_demo_documents
from relaydesk.knowledge.documents import DocumentError, load_documents, parse_jsonl, parse_markdown

pytestmark = pytest.mark.unit


def test_when_markdown_then_stem_is_doc_id_and_heading_is_title(tmp_path: Path) -> None:
    path = tmp_path / "card-lost.md"
    path.write_text("---\nlang: en\ntags: cards, security\n---\n# Lost card\n\nBlock it in the app.\n")
    doc = parse_markdown(path)
    assert (doc.doc_id, doc.title, doc.body, doc.lang, doc.tags) == (
        "card-lost", "Lost card", "Block it in the app.", "en", ["cards", "security"]
    )


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("no title here\n", "no `# ` title"),  # a title heading is required
        ("# Title\n\n", "empty body"),  # an upsert needs a body
        ("---\nauthor: me\n---\n# T\nbody\n", "front matter takes only"),  # unknown front-matter key
        ("---\nlang: en\n", "not closed"),  # unterminated front matter
    ],
)
def test_when_markdown_is_malformed_then_error_names_the_file(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "doc.md"
    path.write_text(content)
    with pytest.raises(DocumentError, match=message) as info:
        parse_markdown(path)
    assert str(path) in str(info.value)


def test_when_jsonl_then_one_document_per_line(tmp_path: Path) -> None:
    path = tmp_path / "kb.jsonl"
    lines = [{"doc_id": "a", "title": "A", "body": "alpha"}, {"doc_id": "b", "title": "B", "body": "beta", "lang": "id"}]
    path.write_text("\n".join(json.dumps(x) for x in lines) + "\n\n")
    docs = parse_jsonl(path)
    assert [(d.doc_id, d.lang) for d in docs] == [("a", None), ("b", "id")]


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ('{"doc_id": "a", "title": "A"', "not JSON"),  # broken JSON
        ('{"doc_id": "a b", "title": "A", "body": "x"}', "doc_id must match"),  # spaces not allowed
        ('{"doc_id": "a", "body": "x", "secret": "4111 1111 1111 1111"}', "unknown keys"),  # unknown key
        ('{"doc_id": "a", "title": "A", "body": ""}', "non-empty body"),  # upsert without body
        ('{"doc_id": "a", "body": "x", "version": 0}', "positive integer"),  # versions start at 1
        ('["a"]', "JSON object"),  # not an object
    ],
)
def test_when_jsonl_line_is_bad_then_error_has_line_but_no_content(tmp_path: Path, line: str, message: str) -> None:
    path = tmp_path / "kb.jsonl"
    path.write_text('{"doc_id": "ok", "title": "OK", "body": "fine"}\n' + line + "\n")
    with pytest.raises(DocumentError, match=message) as info:
        parse_jsonl(path)
    assert f"{path}:2" in str(info.value)
    assert "4111" not in str(info.value)


def test_when_folder_then_markdown_and_jsonl_are_read_recursively(tmp_path: Path) -> None:
    (tmp_path / "sub").mkdir()
    (tmp_path / "a.md").write_text("# A\nalpha\n")
    (tmp_path / "sub" / "more.jsonl").write_text('{"doc_id": "b", "title": "B", "body": "beta"}\n')
    (tmp_path / "notes.txt").write_text("ignored")
    assert [d.doc_id for d in load_documents([tmp_path])] == ["a", "b"]


def test_when_doc_id_appears_twice_then_error(tmp_path: Path) -> None:
    (tmp_path / "a.md").write_text("# A\nalpha\n")
    (tmp_path / "b.jsonl").write_text('{"doc_id": "a", "title": "A", "body": "again"}\n')
    with pytest.raises(DocumentError, match="more than once"):
        load_documents([tmp_path])


def test_when_serialised_for_gateway_then_defaults_are_left_out(tmp_path: Path) -> None:
    (tmp_path / "a.md").write_text("# A\nalpha\n")
    [doc] = load_documents([tmp_path / "a.md"])
    assert doc.to_json() == {"doc_id": "a", "title": "A", "body": "alpha"}


def test_when_demo_loaded_then_every_language_and_lost_card_are_covered() -> None:
    docs = load_demo_documents()
    langs = [d["lang"] for d in docs]
    assert 25 <= langs.count("en") <= 40
    assert all(langs.count(lang) >= 4 for lang in ("zh", "ja", "id"))
    assert {"card-lost-stolen", "zh-card-lost-stolen", "ja-card-lost-stolen", "id-card-lost-stolen"} <= {
        d["doc_id"] for d in docs
    }
    assert all(set(d) == {"doc_id", "title", "body", "lang", "tags"} for d in docs)


def test_when_eval_kb_shipped_then_it_matches_the_demo_articles() -> None:
    kb = Path(__file__).parents[3] / "evals" / "retrieval" / "KB.jsonl"
    shipped = [json.loads(line) for line in kb.read_text(encoding="utf-8").splitlines() if line.strip()]
    assert shipped == load_demo_documents()
