"""WSGI entry point for gunicorn: `gunicorn wsgi:app`."""

from pb.app import create_app

app = create_app()
