"""Booking conversations: slots, availability, clashes, the statutory contact course and its deadlines."""
