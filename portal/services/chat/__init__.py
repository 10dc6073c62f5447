"""Chat and handoff: a turn through the bot, its states, the transcript, handoffs, the flyer."""
