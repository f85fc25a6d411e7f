"""Read knowledge documents from files: Markdown (doc_id = file stem, title = first `# ` heading), JSONL
(one `{"doc_id","title","body","lang"?,"tags"?}` object per line), or a folder of them (recursively).

A Markdown file may start with a front-matter block of `key: value` lines between `---` fences; `lang`,
`tags` (comma-separated), `valid_from` and `valid_to` (ISO 8601) are read from it.

Standard library only: `relaydesk kb push` imports this and should start fast. Errors name the file and line,
never the content.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

DOC_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:/-]{0,199}$")
LANG = re.compile(r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$")
MARKDOWN_SUFFIXES = frozenset({".md", ".markdown"})
JSONL_SUFFIXES = frozenset({".jsonl", ".ndjson"})
_FRONT_KEYS = frozenset({"lang", "tags", "valid_from", "valid_to"})
_JSON_KEYS = frozenset({"doc_id", "title", "body", "lang", "tags", "version", "op", "valid_from", "valid_to"})


class DocumentError(ValueError):
    pass


@dataclass(frozen=True)
class Document:
    doc_id: str
    title: str
    body: str
    lang: str | None = None
    tags: list[str] = field(default_factory=list)
    version: int | None = None
    op: str = "upsert"
    valid_from: str | None = None
    valid_to: str | None = None

    def to_json(self) -> dict[str, Any]:
        """The gateway's document shape (`POST /v1/knowledge/documents`), without unset fields."""
        out = {k: v for k, v in asdict(self).items() if v is not None and v != []}
        if out.get("op") == "upsert":
            del out["op"]  # the gateway's default
        return out


def load_documents(paths: Sequence[str | Path]) -> list[Document]:
    """Every document under `paths`, in a stable order. Two documents with one doc_id is an error."""
    docs: list[Document] = []
    for path in _files(paths):
        if path.suffix.lower() in MARKDOWN_SUFFIXES:
            docs.append(parse_markdown(path))
        else:
            docs.extend(parse_jsonl(path))
    seen: set[str] = set()
    for doc in docs:
        if doc.doc_id in seen:
            raise DocumentError(f"doc_id {doc.doc_id!r} appears more than once")
        seen.add(doc.doc_id)
    return docs


def _files(paths: Sequence[str | Path]) -> Iterable[Path]:
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            found = sorted(
                p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in MARKDOWN_SUFFIXES | JSONL_SUFFIXES
            )
            if not found:
                raise DocumentError(f"{path}: no .md or .jsonl files")
            yield from found
        elif path.is_file():
            if path.suffix.lower() not in MARKDOWN_SUFFIXES | JSONL_SUFFIXES:
                raise DocumentError(f"{path}: expected a .md or .jsonl file")
            yield path
        else:
            raise DocumentError(f"{path}: no such file or folder")


def parse_markdown(path: Path, text: str | None = None) -> Document:
    text = path.read_text(encoding="utf-8") if text is None else text
    meta, lines = _front_matter(path, text.splitlines())
    title = ""
    body_lines: list[str] = []
    for line in lines:
        if not title and re.match(r"^#\s+\S", line):
            title = line.lstrip("#").strip()
            continue
        body_lines.append(line)
    if not title:
        raise DocumentError(f"{path}: no `# ` title heading")
    body = "\n".join(body_lines).strip()
    if not body:
        raise DocumentError(f"{path}: empty body")
    tags = [t.strip() for t in meta.get("tags", "").strip("[]").split(",") if t.strip()]
    return _checked(
        Document(
            doc_id=path.stem,
            title=title,
            body=body,
            lang=meta.get("lang") or None,
            tags=tags,
            valid_from=meta.get("valid_from") or None,
            valid_to=meta.get("valid_to") or None,
        ),
        str(path),
    )


def _front_matter(path: Path, lines: list[str]) -> tuple[dict[str, str], list[str]]:
    if not lines or lines[0].strip() != "---":
        return {}, lines
    meta: dict[str, str] = {}
    for n, line in enumerate(lines[1:], start=2):
        if line.strip() == "---":
            return meta, lines[n:]
        key, sep, value = line.partition(":")
        key = key.strip()
        if not sep or key not in _FRONT_KEYS:
            raise DocumentError(f"{path}:{n}: front matter takes only {sorted(_FRONT_KEYS)}")
        meta[key] = value.strip().strip("'\"")
    raise DocumentError(f"{path}: front matter is not closed with ---")


def parse_jsonl(path: Path, text: str | None = None) -> list[Document]:
    text = path.read_text(encoding="utf-8") if text is None else text
    docs = []
    for n, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        where = f"{path}:{n}"
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            raise DocumentError(f"{where}: not JSON ({exc.msg} at column {exc.colno})") from None
        if not isinstance(obj, dict):
            raise DocumentError(f"{where}: expected a JSON object")
        unknown = set(obj) - _JSON_KEYS
        if unknown:
            raise DocumentError(f"{where}: unknown keys {sorted(unknown)}")
        docs.append(_checked(_from_json(obj, where), where))
    return docs


def _from_json(obj: dict[str, Any], where: str) -> Document:
    for key in ("doc_id", "title", "body", "lang", "op", "valid_from", "valid_to"):
        if key in obj and obj[key] is not None and not isinstance(obj[key], str):
            raise DocumentError(f"{where}: {key} must be a string")
    tags = obj.get("tags") or []
    if not isinstance(tags, list) or not all(isinstance(t, str) for t in tags):
        raise DocumentError(f"{where}: tags must be a list of strings")
    version = obj.get("version")
    if version is not None and (not isinstance(version, int) or isinstance(version, bool) or version < 1):
        raise DocumentError(f"{where}: version must be a positive integer")
    return Document(
        doc_id=obj.get("doc_id") or "",
        title=obj.get("title") or "",
        body=obj.get("body") or "",
        lang=obj.get("lang"),
        tags=list(tags),
        version=version,
        op=obj.get("op") or "upsert",
        valid_from=obj.get("valid_from"),
        valid_to=obj.get("valid_to"),
    )


def _checked(doc: Document, where: str) -> Document:
    if not DOC_ID.match(doc.doc_id):
        raise DocumentError(f"{where}: doc_id must match {DOC_ID.pattern}")
    if doc.op not in ("upsert", "delete"):
        raise DocumentError(f"{where}: op must be upsert or delete")
    if doc.op == "upsert" and not doc.body.strip():
        raise DocumentError(f"{where}: an upsert needs a non-empty body")
    if doc.lang is not None and not LANG.match(doc.lang):
        raise DocumentError(f"{where}: lang must be a language code such as en, zh, ja, id")
    if len(doc.title) > 500:
        raise DocumentError(f"{where}: title longer than 500 characters")
    if len(doc.body) > 200_000:
        raise DocumentError(f"{where}: body longer than 200000 characters")
    return doc
