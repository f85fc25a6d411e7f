"""Fault drills against the running stack (`relaydesk drill kill`, `relaydesk drill outage`): real traffic
through the gateway, a real fault (SIGKILL of a stage, a frozen dependency), and a report of what every turn
got. Only ids, kinds and counts are reported, never reply text."""
