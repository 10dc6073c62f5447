"""`flask flyer link`, the /opsagt landing page with its campaign token, and `flask chatbot train|evaluate`."""
from __future__ import annotations

from urllib.parse import parse_qs, urlparse

from portal.models import ServiceLocation


def test_flyer_link_prints_a_signed_link_and_writes_qr_codes(app, runner, make, tmp_path, client):
    make.location("Odense")
    make.commit()
    result = runner.invoke(args=["flyer", "link", "--location", "odense", "--out", str(tmp_path),
                                 "--base-url", "https://portal.foa.dk"])
    assert result.exit_code == 0, result.output
    link = result.stdout.strip().splitlines()[0]
    assert link.startswith("https://portal.foa.dk/opsagt?k=")
    png, svg = tmp_path / "opsagt-odense.png", tmp_path / "opsagt-odense.svg"
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "<svg" in svg.read_text()
    token = parse_qs(urlparse(link).query)["k"][0]
    page = client.get(f"/opsagt?k={token}").get_data(as_text=True)
    assert "Du kommer fra FOA Odense." in page
    tampered = client.get(f"/opsagt?k={token[:-2]}xx").get_data(as_text=True)
    assert "Linket fra flyeret kunne ikke læses" in tampered and "chat-widget" in tampered


def test_flyer_link_refuses_an_unknown_location(runner, make):
    make.location("Odense")
    make.commit()
    result = runner.invoke(args=["flyer", "link", "--location", "Atlantis"])
    assert result.exit_code != 0
    assert "Ukendt afdeling" in result.output


def test_flyer_link_in_english(runner, make, tmp_path):
    make.location("Aalborg", region="Nordjylland")
    make.commit()
    result = runner.invoke(args=["flyer", "link", "--location", "Aalborg", "--lang", "en", "--out", str(tmp_path)])
    assert result.exit_code == 0
    assert "lang=en" in result.stdout and (tmp_path / "opsagt-aalborg-en.png").exists()


def test_chatbot_train_and_evaluate(app, runner, tmp_path):
    app.config["CHATBOT_MODEL_DIR"] = str(tmp_path)
    from chatbot.runtime import reset_agent

    reset_agent()
    trained = runner.invoke(args=["chatbot", "train", "--force"])
    assert trained.exit_code == 0, trained.output
    assert "Træningstid" in trained.output and "23 intents" in trained.output
    assert list(tmp_path.glob("nlu-*.joblib"))
    evaluated = runner.invoke(args=["chatbot", "evaluate", "--folds", "3"])
    assert evaluated.exit_code == 0, evaluated.output
    assert "Nøjagtighed" in evaluated.output and "Makro-F1" in evaluated.output
    accuracy = float(evaluated.output.split("Nøjagtighed (accuracy): ")[1].split()[0])
    assert accuracy > 0.5  # far above chance (1/22); the real number is in docs/chatbot.md
    reset_agent()


def test_location_named_by_token_must_exist(app, client, session):
    from portal.services.chat.flyer import campaign_token

    ghost = ServiceLocation(id=999, name="Ghost", region="Sjælland", latitude=0, longitude=0, fvu_city=False)
    token = campaign_token(app.config["SECRET_KEY"], ghost)  # signed, but no such location
    page = client.get(f"/opsagt?k={token}").get_data(as_text=True)
    assert "Linket fra flyeret kunne ikke læses" in page
