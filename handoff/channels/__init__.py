"""Creator channels: the chat widget (in-app / live chat)."""
