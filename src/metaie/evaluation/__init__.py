"""Scoring: strict micro-F1 over hashable items (spans, triples...), per label as well."""
