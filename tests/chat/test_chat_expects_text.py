"""Whether the member is expected to type next (chat_states.expects_text): the widget then focuses the message box
instead of the first button, which under "Hvad er dit fulde navn?" is »Afbryd« (Enter cancelled the registration)."""
from __future__ import annotations

from tests.chat.test_chat_support import flyer_sender, say, texts


def _poll(client, sender: str) -> dict:
    response = client.get("/chat/beskeder", query_string={"sender": sender})
    assert response.status_code == 200
    return response.get_json()


def test_a_question_answered_in_words_expects_text_a_question_with_choices_does_not(client):
    sender = flyer_sender(client)
    assert _poll(client, sender)["expects_text"] is False  # no conversation yet: the default buttons

    replies = say(client, sender, "/book_conversation")
    assert "samtykke" in texts(replies)
    assert _poll(client, sender)["expects_text"] is False  # yes or no: the buttons are the answer
    assert not any((r.get("custom") or {}).get("expects_text") for r in replies)

    replies = say(client, sender, "/give_consent")
    if "registreres" in texts(replies):
        replies = say(client, sender, "ja")
    assert "Hvad er dit fulde navn?" in texts(replies)
    polled = _poll(client, sender)
    assert polled["expects_text"] is True
    assert [b["title"] for b in polled["buttons"]] == ["Afbryd"]
    assert replies[-1]["custom"]["expects_text"] is True  # the webhook's reply says so too

    replies = say(client, sender, "/deny")  # Afbryd
    assert _poll(client, sender)["expects_text"] is False


def test_the_channel_is_chosen_by_button_a_name_or_place_is_typed():
    from chatbot.runtime.agent import asks_for_text
    from chatbot.runtime.project import load_project

    project = load_project()

    def asking(loop, slot):
        return asks_for_text(project, {"active_loop": loop, "slots": {"requested_slot": slot}})

    assert asking("booking_form", "channel") is False
    assert asking("booking_form", "location") is True
    assert asking("registration_form", "full_name") is True
    assert asking("phone_form", "phone_number") is True
    assert asking(None, "full_name") is False  # no open form: no question


def test_while_a_person_holds_the_chat_the_member_types():
    from portal.models.chat import ChatConversation
    from portal.models.statuses import ChatState
    from portal.services.chat.chat_states import expects_text

    assert expects_text(ChatConversation(state=ChatState.HANDED_OFF, tracker={})) is True
    assert expects_text(ChatConversation(state=ChatState.BOT, tracker={})) is False
    assert expects_text(None) is False
