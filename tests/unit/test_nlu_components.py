"""The custom NLU components in .venv-rasa: tokenizer, both sentence encoders, skeleton n-grams, linear intent classifier.

Rasa lives in its own Python 3.10 environment, so the checks run there as a
subprocess (skipped when .venv-rasa is missing).
"""

from __future__ import annotations

import json
import os
import subprocess
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
RASA_PYTHON = ROOT / ".venv-rasa" / "bin" / "python"

SCRIPT = textwrap.dedent(
    """
    import json, sys, tempfile
    from pathlib import Path
    import numpy as np
    from rasa.engine.graph import ExecutionContext, GraphSchema
    from rasa.engine.storage.local_model_storage import LocalModelStorage
    from rasa.engine.storage.resource import Resource
    from rasa.nlu.featurizers.sparse_featurizer.count_vectors_featurizer import CountVectorsFeaturizer
    from rasa.shared.nlu.training_data.message import Message
    from rasa.shared.nlu.training_data.training_data import TrainingData
    from bot.components.tokenizer import CreatorTokenizer
    from bot.components.sentence_features import MultilingualSentenceFeaturizer
    from bot.components.linear_intent import LinearIntentClassifier
    from bot.components.skeleton_featurizer import SkeletonFeaturizer

    out = {}
    tok = CreatorTokenizer(CreatorTokenizer.get_default_config())
    m = Message({"text": "it was 45,50 € https://vm.example.com/ZMabc123/"})
    out["tokens"] = [t.text for t in tok.tokenize(m, "text")]

    storage = LocalModelStorage(Path(tempfile.mkdtemp()))
    def context(name):
        return ExecutionContext(GraphSchema({}), "test", node_name=name)
    texts = ["my account was hacked", "mon compte a été piraté", "حسابي تهكر", "how do i bake bread"]
    def sentence_vectors(model, texts):
        config = {**MultilingualSentenceFeaturizer.get_default_config(), "model": model}
        featurizer = MultilingualSentenceFeaturizer.create(config, storage, Resource(model), context(model))
        msgs = [Message({"text": t}) for t in texts]
        for msg in msgs:
            tok.process([msg])
        featurizer.process(msgs)
        return featurizer, [msg.get_dense_features("text")[1].features[0] for msg in msgs]
    feat, vectors = sentence_vectors("use-multilingual", texts)
    out["dim"] = len(vectors[0])
    out["similar"] = [float(np.dot(vectors[0], v)) for v in vectors[1:]]
    _, e5_vectors = sentence_vectors("multilingual-e5-small", texts)
    out["e5_dim"] = len(e5_vectors[0])
    out["e5_norm"] = float(np.linalg.norm(e5_vectors[0]))
    out["e5_similar"] = [float(np.dot(e5_vectors[0], v)) for v in e5_vectors[1:]]
    try:
        MultilingualSentenceFeaturizer.validate_config({"threads": 1, "model": "bert-huge"})
        out["bad_model"] = "accepted"
    except Exception as exc:
        out["bad_model"] = type(exc).__name__

    data = [("my account was hacked", "hacked_account"), ("someone hacked my acc", "hacked_account"),
            ("hacker changed my password", "hacked_account"), ("mon compte a été piraté", "hacked_account"),
            ("hi", "greet"), ("hello there", "greet"), ("salut", "greet"), ("hey", "greet")]
    train = TrainingData([Message({"text": t, "intent": i}) for t, i in data])
    tok.process_training_data(train)
    feat.process_training_data(train)
    cvf = CountVectorsFeaturizer.create(
        CountVectorsFeaturizer.get_default_config(), storage, Resource("cv"), context("cv"))
    cvf.train(train)
    cvf.process_training_data(train)
    config = LinearIntentClassifier.get_default_config()
    clf = LinearIntentClassifier.create(config, storage, Resource("lin"), context("lin"))
    clf.train(train)
    loaded = LinearIntentClassifier.load(config, storage, Resource("lin"), context("lin"))
    test = [Message({"text": "i got hacked"}), Message({"text": "bonjour"})]
    for msg in test:
        tok.process([msg])
    feat.process(test)
    cvf.process(test)
    loaded.process(test)
    out["intents"] = [msg.get("intent")["name"] for msg in test]

    # skeleton n-grams: trained on Arabic script only, an Arabizi message shares its words
    ar_train = TrainingData([Message({"text": t, "intent": "x"}) for t in ["حسابي معطل", "بغيت نقتل راسي"]])
    tok.process_training_data(ar_train)
    sk_config = {**SkeletonFeaturizer.get_default_config(), "analyzer": "word"}
    sk = SkeletonFeaturizer.create(sk_config, storage, Resource("sk"), context("sk"))
    sk.train(ar_train)
    sk_loaded = SkeletonFeaturizer.load(sk_config, storage, Resource("sk"), context("sk"))
    sk_test = [Message({"text": "7sabi mt3tal!!"}), Message({"text": "bonjour tout le monde"}),
               # the hub's language decides over the look of the text
               Message({"text": "7sabi", "metadata": {"language": "fr"}}),
               Message({"text": "bghit", "metadata": {"language": "ar"}}), Message({"text": "bghit"})]
    for msg in sk_test:
        tok.process([msg])
    sk_loaded.process(sk_test)
    rows = [msg.get_sparse_features("text")[1] for msg in sk_test]
    out["skeleton_counts"] = [int(r.features.sum()) if r is not None else None for r in rows]
    out["skeleton_sequence"] = [msg.get_sparse_features("text")[0] is None for msg in sk_test]
    out["skeleton_width"] = int(rows[0].features.shape[1])
    for bad in ({"analyzer": "chars"}, {"min_ngram": 3, "max_ngram": 2}, {"max_features": 0}):
        try:
            SkeletonFeaturizer.validate_config({**SkeletonFeaturizer.get_default_config(), **bad})
            out.setdefault("skeleton_bad", []).append("accepted")
        except Exception as exc:
            out.setdefault("skeleton_bad", []).append(type(exc).__name__)
    out["ranking_sums_to_one"] = abs(sum(r["confidence"] for r in test[0].get("intent_ranking")) - 1) < 1e-4
    print("RESULT" + json.dumps(out))
    """
)


