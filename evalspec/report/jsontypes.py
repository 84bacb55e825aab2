"""The name of the report's JSON-shaped values (typing only).

The report document (document.py) and its parts (a cell's, a file's, a gate verdict's) are JSON
objects that the templates, the json format and `evalspec show` read by key. Their keys are a
contract kept by the golden files and FORMAT_VERSION, so they are one named type here rather
than TypedDicts that every new key would have to follow.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

Json = dict[str, Any]
"""A JSON object of the report: the document, or a cell's, a file's, a gate verdict's."""

JsonView = Mapping[str, Any]
"""One read, not changed: a document made on use (document.py) is a Mapping, not a dict."""
