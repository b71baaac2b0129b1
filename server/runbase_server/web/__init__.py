"""The web app's server side: browser sign-in sessions (sessions.py, session_routes.py) and the built pages
(pages.py)."""
