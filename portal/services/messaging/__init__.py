"""What the portal sends: the outbox, the one dispatch loop and its channels, reminders, surveys."""
