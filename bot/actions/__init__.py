"""The action server (rasa-sdk, Python 3.11): one module per flow.

Run with ``python -m rasa_sdk --actions bot.actions``; rasa-sdk imports every
submodule and registers the actions it finds.
"""
