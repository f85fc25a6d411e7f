"""Agent assist: for each customer turn of a conversation a person holds, grounded draft replies and the
knowledge cards behind them, for the agent's desk."""
