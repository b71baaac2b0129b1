"""The runbase server: a GraphQL API over SQLite or PostgreSQL."""

__version__ = "0.1.0"
