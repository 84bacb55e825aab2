"""One module per CLI command. Each has one frozen request dataclass (`ValidateRequest`,
`PlanRequest`, ...) and `run(request) -> exit code`; cli.py builds the request from click's
options. Commands are the lowest layer that prints: the stages below return or raise."""
