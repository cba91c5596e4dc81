"""LLM teachers behind one protocol, versioned prompts, answer parsing and the response cache."""
