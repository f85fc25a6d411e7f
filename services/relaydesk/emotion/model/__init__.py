"""The trained emotion model (emotion_model.json), written by `python -m relaydesk.emotion.train`."""
