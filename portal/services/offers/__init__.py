"""Offers with seats: the catalogue, registrations, waiting lists, editing and FVU feedback."""
