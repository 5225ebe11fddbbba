"""The shared web layer: home page, language switch, formats, pagination."""
