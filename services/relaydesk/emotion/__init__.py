"""The emotion stage: seven emotions, a sentiment score and escalation over a conversation's trend."""
