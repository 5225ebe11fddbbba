"""Editions: the territory, each yearly edition, its districts (envelopes), phase calendar and rules."""
