"""Ideas: what residents propose (online, on paper or at a meeting), their authors and status
history, attachments, comments, flags and moderation. The rules of an idea's life are in
`rules.py`; the services in `services.py` (ideas), `comments.py`, `moderation.py`, `uploads.py`."""
