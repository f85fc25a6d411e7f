"""The emotion stage's third-party parts: English polarity (vaderSentiment) and the trend store."""
