"""A simulated carrier connector for the local stack and tests: it consumes `dial.allowed`, "rings" each number
and reports what happened (answered, no_answer, busy, voicemail, abandoned) on `dial.outcomes`."""
