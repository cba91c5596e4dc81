"""Distillation data: corpus sampling, the teacher-driven builder, importers of published sets, label statistics."""
