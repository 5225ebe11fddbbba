"""Tracking: what became of the winning projects (in study, in works, delivered, abandoned),
with dated public updates, progress and money spent; feeds the delivery indicators."""
