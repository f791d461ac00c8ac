"""The WSGI entry point for a production server: `gunicorn 'forms_service.wsgi:app'`.

Configuration comes from the environment (README). Unlike `forms-service serve`, this starts no
delivery worker inside the web processes: run `forms-service worker` beside them (as many as you
like, on any machine sharing the database), so a web worker restart never interrupts a send.
"""
from __future__ import annotations

from . import create_app

app = create_app()