@pytest.mark.model
@pytest.mark.skipif(not RASA_PYTHON.exists(), reason=".venv-rasa is not set up")
def test_components_tokenize_featurize_classify_and_round_trip() -> None:
    env = dict(os.environ, PYTHONPATH=str(ROOT), RASA_TELEMETRY_ENABLED="false", TF_CPP_MIN_LOG_LEVEL="3")
    done = subprocess.run(
        [str(RASA_PYTHON), "-c", SCRIPT], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300
    )
    lines = [line for line in done.stdout.splitlines() if line.startswith("RESULT")]
    assert lines, done.stderr[-3000:]
    out = json.loads(lines[-1][len("RESULT") :])
    assert out["tokens"] == ["it", "was", "45,50", "€", "https://vm.example.com/ZMabc123/"]
    assert out["dim"] == 512
    fr, ar, unrelated = out["similar"]
    assert fr > unrelated and ar > unrelated
    assert out["e5_dim"] == 384 and abs(out["e5_norm"] - 1) < 1e-3
    fr, ar, unrelated = out["e5_similar"]
    assert fr > unrelated and ar > unrelated
    assert out["bad_model"] == "InvalidConfigException"
    assert out["intents"] == ["hacked_account", "greet"]
    assert out["ranking_sums_to_one"]
    # "7sabi mt3tal" meets the vocabulary of "حسابي معطل": "7sb" matches, "mt3tl" != "m3tl" does not
    assert out["skeleton_counts"][:2] == [1, 0]
    assert out["skeleton_counts"][2] == 0  # a French conversation: no skeleton features
    # Arabizi without digits: Arabic by the hub's word ("bghit" = "b8t" = "بغيت"), unknown without it
    assert out["skeleton_counts"][3:] == [1, 0]
    assert out["skeleton_sequence"] == [True] * 5  # sentence features only
    assert out["skeleton_width"] == 5  # 7sb m3tl b8t n9tl rs
    assert out["skeleton_bad"] == ["InvalidConfigException"] * 3
