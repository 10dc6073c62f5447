"""CLI command groups, one module each (see portal/cli.py)."""
