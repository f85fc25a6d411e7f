"""Package data of the emotion stage: cue lists and training data."""
