"""Intent classification and entity extraction for Danish, trained from data/nlu.yml with scikit-learn.

Rasa-compatible output (`/model/parse`): {"text", "intent", "intent_ranking", "entities"}.
The FallbackClassifier rule is Rasa's: predict `nlu_fallback` when the top confidence is below `threshold`
or the top two are closer than `ambiguity_threshold` (both read from config.yml).
"""
from __future__ import annotations

import json
import logging
import re
import time
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

import joblib
import numpy as np
import sklearn
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import SGDClassifier
from sklearn.pipeline import FeatureUnion, Pipeline

from chatbot.runtime.project import Project, load_project

log = logging.getLogger("chatbot.nlu")

FALLBACK_INTENT = "nlu_fallback"
_ANNOTATION = re.compile(r"\[(?P<text>[^\]]+)\](?:\((?P<entity>[^)]+)\)|(?P<json>\{[^}]*\}))")
_PAYLOAD = re.compile(r"^/(?P<intent>[A-Za-z_][A-Za-z0-9_]*)(?P<entities>\{.*\})?\s*$", re.DOTALL)
_FOLD = str.maketrans({"æ": "ae", "ø": "oe", "å": "aa", "é": "e", "ü": "u", "ö": "oe", "ä": "ae"})


def normalise(text: str) -> str:
    """Danish normalisation: lower case, æøå folded to ae/oe/aa, punctuation dropped, doubled letters collapsed.

    Folding and collapsing make "traek", "træk" and "trææk" the same, and absorb the commonest typos.
    """
    text = unicodedata.normalize("NFKC", text).lower().translate(_FOLD)
    text = re.sub(r"[^\w\s]", " ", text)
    text = re.sub(r"([a-z])\1+", r"\1", text)
    return re.sub(r"\s+", " ", text).strip()


# Words that make a message anything but a consent: a negation or a withdrawal (normalised: "ikke" → "ike",
# "annuller" → "anuler"). A message with one of them is never classified give_consent (consent_guard) and never
# confirms the consent question (chatbot/actions/consent.py): reading a withdrawal as a consent is the worst error
# this bot can make, so the rule is lexical and does not depend on the classifier.
_SAYS_NO = re.compile(
    r"(?<!\w)(ike|ik|nej|aldrig|ingen|intet|tilbage\w*|tilbagekald\w*|tilbagetraek\w*|slet\w*|fortryd\w*|"
    r"anul\w*|fjern\w*|glem\w*|stop\w*|lad vaere|laengere|withdraw\w*|revoke\w*|delete\w*|remove\w*|erase\w*|"
    r"cancel\w*|not|no|nope|never|dont|don|won|longer|forget|back)(?!\w)")


def says_no(text: str) -> bool:
    """Whether the message contains a negation or a withdrawal word (see _SAYS_NO)."""
    return bool(_SAYS_NO.search(normalise(text)))


def consent_guard(normalised: str, labels: list[str], probabilities: np.ndarray) -> np.ndarray:
    """give_consent's probability set to 0 (the rest renormalised) when the message says no (_SAYS_NO)."""
    if "give_consent" not in labels or not _SAYS_NO.search(normalised):
        return probabilities
    guarded = np.array(probabilities, dtype=float)
    guarded[labels.index("give_consent")] = 0.0
    total = guarded.sum()
    return guarded / total if total > 0 else guarded


@dataclass
class Example:
    text: str
    intent: str
    entities: list[dict] = field(default_factory=list)


def _strip_annotations(raw: str) -> tuple[str, list[dict]]:
    entities, out, pos = [], [], 0
    for match in _ANNOTATION.finditer(raw):
        out.append(raw[pos:match.start()])
        start = sum(len(p) for p in out)
        value = match.group("text")
        if match.group("json"):
            spec = json.loads(match.group("json"))
            name, mapped = spec.get("entity"), spec.get("value", value)
        else:
            name, _, mapped = match.group("entity").partition(":")
            mapped = mapped or value
        entities.append({"entity": name, "value": mapped, "start": start, "end": start + len(value)})
        out.append(value)
        pos = match.end()
    out.append(raw[pos:])
    return "".join(out), entities


def training_examples(project: Project) -> list[Example]:
    examples = []
    for block in project.nlu:
        if "intent" not in block:
            continue
        for line in str(block.get("examples", "")).splitlines():
            line = line.strip()
            if line.startswith("- "):
                text, entities = _strip_annotations(line[2:].strip())
                examples.append(Example(text, block["intent"], entities))
    return examples


def build_pipeline() -> Pipeline:
    features = FeatureUnion([
        ("chars", TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True, min_df=1)),
        ("words", TfidfVectorizer(analyzer="word", ngram_range=(1, 2), sublinear_tf=True,
                                  token_pattern=r"(?u)\b\w+\b")),
    ])
    # Logistic loss (probabilities for the FallbackClassifier rule) fitted by SGD: as accurate as lbfgs here
    # (k-fold, see `flask chatbot evaluate`) and about twenty times faster to train.
    classifier = SGDClassifier(loss="log_loss", alpha=1e-4, max_iter=60, tol=1e-4, random_state=0)
    return Pipeline([("features", features), ("classifier", classifier)])


