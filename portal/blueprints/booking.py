"""Blueprint of this area (filled in by its issue). A module without `bp` is not registered."""
