"""The hub's JSON API for channels and services (bearer-token auth)."""
