"""What the intent and emotion stages share: text normalisation, the cross-lingual glossary bridge, the
turn encoder (normalise -> bridge -> embed), calibration and classification metrics."""
