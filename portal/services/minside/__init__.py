"""Min side: the member's own profile, plan, preparation, consents, data and profiling view."""
