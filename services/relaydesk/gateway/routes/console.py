"""The agent console at /console: server-rendered pages (Jinja2) and one small script, no build step.

The pages carry no data and need no key: the script signs in with the tenant's API key, keeps it in the tab's
sessionStorage and sends it as an Authorization header to the agent API (/v1/agent/...), so the key never
travels in a URL. A strict Content-Security-Policy allows only the console's own script and stylesheet."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from fastapi import APIRouter, HTTPException, status
from fastapi.responses import FileResponse, HTMLResponse
from jinja2 import Environment, FileSystemLoader, select_autoescape

router = APIRouter(tags=["console"], include_in_schema=False)

CONSOLE_DIR = Path(__file__).resolve().parent.parent / "console"
STATIC = {"console.js": "text/javascript", "console.css": "text/css"}
HEADERS = {
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; object-src 'none'; frame-ancestors 'none'",
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
    "Cache-Control": "no-store",
}


@cache
def _templates() -> Environment:
    return Environment(loader=FileSystemLoader(CONSOLE_DIR / "templates"), autoescape=select_autoescape(["html"]))


def _page(name: str, page: str, title: str) -> HTMLResponse:
    html = _templates().get_template(name).render(page=page, title=title)
    return HTMLResponse(html, headers=HEADERS)


@router.get("/console", response_class=HTMLResponse)
async def desk() -> HTMLResponse:
    """The agent desk: queue, conversation, suggestions, reply box."""
    return _page("desk.html", "desk", "Agent desk")


@router.get("/console/supervisor", response_class=HTMLResponse)
async def supervisor() -> HTMLResponse:
    """The supervisor view: live conversations with emotion trend, escalations and waiting times."""
    return _page("supervisor.html", "supervisor", "Supervisor")


@router.get("/console/static/{name}")
async def static(name: str) -> FileResponse:
    media_type = STATIC.get(name)
    if media_type is None:  # a fixed list: no path from the request ever reaches the file system
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail="not found")
    return FileResponse(CONSOLE_DIR / "static" / name, media_type=media_type, headers=HEADERS)
