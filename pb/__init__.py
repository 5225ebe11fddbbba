"""pb: the participatory-budgeting platform."""
