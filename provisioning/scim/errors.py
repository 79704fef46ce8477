"""The SCIM error type and the one exception handler (RFC 7644 §3.12).

Every failure of the SCIM API leaves through `scim_exception_handler`, so every error body has the
Error schema, `status` as a string, a `scimType` where RFC 7644 defines one, and no stack trace.
"""

from __future__ import annotations

import logging

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.db import DatabaseError, InterfaceError, OperationalError
from django.http import Http404, UnreadablePostError
from rest_framework import exceptions
from rest_framework.response import Response

from provisioning.scim.urns import ERROR_SCHEMA
from workspaces import services

logger = logging.getLogger(__name__)

DATABASE_RETRY_AFTER_SECONDS = 30


class ScimError(Exception):
    """An error with a SCIM status and `scimType`, raised anywhere below a SCIM view."""

    def __init__(
        self,
        status: int,
        detail: str,
        scim_type: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(detail)
        self.status, self.detail, self.scim_type = status, detail, scim_type
        self.headers = headers or {}


def bad_request(detail: str, scim_type: str = "invalidValue") -> ScimError:
    return ScimError(400, detail, scim_type)


def not_found(detail: str = "Resource not found") -> ScimError:
    return ScimError(404, detail)


def error_body(status: int, detail: str, scim_type: str | None = None) -> dict:
    body = {"schemas": [ERROR_SCHEMA], "status": str(status), "detail": detail}
    if scim_type:
        body["scimType"] = scim_type
    return body


def _from_drf(exc: exceptions.APIException) -> ScimError:
    headers = {}
    if getattr(exc, "auth_header", None):
        headers["WWW-Authenticate"] = exc.auth_header
    if getattr(exc, "wait", None) is not None:
        headers["Retry-After"] = str(int(exc.wait))
    scim_type = "invalidSyntax" if isinstance(exc, exceptions.ParseError) else None
    if isinstance(exc, exceptions.ValidationError):
        scim_type = "invalidValue"
    detail = exc.detail if isinstance(exc.detail, str) else "The request is not valid."
    return ScimError(exc.status_code, str(detail), scim_type, headers)


# The domain's refusals, as SCIM errors. Their messages are written to be shown to the caller.
DOMAIN_ERRORS: dict[type[services.DomainError], tuple[int, str | None]] = {
    services.UserAlreadyExists: (409, "uniqueness"),
    services.RoleNameTaken: (409, "uniqueness"),
    services.LastAdminError: (409, None),
    services.UnknownValue: (400, "invalidValue"),
}


def to_scim_error(exc: Exception) -> ScimError | None:
    if isinstance(exc, ScimError):
        return exc
    if isinstance(exc, services.DomainError):
        status, scim_type = DOMAIN_ERRORS.get(type(exc), (400, "invalidValue"))
        return ScimError(status, str(exc), scim_type)
    if isinstance(exc, exceptions.APIException):
        return _from_drf(exc)
    if isinstance(exc, Http404):
        return not_found()
    if isinstance(exc, UnreadablePostError):
        # The client stopped sending its body past the server's deadline, or went away.
        return bad_request("The request body did not arrive in full.", "invalidSyntax")
    if isinstance(exc, DjangoPermissionDenied):
        return ScimError(403, "Forbidden.")
    if isinstance(exc, OperationalError | InterfaceError):
        # The database is unreachable or restarting: tell the IdP to come back, don't fail the job.
        logger.warning("SCIM request failed on the database: %s", type(exc).__name__)
        return ScimError(
            503,
            "The service is temporarily unavailable; retry later.",
            headers={"Retry-After": str(DATABASE_RETRY_AFTER_SECONDS)},
        )
    if isinstance(exc, DatabaseError):
        logger.exception("SCIM request failed on the database")
        return ScimError(400, "The request could not be stored.", "invalidValue")
    return None


def scim_exception_handler(exc: Exception, context: dict) -> Response:
    error = to_scim_error(exc)
    if error is None:
        logger.exception("Unexpected error in the SCIM API", exc_info=exc)
        error = ScimError(500, "Internal error; the request was not applied.")
    response = Response(error_body(error.status, error.detail, error.scim_type), error.status)
    for name, value in error.headers.items():
        response[name] = value
    return response
