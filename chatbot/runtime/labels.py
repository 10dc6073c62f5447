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
    "nlu_fallback": ("Ikke forstået", "Not understood"),
}


def intent_label(intent: str, language: str = "da") -> str:
    da, en = LABELS.get(intent, (intent, intent))
    return en if language == "en" else da
