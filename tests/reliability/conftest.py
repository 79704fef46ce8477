"""The SCIM fixtures (`scim`, `idp_scim`, `other_company_scim`, ...) for this package too."""

from __future__ import annotations

from tests.provisioning.scim.conftest import (  # noqa: F401  (pytest finds fixtures by name)
    idp_scim,
    integration,
    integration_and_token,
    other_company_scim,
    scim,
)
