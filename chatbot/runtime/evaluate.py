"""k-fold cross-validation of the intent classifier on the training data (`flask chatbot evaluate`)."""
from __future__ import annotations

from collections import Counter

import numpy as np
from sklearn.base import clone
from sklearn.metrics import accuracy_score, f1_score
from sklearn.model_selection import StratifiedKFold

from chatbot.runtime.nlu import build_pipeline, consent_guard, normalise, training_examples
from chatbot.runtime.project import load_project


def cross_validate(folds: int = 5, seed: int = 2026) -> dict:
    """Accuracy, macro-F1 and the most frequent confusions (true → predicted), out of fold."""
    project = load_project()
    examples = training_examples(project)
    texts = np.array([normalise(e.text) for e in examples], dtype=object)
    labels = np.array([e.intent for e in examples], dtype=object)
    predicted = np.empty(len(labels), dtype=object)
    splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)
    for train_idx, test_idx in splitter.split(texts, labels):
        model = clone(build_pipeline())
        model.fit(list(texts[train_idx]), list(labels[train_idx]))
        # The same decision as NLU.parse: the classifier, then the consent guard.
        labels_seen = [str(label) for label in model.classes_]
        for i, row in zip(test_idx, model.predict_proba(list(texts[test_idx]))):
            predicted[i] = labels_seen[int(np.argmax(consent_guard(texts[i], labels_seen, row)))]
    confusions = Counter((t, p) for t, p in zip(labels, predicted) if t != p)
    per_intent = f1_score(labels, predicted, average=None, labels=sorted(set(labels)))
    return {
        "folds": folds,
        "examples": len(examples),
        "intents": len(set(labels)),
        "accuracy": float(accuracy_score(labels, predicted)),
        "macro_f1": float(f1_score(labels, predicted, average="macro")),
        "per_intent_f1": dict(zip(sorted(set(labels)), (float(v) for v in per_intent))),
        "confusions": [{"true": t, "predicted": p, "count": n} for (t, p), n in confusions.most_common(15)],
        "withdraw_read_as_consent": int(sum(1 for t, p in zip(labels, predicted)
                                            if t == "withdraw_consent" and p == "give_consent")),
        "errors": [{"text": str(examples[i].text), "true": str(labels[i]), "predicted": str(predicted[i])}
                   for i in range(len(labels)) if labels[i] != predicted[i]][:40],
    }
