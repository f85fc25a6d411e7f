"""The agent console's templates and static files (served by gateway/routes/console.py)."""
