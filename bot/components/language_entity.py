"""Emit the hub's per-message language as a ``language`` entity.

The hub detects the language of every message (lingua, Arabizi rule, the
conversation's language kept on short messages) and sends it as message
metadata. Turning it into an entity during NLU sets the ``language`` slot
before any response of the same turn is rendered, so ``utter_*`` variations
conditioned on the slot already use the new language.

``language_of`` reads the same value for other components: from the hub's
metadata when the assistant runs, and from the ``metadata: {language: ..}``
of each intent block in ``nlu_data/<lang>/`` when it trains.

Imports nothing from the Python 3.11 stack.
"""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Text

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import ENTITIES, METADATA, METADATA_EXAMPLE, METADATA_INTENT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

SUPPORTED = ("en", "fr", "ar")


def language_of(message: Message) -> Optional[Text]:
    """The message's language: the hub's ``metadata.language`` (a live message), else the training
    example's or its intent block's ``metadata.language``; None when none is given."""
    metadata = message.get(METADATA) or {}
    if not isinstance(metadata, dict):
        return None
    for source in (metadata, metadata.get(METADATA_EXAMPLE), metadata.get(METADATA_INTENT)):
        value = source.get("language") if isinstance(source, dict) else None
        if isinstance(value, str) and value in SUPPORTED:
            return value
    return None


@DefaultV1Recipe.register(
    [DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR], is_trainable=False
)
class LanguageFromMetadata(GraphComponent):
    """Adds ``{"entity": "language", "value": <lang>}`` from ``metadata.language``."""

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> "LanguageFromMetadata":
        return cls()

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        return training_data

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            language = language_of(message)
            if language is None:
                continue
            entities = [e for e in message.get(ENTITIES, []) if e.get("entity") != "language"]
            entities.append(
                {
                    "entity": "language",
                    "value": language,
                    "start": 0,
                    "end": 0,
                    "extractor": self.__class__.__name__,
                    "confidence_entity": 1.0,
                }
            )
            message.set(ENTITIES, entities, add_to_output=True)
        return messages
