"""The label-to-span tagger: encoding (pairs -> windows), decoding (probabilities -> spans), the model wrapper."""
