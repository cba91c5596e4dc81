"""Integrations with the tools people already use: a spaCy component, Label Studio and doccano round trips,
and the pre-annotate / correct / fine-tune loop. They use only metaie's public API (MetaIE, schema, dataset,
pipeline, training.fit), so a refactor of the internals does not reach them."""
