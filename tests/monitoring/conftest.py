"""The SCIM fixtures (`scim`, ...) for this package too."""

from __future__ import annotations

from tests.provisioning.scim.conftest import (  # noqa: F401  (pytest finds fixtures by name)
    integration,
    integration_and_token,
    scim,
)
