"""Automatic QA: a rubric written as code scores every conversation, bot and human, with evidence per answer."""
