"""I/O of the conversations processor: the conversation records in a Faust table."""
