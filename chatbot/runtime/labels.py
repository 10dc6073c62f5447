"""Short names of the intents for the two-stage fallback's "Did you mean …?" buttons."""
from __future__ import annotations

LABELS = {
    "greet": ("Sige hej", "Say hello"),
    "goodbye": ("Sige farvel", "Say goodbye"),
    "thanks": ("Sige tak", "Say thanks"),
    "affirm": ("Ja", "Yes"),
    "deny": ("Nej", "No"),
    "ask_offers": ("Se jeres tilbud", "See your offers"),
    "book_conversation": ("Booke en samtale", "Book a conversation"),
    "job_matching": ("Jobmatch og FOA JobMatch", "Job matching"),
    "job_search_help": ("Hjælp til jobsøgning", "Job search help"),
    "courses_in_trade": ("Kurser i mit fag", "Courses in my trade"),
    "new_trade": ("Skifte fag", "Change of trade"),
    "it_skills": ("IT-hjælp", "IT help"),
    "danish_dyslexia": ("Dansk og ordblindhed", "Danish and dyslexia"),
    "fvu": ("FVU (læsning, skrivning, regning)", "FVU (reading, writing, maths)"),
    "tryghedspulje": ("Tryghedspuljen (20.000 kr.)", "The tryghedspulje (DKK 20,000)"),
    "rights_duties": ("Rettigheder og pligter", "Rights and duties"),
    "notice_period": ("Opsigelsesperioden", "The notice period"),
    "sign_on_unemployed": ("Melde mig ledig", "Signing on as unemployed"),
    "give_consent": ("Give samtykke", "Give consent"),
    "withdraw_consent": ("Trække samtykke tilbage", "Withdraw consent"),
    "request_human": ("Tale med en medarbejder", "Talk to a person"),
    "out_of_scope": ("Noget andet", "Something else"),
    "ask_next_conversation": ("Min næste samtale", "My next conversation"),
    "nlu_fallback": ("Ikke forstået", "Not understood"),
}


def intent_label(intent: str, language: str = "da") -> str:
    da, en = LABELS.get(intent, (intent, intent))
    return en if language == "en" else da


# What the bot did, in the caseworker's words (the handoff view); conversational steps are left out.
ACTION_LABELS = {
    "action_list_offers": ("Viste tilbud", "Showed offers"),
    "action_explain_offer": ("Forklarede et tilbud", "Explained an offer"),
    "action_start_booking": ("Begyndte at booke en samtale", "Started booking a conversation"),
    "action_offer_slots": ("Foreslog tider", "Suggested times"),
    "action_book_conversation": ("Bookede en samtale", "Booked a conversation"),
    "action_register_session": ("Tilmeldte et hold", "Signed up for a session"),
    "action_request_jobmatch_cv": ("Bad om CV til FOA JobMatch", "Asked for a CV for FOA JobMatch"),
    "action_record_consent": ("Fik samtykke", "Got consent"),
    "action_decline_consent": ("Fik nej til samtykke", "Consent declined"),
    "action_withdraw_consent": ("Samtykket blev trukket tilbage", "Consent withdrawn"),
    "action_start_registration": ("Begyndte at registrere medlemmet", "Started registering the member"),
    "action_register_member": ("Registrerede medlemmet", "Registered the member"),
    "action_register_member_refused": ("Registrerede ikke: oplysningerne kunne ikke bruges",
                                       "Did not register: the details could not be used"),
    "action_handoff": ("Gav samtalen videre til en medarbejder", "Passed the chat to a person"),
    "action_next_conversation": ("Fortalte om medlemmets næste samtale", "Told the member about their next conversation"),
}
# Turns that say nothing about what the member wanted (answers to questions, greetings, form fields the NLU
# could not place): left out of "what the bot understood".
NOT_A_TOPIC = {"affirm", "deny", "greet", "goodbye", "thanks", "nlu_fallback", "give_consent"}


def handoff_overview(context: dict, language: str = "da") -> tuple[list[str], list[str]]:
    """(what the member asked about, what the bot did) in words, each once, in order."""
    understood = [intent_label(i.get("intent") or "", language) for i in context.get("intents", [])
                  if i.get("intent") and i["intent"] not in NOT_A_TOPIC and i["intent"] in LABELS]
    tried = []
    for name in context.get("actions_tried", []):
        if name in ACTION_LABELS:
            da, en = ACTION_LABELS[name]
            tried.append(en if language == "en" else da)
    return list(dict.fromkeys(understood)), list(dict.fromkeys(tried))
