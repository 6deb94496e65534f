"""Hand-written, strict pydantic request models, one module per API area.

Every model forbids unknown fields and uses strict types, so a body that does not match the official schema
(unknown field, wrong type, missing required field) is rejected with a 400 naming the field path. Field names
and required flags follow the union of the saved OpenAPI document and SDK 4.12.0 (reference §10); a test checks
them against both. Enums are accepted case-insensitively and normalised to Metronome's canonical spelling.
"""
