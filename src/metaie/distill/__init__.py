"""Distillation: corpus sampling, the teacher-driven builder, label statistics and reports."""
