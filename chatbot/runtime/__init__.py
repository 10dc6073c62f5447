"""The embedded chatbot runtime (no Rasa server): NLU trained with scikit-learn, rules/forms, in-process actions.

`get_agent()` returns the process-wide agent, training (or loading the cached model) on first use.
"""
from __future__ import annotations

import threading
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the runtime pulls in scikit-learn: imported on first use, not when the web app starts
    from chatbot.runtime.agent import Agent

_agent: Agent | None = None
_lock = threading.Lock()


def model_dir() -> Path:
    """Where trained models are cached: PORTAL_CHATBOT_MODEL_DIR (the app's config, else the environment), else
    <instance>/chatbot."""
    from portal.config import INSTANCE, value

    configured = value("CHATBOT_MODEL_DIR")
    return Path(configured) if configured else INSTANCE / "chatbot"


def get_agent(*, retrain: bool = False) -> Agent:
    global _agent
    from chatbot.runtime.agent import Agent
    from chatbot.runtime.nlu import load_or_train
    from chatbot.runtime.project import load_project

    with _lock:
        if _agent is None or retrain:
            nlu = load_or_train(model_dir(), force=retrain)
            _agent = Agent(load_project(), nlu)
        return _agent


def reset_agent() -> None:
    global _agent
    with _lock:
        _agent = None
