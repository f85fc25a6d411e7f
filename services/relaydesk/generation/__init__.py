"""Grounded generation: a Ray Serve application for the model, and the stage core that assembles prompts,
streams partials, checks grounding, falls back, and keeps a version-aware semantic cache.

Entry points: `core.handle` / `core.on_reply` / `core.on_knowledge_applied` (the stage),
`bootstrap.build_deps` (wiring), `serve_app.build_app` (the Serve application). See docs/generation.md.
"""
