"""Media types: `application/scim+json` (RFC 7644 §3.1) and plain `application/json`, in and out.

The parser is strict where a lenient one would let bad input reach the database: oversized bodies,
invalid UTF-8, duplicate keys, deep nesting and NUL characters are refused with a SCIM 4xx.
"""

from __future__ import annotations

import json

from django.conf import settings
from rest_framework.parsers import BaseParser
from rest_framework.renderers import JSONRenderer

from provisioning.scim.errors import ScimError, bad_request

SCIM_MEDIA_TYPE = "application/scim+json"
MAX_DEPTH = 16


class ScimRenderer(JSONRenderer):
    media_type = SCIM_MEDIA_TYPE
    format = "scim"


class PlainJSONRenderer(JSONRenderer):
    """`application/json` for clients that ask for it (Braze's own examples do)."""


def _reject_duplicate_keys(pairs: list[tuple[str, object]]) -> dict:
    result: dict = {}
    for key, value in pairs:
        if key in result:
            raise bad_request(f"Duplicate key in JSON object: {key!r}.", "invalidSyntax")
        result[key] = value
    return result


def _check_values(value: object, depth: int = 0) -> None:
    if depth > MAX_DEPTH:
        raise bad_request("The JSON document is nested too deeply.", "invalidSyntax")
    if isinstance(value, str):
        if "\x00" in value:
            raise bad_request("Strings may not contain NUL characters.", "invalidValue")
    elif isinstance(value, dict):
        for key, item in value.items():
            _check_values(key, depth + 1)
            _check_values(item, depth + 1)
    elif isinstance(value, list):
        for item in value:
            _check_values(item, depth + 1)


def parse_json_body(raw: bytes) -> object:
    if len(raw) > settings.SCIM_MAX_BODY_BYTES:
        raise ScimError(413, f"The body is larger than {settings.SCIM_MAX_BODY_BYTES} bytes.")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise bad_request("The body is not valid UTF-8.", "invalidSyntax") from None
    if not text.strip():
        raise bad_request("The request body is empty.", "invalidSyntax")
    try:
        data = json.loads(text, object_pairs_hook=_reject_duplicate_keys)
    except (ValueError, RecursionError):
        raise bad_request(
            "Request is unparsable, syntactically incorrect, or violates schema.", "invalidSyntax"
        ) from None
    _check_values(data)
    return data


class ScimParser(BaseParser):
    media_type = SCIM_MEDIA_TYPE

    def parse(self, stream, media_type=None, parser_context=None) -> object:
        # Read one byte past the limit, so an oversized body is detected without reading it all.
        raw = stream.read(settings.SCIM_MAX_BODY_BYTES + 1) if stream is not None else b""
        return parse_json_body(raw)


class PlainJSONParser(ScimParser):
    media_type = "application/json"
