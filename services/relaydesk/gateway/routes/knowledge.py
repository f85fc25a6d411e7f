"""Knowledge: updates become `knowledge.update` events; searches go to the worker that owns the index."""

from __future__ import annotations

import asyncio
import time
from typing import Annotated, Any, Literal

import httpx
from fastapi import APIRouter, HTTPException, Query, status
from pydantic import ValidationError

from relaydesk.common import serde
from relaydesk.common.internal_auth import auth_headers
from relaydesk.common.topics import Topics
from relaydesk.common.tracing import inject_headers
from relaydesk.events import KnowledgeUpdate
from relaydesk.gateway import metrics
from relaydesk.gateway.deps import Context, Tenant
from relaydesk.gateway.schemas import DocumentIn, DocumentsAccepted, DocumentsIn

router = APIRouter(prefix="/v1/knowledge", tags=["knowledge"])


def _version_now() -> int:
    """Default version: wall-clock microseconds, so a re-push of the same document supersedes the last one."""
    return time.time_ns() // 1000


@router.post("/documents", status_code=status.HTTP_202_ACCEPTED, response_model=DocumentsAccepted)
async def post_documents(body: DocumentsIn | DocumentIn, tenant: Tenant, ctx: Context) -> DocumentsAccepted:
    """Upsert or delete documents (one, or `{"documents": [...]}`). Each becomes a `knowledge.update` event keyed
    by `tenant_id:doc_id`, so one document's versions stay in order."""
    docs = body.documents if isinstance(body, DocumentsIn) else [body]
    if len(docs) > ctx.settings.max_documents_per_request:
        raise HTTPException(
            status.HTTP_413_CONTENT_TOO_LARGE,
            detail=f"at most {ctx.settings.max_documents_per_request} documents per request",
        )
    updates: list[KnowledgeUpdate] = []
    for index, doc in enumerate(docs):
        try:
            updates.append(
                KnowledgeUpdate(
                    tenant_id=tenant,
                    op=doc.op,
                    doc_id=doc.doc_id,
                    version=doc.version or _version_now(),
                    title=doc.title,
                    body=doc.body,
                    lang=doc.lang,
                    tags=doc.tags,
                    valid_from=doc.valid_from,
                    valid_to=doc.valid_to,
                )
            )
        except ValidationError as exc:
            problems = "; ".join(f"{'/'.join(map(str, e['loc'])) or 'document'}: {e['msg']}" for e in exc.errors())
            raise HTTPException(
                status.HTTP_422_UNPROCESSABLE_CONTENT, detail=f"documents/{index}: {problems}"
            ) from None
    headers = inject_headers()
    started = time.perf_counter()
    futures = [
        ctx.producer.produce_nowait(Topics.KNOWLEDGE_UPDATES, serde.serialize(u), key=u.key(), headers=headers)
        for u in updates
    ]
    await asyncio.gather(*futures)
    metrics.PRODUCE_SECONDS.labels("knowledge").observe(time.perf_counter() - started)
    for u in updates:
        metrics.DOCUMENTS.labels(tenant, u.op).inc()
    return DocumentsAccepted(event_ids=[u.event_id for u in updates], versions=[u.version for u in updates])


@router.get("/search")
async def search(
    tenant: Tenant,
    ctx: Context,
    q: Annotated[str, Query(min_length=1, max_length=2000)],
    k: Annotated[int, Query(ge=1, le=50)] = 5,
    mode: Annotated[Literal["hybrid", "dense", "sparse"] | None, Query(description="default: hybrid")] = None,
) -> dict[str, Any]:
    """Search over the caller's own knowledge (the tenant comes from the API key, never the query)."""
    params: dict[str, Any] = {"tenant": tenant, "q": q, "k": k}
    if mode:
        params["mode"] = mode
    try:
        resp = await ctx.http.get(f"{ctx.settings.search_url}/search", params=params, headers=auth_headers())
    except httpx.HTTPError as exc:
        detail = f"search unavailable: {type(exc).__name__}"
        raise HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE, detail=detail) from None
    if resp.status_code != 200:
        raise HTTPException(status.HTTP_502_BAD_GATEWAY, detail=f"search answered {resp.status_code}")
    result: dict[str, Any] = resp.json()
    return result
