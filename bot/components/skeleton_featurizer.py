"""Sparse sentence features: n-gram counts of the message's consonant skeleton (skeleton.py).

Next to the character and word n-grams of the text as written, this counts
the n-grams of its skeleton, where the Arabic-script and the Arabizi spelling
of a word coincide ("حسابي" and "7sabi" are both "7sb"). The intent
classifier then learns an Arabic intent from all its examples at once instead
of from each script's share. In 5-fold cross-validation (benchmarks/nlu.py)
a word block and a character block (2-5) raised Arabic intent F1 by about
three points; English and French change by less than the folds' noise.

Only messages in ``languages`` (default: Arabic) get the features. The
language is the one the hub sends with each message (``metadata.language``;
the conversation's language when a message is short or unclear, so "marhba"
in an Arabic conversation counts as Arabic) and, in training, the
``metadata: {language: ..}`` of the intent blocks in ``nlu_data/<lang>/``
(bot/components/language_entity.py). A message without a language (``rasa
shell``, a bare ``/model/parse``) counts as Arabic when it has Arabic script or
an Arabizi word (``skeleton.looks_arabic``). English and French messages get
an empty row: their own n-grams already match each other, and skeleton
n-grams of them cost up to a point of intent F1 in cross-validation.

Only a sentence feature is produced (a 1 x vocabulary count row for
``text``); entities keep the token-level features. Two instances in
config.yml, ``analyzer: word`` and ``analyzer: char_wb``. The vocabulary is
stored as JSON.
"""

from __future__ import annotations

import json
import logging
from typing import Any, Dict, List, Optional, Text, Type

import scipy.sparse

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.constants import TOKENS_NAMES
from rasa.nlu.featurizers.sparse_featurizer.sparse_featurizer import SparseFeaturizer
from rasa.nlu.tokenizers.tokenizer import Tokenizer
from rasa.shared.exceptions import InvalidConfigException
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.components.language_entity import SUPPORTED, language_of
from bot.components.skeleton import looks_arabic, skeleton

logger = logging.getLogger(__name__)

_FILE = "skeleton_vocabulary.json"
ANALYZERS = ("word", "char_wb")


def skeleton_of(message: Message) -> Text:
    """The skeleton of the message's words (the pipeline tokenizer's, so punctuation is already gone)."""
    tokens = message.get(TOKENS_NAMES[TEXT]) or []
    words = [t.text for t in tokens] if tokens else (message.get(TEXT) or "").split()
    return " ".join(filter(None, (skeleton(w) for w in words)))


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER, is_trainable=True)
class SkeletonFeaturizer(SparseFeaturizer, GraphComponent):
    """Counts word or character n-grams of the consonant skeleton of ``text``."""

    @classmethod
    def required_components(cls) -> List[Type]:
        return [Tokenizer]

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {
            **SparseFeaturizer.get_default_config(),
            # "word": the skeleton's words; "char_wb": character n-grams inside word boundaries
            "analyzer": "char_wb",
            "min_ngram": 2,
            "max_ngram": 5,
            # keep only the most frequent n-grams (null: all)
            "max_features": None,
            # the languages whose messages get the features (null: every message)
            "languages": ["ar"],
        }

    @classmethod
    def validate_config(cls, config: Dict[Text, Any]) -> None:
        if config.get("analyzer") not in ANALYZERS:
            raise InvalidConfigException(
                f"SkeletonFeaturizer: 'analyzer' must be one of {list(ANALYZERS)}, not {config.get('analyzer')!r}"
            )
        low, high = config.get("min_ngram"), config.get("max_ngram")
        if not (isinstance(low, int) and isinstance(high, int) and 1 <= low <= high):
            raise InvalidConfigException("SkeletonFeaturizer: need integers 1 <= min_ngram <= max_ngram")
        languages = config.get("languages")
        if languages is not None and not (isinstance(languages, list) and set(languages) <= set(SUPPORTED)):
            raise InvalidConfigException(
                f"SkeletonFeaturizer: 'languages' must be a list of {list(SUPPORTED)} or null, not {languages!r}"
            )
        limit = config.get("max_features")
        if limit is not None and not (isinstance(limit, int) and limit > 0):
            raise InvalidConfigException("SkeletonFeaturizer: 'max_features' must be a positive integer or null")

    def __init__(
        self,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        vocabulary: Optional[Dict[Text, int]] = None,
    ) -> None:
        super().__init__(execution_context.node_name, config)
        self.validate_config(self._config)
        self._model_storage = model_storage
        self._resource = resource
        self._vectorizer = self._make_vectorizer(vocabulary) if vocabulary else None

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> "SkeletonFeaturizer":
        return cls(config, model_storage, resource, execution_context)

    def _make_vectorizer(self, vocabulary: Optional[Dict[Text, int]] = None) -> Any:
        from sklearn.feature_extraction.text import CountVectorizer

        analyzer = self._config["analyzer"]
        return CountVectorizer(
            analyzer=analyzer,
            ngram_range=(self._config["min_ngram"], self._config["max_ngram"]) if analyzer == "char_wb" else (1, 1),
            token_pattern=r"\S+",
            lowercase=False,  # skeleton() lowercases
            max_features=self._config.get("max_features"),
            vocabulary=vocabulary,
        )

    def applies_to(self, message: Message) -> bool:
        """Whether the message is in one of the configured languages (see the module docstring)."""
        languages = self._config.get("languages")
        if languages is None:
            return True
        language = language_of(message)
        if language is None:
            language = "ar" if looks_arabic(message.get(TEXT) or "") else None
        return language in languages

    def train(self, training_data: TrainingData) -> Resource:
        texts = [skeleton_of(m) for m in training_data.training_examples if m.get(TEXT) and self.applies_to(m)]
        texts = [t for t in texts if t]
        if not texts:
            logger.warning("SkeletonFeaturizer: no training text, no features.")
            return self._resource
        vectorizer = self._make_vectorizer()
        vectorizer.fit(texts)
        vocabulary = {term: int(index) for term, index in vectorizer.vocabulary_.items()}
        self._vectorizer = self._make_vectorizer(vocabulary)
        with self._model_storage.write_to(self._resource) as model_dir:
            (model_dir / _FILE).write_text(json.dumps(vocabulary, ensure_ascii=False), encoding="utf-8")
        return self._resource

    @classmethod
    def load(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> "SkeletonFeaturizer":
        vocabulary = None
        try:
            with model_storage.read_from(resource) as model_dir:
                vocabulary = json.loads((model_dir / _FILE).read_text(encoding="utf-8"))
        except (ValueError, FileNotFoundError, OSError):
            logger.debug("SkeletonFeaturizer: no trained vocabulary found, adding no features.")
        return cls(config, model_storage, resource, execution_context, vocabulary)

    def _featurize(self, messages: List[Message]) -> None:
        if self._vectorizer is None:
            return
        todo = [m for m in messages if m.get(TEXT)]
        if not todo:
            return
        counts = scipy.sparse.csr_matrix(
            self._vectorizer.transform([skeleton_of(m) if self.applies_to(m) else "" for m in todo])
        )
        for row, message in enumerate(todo):
            self.add_features_to_message(sequence=None, sentence=counts[row], attribute=TEXT, message=message)

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        self._featurize(training_data.training_examples)
        return training_data

    def process(self, messages: List[Message]) -> List[Message]:
        self._featurize(messages)
        return messages
