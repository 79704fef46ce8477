"""Media types: `application/scim+json` (RFC 7644 §3.1) and plain `application/json`, in and out.

The parser is strict where a lenient one would let bad input reach the database: oversized bodies,
invalid UTF-8, duplicate keys, deep nesting, numbers beyond a double and strings no database can
hold are refused with a SCIM 4xx, for every body at once. (orjson refuses the last two as well,
but keeps the last of duplicate keys without a word, so the standard library parses.)
"""

from __future__ import annotations

import json
import math
import re

import orjson
from django.conf import settings
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.parsers import BaseParser
from rest_framework.renderers import JSONRenderer
from rest_framework.utils.encoders import JSONEncoder

from provisioning.scim.errors import ScimError, bad_request
from provisioning.scim.limits import MAX_JSON_DEPTH

SCIM_MEDIA_TYPE = "application/scim+json"

# A NUL, which PostgreSQL text cannot hold, and a lone UTF-16 surrogate (JSON's `"\ud800"`),
# which is no character at all: UTF-8 cannot encode it, so no database driver can send it.
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


def unstorable(text: str) -> bool:
    """Whether `text` holds a character no column can store: the one test for bodies and filters."""
    return _UNSTORABLE.search(text) is not None


class ScimRenderer(JSONRenderer):
    """Compact UTF-8 JSON written by orjson, several times faster than the standard library's
    encoder on a page of users (bench/README.md). Anything orjson doesn't know (a lazy
    translation in an error, say) goes through DRF's encoder, as before."""

    media_type = SCIM_MEDIA_TYPE
    format = "scim"
    _fallback = JSONEncoder().default

    def render(self, data, accepted_media_type=None, renderer_context=None) -> bytes:
        if data is None:
            return b""
        return orjson.dumps(data, default=self._fallback)


class ScimContentNegotiation(DefaultContentNegotiation):
    """DRF's choice of renderer, remembered per `Accept` header: a client sends the same header on
    every request, and parsing it showed in the lookup's profile (bench/README.md). A refusal
    (406) isn't kept."""

    _chosen: dict[tuple, tuple[int, str]] = {}

    def select_renderer(self, request, renderers, format_suffix=None):
        key = (
            request.META.get("HTTP_ACCEPT", ""),
            format_suffix,
            request.query_params.get(self.settings.URL_FORMAT_OVERRIDE),
            tuple(type(renderer) for renderer in renderers),
        )
        if key in self._chosen:
            index, media_type = self._chosen[key]
            return renderers[index], media_type
        renderer, media_type = super().select_renderer(request, renderers, format_suffix)
        if len(self._chosen) >= 256:  # headers a client made up don't pile up
            self._chosen.clear()
        self._chosen[key] = (renderers.index(renderer), media_type)
        return renderer, media_type


class PlainJSONRenderer(ScimRenderer):
    """`application/json` for clients that ask for it (Braze's own examples do)."""

    media_type = "application/json"
    format = "json"


def _reject_duplicate_keys(pairs: list[tuple[str, object]]) -> dict:
    result: dict = {}
    for key, value in pairs:
        if key in result:
            raise bad_request(f"Duplicate key in JSON object: {key!r}.", "invalidSyntax")
        result[key] = value
    return result


def _finite(text: str) -> float:
    # 1e400 is valid JSON that no double holds; Python reads it as infinity, which no integer,
    # column or JSON output can take (RFC 8259 §6 lets a parser limit the range).
    number = float(text)
    if not math.isfinite(number):
        raise bad_request(f"The number {text[:40]} is out of range.", "invalidValue")
    return number


def _not_json(name: str) -> None:
    raise bad_request(f"{name} is not a JSON value.", "invalidSyntax")


def _check_values(value: object, depth: int = 0) -> None:
    if depth > MAX_JSON_DEPTH:
        raise bad_request("The JSON document is nested too deeply.", "invalidSyntax")
    if isinstance(value, str):
        if unstorable(value):
            raise bad_request(
                "Strings may not contain NUL characters or lone UTF-16 surrogates.",
                "invalidValue",
            )
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
        data = json.loads(
            text,
            object_pairs_hook=_reject_duplicate_keys,
            parse_float=_finite,
            parse_constant=_not_json,
        )
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
