"""Reply-level evaluation: questions through the same stage cores the stack runs, scored on the reply."""
