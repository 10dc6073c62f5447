"""`flask chatbot train|evaluate` — the embedded chatbot's intent classifier."""
from __future__ import annotations

import json

import click

from portal.commands.errors import PortalGroup

cli = PortalGroup("chatbot", help="Chatbot: train and evaluate the Danish intent classifier.")


@cli.command("train")
@click.option("--force", is_flag=True, help="Retrain even if a cached model for these files exists.")
def train(force: bool):
    """Train from chatbot/data/nlu.yml and cache the model (instance/chatbot or $PORTAL_CHATBOT_MODEL_DIR)."""
    from chatbot.runtime import get_agent, model_dir
    from chatbot.runtime.nlu import model_path

    agent = get_agent(retrain=force)
    click.echo(f"Model: {model_path(model_dir(), agent.project)}")
    click.echo(f"Træningstid: {agent.nlu.training_seconds:.2f} s · {len(agent.nlu.examples)} eksempler · "
               f"{len(agent.nlu.labels)} intents · fallback-tærskel {agent.nlu.threshold} "
               f"(tvetydighed {agent.nlu.ambiguity_threshold})")


@cli.command("evaluate")
@click.option("--folds", default=5, show_default=True, type=click.IntRange(2, 20))
@click.option("--json", "as_json", is_flag=True, help="Print the full result as JSON.")
def evaluate(folds: int, as_json: bool):
    """k-fold intent accuracy, macro-F1 and the commonest confusions on the training data."""
    from chatbot.runtime.evaluate import cross_validate

    result = cross_validate(folds=folds)
    if as_json:
        click.echo(json.dumps(result, ensure_ascii=False, indent=2))
        return
    click.echo(f"{result['folds']}-fold krydsvalidering på {result['examples']} eksempler, "
               f"{result['intents']} intents")
    click.echo(f"Nøjagtighed (accuracy): {result['accuracy']:.3f}")
    click.echo(f"Makro-F1: {result['macro_f1']:.3f}")
    click.echo("Hyppigste forvekslinger (sand → forudsagt):")
    for row in result["confusions"]:
        click.echo(f"  {row['true']} → {row['predicted']}: {row['count']}")
    weakest = sorted(result["per_intent_f1"].items(), key=lambda kv: kv[1])[:5]
    click.echo("Svageste intents (F1): " + ", ".join(f"{k} {v:.2f}" for k, v in weakest))
    # The worst error this bot can make (issue 15): must stay 0, tests/chat/test_chat_states.py checks it.
    click.echo(f"Tilbagetrækning læst som samtykke (withdraw_consent → give_consent): "
               f"{result['withdraw_read_as_consent']}")
