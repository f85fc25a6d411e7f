"""The `relaydesk` command. Command modules import only the standard library at module level, so
`relaydesk --help` and commands that talk to a running stack start fast; heavy imports live in `run`."""
