"""The associate console: login, inbox across channels, conversation view, actions."""
