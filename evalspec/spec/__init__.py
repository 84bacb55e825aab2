"""Specs: YAML files -> a validated, immutable Spec, with errors at `file:line:col`. No network."""
