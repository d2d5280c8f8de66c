"""Migration scripts, one per schema revision (written by hand to match ``models.db``)."""
