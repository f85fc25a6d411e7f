"""The conversations processor: who holds each conversation (bot, queue, agent, closed), hand-off routing,
agents' claims, releases and messages, and summaries."""
