"""Domain rules and state changes: plain functions taking a session (and `now`/`today`, and the acting user)."""
