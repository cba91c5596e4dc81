"""Distillation data: importers of published label-to-span sets, corpus reading, dataset building."""
