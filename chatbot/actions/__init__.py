"""Custom actions (rasa-sdk). Served standalone with `python -m rasa_sdk --actions chatbot.actions` (port 5055)
or called in-process by the embedded runtime. Portal code is imported inside the actions, so the action server
starts even if the database is not reachable yet.
"""