class EntityExtractor:
    """Lookup tables and synonyms from nlu.yml (Rasa's RegexEntityExtractor + EntitySynonymMapper)."""

    def __init__(self, project: Project, examples: list[Example]) -> None:
        self.synonyms: dict[str, str] = {}
        self.lookups: dict[str, list[str]] = {}
        for block in project.nlu:
            values = [line.strip()[2:].strip() for line in str(block.get("examples", "")).splitlines()
                      if line.strip().startswith("- ")]
            if "synonym" in block:
                for value in values:
                    self.synonyms[normalise(value)] = block["synonym"]
            elif "lookup" in block:
                self.lookups.setdefault(block["lookup"], []).extend(values)
        for example in examples:  # annotated values count as lookup entries too
            for ent in example.entities:
                self.lookups.setdefault(ent["entity"], []).append(example.text[ent["start"]:ent["end"]])
        self._patterns = []
        for entity, values in self.lookups.items():
            for value in sorted(set(values), key=len, reverse=True):
                key = normalise(value)
                if key:
                    self._patterns.append((entity, value, re.compile(rf"(?<!\w){re.escape(key)}(?!\w)")))

    def extract(self, text: str) -> list[dict]:
        folded = normalise(text)
        found, taken = [], []
        for entity, value, pattern in self._patterns:
            for match in pattern.finditer(folded):
                span = (match.start(), match.end())
                if any(s < span[1] and span[0] < e for s, e in taken):
                    continue
                taken.append(span)
                mapped = self.synonyms.get(normalise(value), value)
                found.append({"entity": entity, "value": mapped, "start": span[0], "end": span[1],
                              "extractor": "RegexEntityExtractor"})
        return sorted(found, key=lambda e: e["start"])


class NLU:
    """The trained classifier plus the entity extractor; `parse(text)` answers like Rasa's /model/parse."""

    def __init__(self, project: Project, pipeline: Pipeline, training_seconds: float) -> None:
        self.project = project
        self.pipeline = pipeline
        self.training_seconds = training_seconds
        self.examples = training_examples(project)
        self.entities = EntityExtractor(project, self.examples)
        self.threshold, self.ambiguity_threshold = project.fallback_thresholds
        self.labels = [str(label) for label in pipeline.classes_]

    def parse(self, text: str) -> dict:
        payload = _PAYLOAD.match(text.strip())
        if payload and payload.group("intent") in self.project.intents:
            return self._parse_payload(text, payload)
        normalised = normalise(text)
        probabilities = consent_guard(normalised, self.labels, self.pipeline.predict_proba([normalised])[0])
        order = np.argsort(probabilities)[::-1]
        ranking = [{"name": self.labels[i], "confidence": round(float(probabilities[i]), 4)} for i in order[:10]]
        top = ranking[0]
        second = ranking[1]["confidence"] if len(ranking) > 1 else 0.0
        intent = dict(top)
        if top["confidence"] < self.threshold or top["confidence"] - second < self.ambiguity_threshold:
            # Rasa's FallbackClassifier: nlu_fallback gets the threshold as its confidence and goes first.
            intent = {"name": FALLBACK_INTENT, "confidence": self.threshold}
            ranking = [intent] + ranking
        return {"text": text, "intent": intent, "intent_ranking": ranking, "entities": self.entities.extract(text)}

    def _parse_payload(self, text: str, payload: re.Match) -> dict:
        entities = []
        raw = payload.group("entities")
        if raw:
            try:
                data = json.loads(raw)
            except ValueError:
                data = {}
            if isinstance(data, dict):
                entities = [{"entity": str(k), "value": v, "start": 0, "end": 0, "extractor": "payload"}
                            for k, v in data.items() if isinstance(v, (str, int, float, bool))]
        intent = {"name": payload.group("intent"), "confidence": 1.0}
        return {"text": text, "intent": intent, "intent_ranking": [intent], "entities": entities}


def train(project: Project | None = None) -> NLU:
    project = project or load_project()
    examples = training_examples(project)
    started = time.perf_counter()
    pipeline = build_pipeline()
    pipeline.fit([normalise(e.text) for e in examples], [e.intent for e in examples])
    return NLU(project, pipeline, time.perf_counter() - started)


def model_path(cache_dir: Path, project: Project) -> Path:
    return cache_dir / f"nlu-{project.digest}-sklearn{sklearn.__version__}.joblib"


def load_or_train(cache_dir: Path | None, *, force: bool = False) -> NLU:
    """The cached model for the current project files, trained (and cached) if missing or `force`."""
    project = load_project()
    path = model_path(cache_dir, project) if cache_dir else None
    if path and path.exists() and not force:
        try:
            pipeline, seconds = joblib.load(path)
            return NLU(project, pipeline, seconds)
        except Exception:  # noqa: BLE001 - a corrupt cache is retrained, not fatal
            log.warning("chatbot model cache %s unreadable; retraining", path)
    nlu = train(project)
    if path:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        joblib.dump((nlu.pipeline, nlu.training_seconds), tmp)
        tmp.replace(path)
        log.info("chatbot model trained in %.2fs, cached at %s", nlu.training_seconds, path)
    return nlu
