"""Safety: screen every creator message and escalate concerns to the safety queue at once."""
