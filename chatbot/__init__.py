"""The Rasa project of the chatbot for dismissed members: domain, training data, actions and the embedded runtime."""
