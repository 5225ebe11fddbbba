"""gunicorn reads this file from the directory it starts in (README: serving pb)."""

# The access log never shows a voting token or code (pb/web/redact.py).
logger_class = "pb.web.redact.RedactingLogger"
