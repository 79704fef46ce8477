"""Every bound the SCIM API puts on one request, in one place (README "Security" lists them).

Each is far above what identity providers send, and low enough that one request cannot hold a
worker for long: the work a request causes grows with these, so without them a single client could
stall the service. Beyond a bound the answer is a 400 with `scimType` `invalidValue` (or
`invalidFilter` for filters): RFC 7644 §3.12 keeps `tooMany` for a filter that would yield too
many results, not for a request that asks too much. The body size is a setting
(`SCIM_MAX_BODY_BYTES`) because a proxy in front must agree with it.
"""

from __future__ import annotations

# JSON bodies (negotiation.py): arrays and objects inside one another.
MAX_JSON_DEPTH = 16

# Paging (RFC 7644 §3.4.2.4): a larger `count` is lowered to this, not refused.
DEFAULT_COUNT = 100
MAX_COUNT = 1000
MAX_START_INDEX = 2**31 - 1

# Filters (RFC 7644 §3.4.2.2). Real filters are one or two comparisons; a filter listing ids
# (`id eq "…" or id eq "…"`) reaches the length bound before the term bound.
MAX_FILTER_LENGTH = 4096
MAX_FILTER_NESTING = 32
MAX_FILTER_TERMS = 200

# `attributes` / `excludedAttributes` (RFC 7644 §3.4.2.5): every attribute path of every schema
# we serve, fully qualified, is fewer names than this, and the longest is a third of the length.
MAX_ATTRIBUTE_NAMES = 100
MAX_ATTRIBUTE_NAME_LENGTH = 200

# PATCH (RFC 7644 §3.5.2). Entra and Okta send one operation per changed attribute, and a group's
# members a few hundred values at a time. Values: each element of an array value counts once.
MAX_PATCH_OPERATIONS = 100
MAX_PATCH_VALUES = 1000
