"""The SCIM 2.0 endpoints. `ScimView` owns the gate, negotiation, errors, rate-limit headers and the
request log; each resource view only parses, calls one service, and renders.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable
from dataclasses import replace

from django.conf import settings
from django.db import transaction
from django.http import JsonResponse
from django.urls import get_script_prefix, get_urlconf, reverse
from django.views.decorators.csrf import csrf_exempt
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from provisioning import request_log
from provisioning.models import RequestLogEntry, ScimIntegration
from provisioning.scim import etags, filters, group_patch, groups, listing, patch, users
from provisioning.scim.errors import (
    ScimError,
    bad_request,
    error_body,
    not_found,
    scim_exception_handler,
)
from provisioning.scim.gate import DailyRateThrottle, ScimTokenAuthentication
from provisioning.scim.negotiation import (
    SCIM_MEDIA_TYPE,
    PlainJSONParser,
    PlainJSONRenderer,
    ScimContentNegotiation,
    ScimParser,
    ScimRenderer,
)
from provisioning.scim.resources import GROUP, USER, Resource
from workspaces import selectors, services
from workspaces.models import Company, DashboardUser, Role, could_be_public_id
from workspaces.services import UserAccess


@functools.lru_cache(maxsize=32)
def _collection_path(name: str, script_prefix: str, urlconf: str) -> str:
    return reverse(name, urlconf=urlconf)  # the script prefix is read by reverse() itself


class ScimView(APIView):
    authentication_classes = [ScimTokenAuthentication]
    throttle_classes = [DailyRateThrottle]
    permission_classes: list = []
    renderer_classes = [ScimRenderer, PlainJSONRenderer]
    parser_classes = [ScimParser, PlainJSONParser]
    content_negotiation_class = ScimContentNegotiation
    missing = "Resource not found"
    resource: Resource | None = None  # what `attributes`/`excludedAttributes` are resolved in
    selection: listing.AttributeSelection

    def get_exception_handler(self):
        return scim_exception_handler

    @property
    def integration(self) -> ScimIntegration:
        return self.request.auth

    @property
    def company(self) -> Company:
        return self.integration.company

    def body(self) -> dict:
        data = self.request.data
        if not isinstance(data, dict) or not data:
            raise bad_request("The request needs a JSON object body.", "invalidSyntax")
        return data

    def absolute(self, name: str, *args: str) -> str:
        return self.request.build_absolute_uri(reverse(name, args=args))

    def resource_url(self, collection: str, public_id: str) -> str:
        """`https://host/scim/v2/Users/<id>`: the collection's path is reversed once per process
        and made absolute once per request, not once per resource: both showed in the profiles of
        a PATCH and of a page of users (bench/README.md)."""
        bases = self.__dict__.setdefault("_collection_urls", {})
        if collection not in bases:
            urlconf = get_urlconf() or settings.ROOT_URLCONF
            path = _collection_path(f"scim:{collection}", get_script_prefix(), urlconf)
            bases[collection] = self.request.build_absolute_uri(path).rstrip("/")
        return f"{bases[collection]}/{public_id}"

    def dispatch(self, request, *args, **kwargs):
        started = time.monotonic()
        response = super().dispatch(request, *args, **kwargs)
        integration = getattr(request, "scim_integration", None)
        if integration is not None:
            _log_request(request, integration, response.status_code, started)
        return response

    def initial(self, request: Request, *args, **kwargs) -> None:
        super().initial(request, *args, **kwargs)  # the gate
        public_id = kwargs.get("public_id")
        if public_id is not None and not could_be_public_id(public_id):
            raise not_found(self.missing)
        self.selection = self.attribute_selection(request.query_params)

    def attribute_selection(self, params) -> listing.AttributeSelection:
        return listing.attribute_selection(
            params, self.resource, braze_shape=self.integration.is_custom
        )

    def finalize_response(self, request: Request, response: Response, *args, **kwargs) -> Response:
        response = super().finalize_response(request, response, *args, **kwargs)
        rate = getattr(request._request, "scim_rate", None)
        if rate is not None:
            response["X-RateLimit-Limit"] = str(rate.limit)
            response["X-RateLimit-Remaining"] = str(rate.remaining)
            response["X-RateLimit-Reset"] = str(rate.reset_at)
        return response


def _log_request(request, integration: ScimIntegration, status: int, started: float) -> None:
    """Append to the request log: never the token, never the body (only the path, no query)."""
    request_log.record(
        RequestLogEntry(
            company_id=integration.company_id,
            method=request.method,
            path=request.path,  # request_log makes it storable
            status=status,
            duration_ms=int((time.monotonic() - started) * 1000),
            client_ip=request.scim_client_ip,
        )
    )


# ---------------------------------------------------------------------------------------------
# Users


class UserViewMixin:
    missing = "User not found"
    resource = USER

    def user_location(self, user: DashboardUser) -> str:
        return self.resource_url("users", user.public_id)

    def user_document(self, found: selectors.UserWithAccess) -> dict:
        return users.render_user(
            found,
            location=self.user_location(found.user),
            braze_shape=self.integration.is_custom,
            default_workspace_id=self.integration.default_workspace_id,
        )

    def get_user(self, public_id: str, *, lock: bool = False) -> selectors.UserWithAccess:
        user = selectors.user_get_for_company(company=self.company, public_id=public_id, lock=lock)
        if user is None:  # another company's user is just as missing
            raise not_found(self.missing)
        return user

    def resolve(self, requested: users.PermissionsInput | None) -> UserAccess | None:
        """The access a parsed `permissions` object asks for, what it names found in the
        company (one query per kind it names); None when the request didn't mention it."""
        if requested is None:
            return None
        found = selectors.access_refs_resolve(company=self.company, refs=requested.refs())
        return users.user_access(requested, found)

    def user_response(self, found: selectors.UserWithAccess, status: int = 200) -> Response:
        doc = self.user_document(found)
        response = Response(self.selection.apply(doc), status=status)
        response["ETag"] = doc["meta"]["version"]
        if status == 201:
            response["Location"] = doc["meta"]["location"]
        return response


class UsersView(UserViewMixin, ScimView):
    def get(self, request: Request) -> Response:
        return self.search(request.query_params, self.selection)

    def search(self, params, selection: listing.AttributeSelection) -> Response:
        email = filters.user_name_equals(params.get("filter"))
        if email is not None and not params.get("sortBy") and not params.get("sortOrder"):
            # The identity provider's lookup before each create: one indexed row at most.
            page = listing.page_of_unique_match(
                selectors.users_with_email(self.company, email), params
            )
        elif not params.get("filter") and not params.get("sortBy"):
            # The identity provider's import, page after page: nothing to filter or sort by.
            page = listing.page_in_id_order(
                params,
                lambda offset, limit: selectors.company_users_page(
                    self.company, offset=offset, limit=limit
                ),
            )
        else:
            queryset = selectors.users_for_company(self.company)
            if params.get("filter"):
                queryset = queryset.filter(filters.to_q(params["filter"], USER))
            page = listing.paginate(queryset, params, USER)
            page = replace(page, rows=selectors.users_with_access(page.rows))
        return Response(page.envelope([self.user_document(u) for u in page.rows], selection))

    def post(self, request: Request) -> Response:
        parsed = users.parse_user(self.body())
        access = self.resolve(parsed.access)
        created = services.user_create(
            company=self.company,
            email=parsed.email,
            profile=parsed.profile,
            access=users.with_default_workspace(access, self.integration.default_workspace),
            password=parsed.password,
            invite_base_url=None if parsed.password else request.build_absolute_uri("/"),
        )
        return self.user_response(created, status=201)


class UsersSearchView(UsersView):
    """POST /Users/.search (RFC 7644 §3.4.3): the query in the body instead of the URL."""

    def get(self, request: Request) -> Response:
        raise ScimError(405, "Use POST for .search.")

    def post(self, request: Request) -> Response:
        params = listing.search_request_params(self.body())
        return self.search(params, self.attribute_selection(params))


class UserDetailView(UserViewMixin, ScimView):
    def get(self, request: Request, public_id: str) -> Response:
        found = self.get_user(public_id)
        version = etags.version_of(found.user.updated_at)
        if etags.etag_matches(request.headers.get("If-None-Match"), version):
            return Response(status=304, headers={"ETag": version})
        return self.user_response(found)

    def put(self, request: Request, public_id: str) -> Response:
        parsed = users.parse_user(self.body())
        return self.write(public_id, lambda found: parsed)

    def patch(self, request: Request, public_id: str) -> Response:
        operations = patch.writable(patch.parse_operations(self.body()), USER)

        def patched(found: selectors.UserWithAccess) -> users.UserInput:
            before = users.user_input_document(found)
            after = patch.apply_operations(before, operations, USER)
            return users.parse_patched_user(before, after)

        return self.write(public_id, patched)

    def write(
        self, public_id: str, change: Callable[[selectors.UserWithAccess], users.UserInput]
    ) -> Response:
        """Make a PUT's or a PATCH's `change` to the user as read without a lock: a change of
        the profile alone is then one UPDATE, with no transaction around it. If another write
        reaches the user in between, nothing is written (`services.UserChanged`), and the
        change is made once more, on the user read again under its row lock, where nothing
        can overtake it: concurrent writes lose nothing, and each request ends after two tries
        at most."""
        try:
            return self.write_to(self.get_user(public_id), change)
        except services.UserChanged:
            with transaction.atomic():
                return self.write_to(self.get_user(public_id, lock=True), change)

    def write_to(
        self,
        found: selectors.UserWithAccess,
        change: Callable[[selectors.UserWithAccess], users.UserInput],
    ) -> Response:
        etags.check_if_match(
            self.request.headers.get("If-Match"), etags.version_of(found.user.updated_at)
        )
        parsed = change(found)
        if parsed.email.lower() != found.user.email.lower():
            raise ScimError(400, "userName cannot be changed.", "mutability")
        # An identity provider's PUT repeats the user's access with every change of a name:
        # when it names just that, there is nothing to look up or rewrite.
        requested = parsed.access
        same = requested is not None and users.names_stored_access(requested, found)
        access = None if same else self.resolve(requested)
        if access is not None:
            access = users.with_default_workspace(access, self.integration.default_workspace)
        return self.user_response(
            services.user_update(user=found, profile=parsed.profile, access=access)
        )

    @transaction.atomic
    def delete(self, request: Request, public_id: str) -> Response:
        user = selectors.users_for_company(self.company).select_for_update()
        user = user.filter(public_id=public_id).only(
            "pk", "company", "updated_at", "company_permissions"
        )
        user = next(iter(user), None)
        if user is None:
            raise not_found("User not found")
        etags.check_if_match(request.headers.get("If-Match"), etags.version_of(user.updated_at))
        services.user_delete(user=user)
        return Response(status=204)


# ---------------------------------------------------------------------------------------------
# Groups: company roles (an IdP group is a role, as Braze maps IdP groups to roles)


class GroupViewMixin:
    missing = "Group not found"
    resource = GROUP

    def get_role(self, public_id: str, *, lock: bool = False) -> Role:
        roles = selectors.roles_for_company(self.company)
        role = (roles.select_for_update() if lock else roles).filter(public_id=public_id).first()
        if role is None:
            raise not_found(self.missing)
        return role

    def group_documents(
        self, roles: list[Role], selection: listing.AttributeSelection
    ) -> list[dict]:
        # Members are read only when the response shows them (`excludedAttributes=members` is
        # how Entra asks for a group without its possibly thousands of members).
        wanted = selection.shows("members")
        members = selectors.role_members([r.pk for r in roles]) if wanted else {}
        return [
            selection.apply(
                groups.render_group(
                    role,
                    location=self.resource_url("groups", role.public_id),
                    members=members.get(role.pk),
                    member_url=lambda pk: self.resource_url("users", pk),
                )
            )
            for role in roles
        ]

    def group_response(self, role: Role, status: int = 200) -> Response:
        (doc,) = self.group_documents([role], self.selection)
        headers = {"ETag": etags.version_of(role.updated_at)}
        if status == 201:
            # Not from `doc`: `attributes`/`excludedAttributes` may have left `meta` out of it
            # (a 500 found by schemathesis).
            headers["Location"] = self.resource_url("groups", role.public_id)
        return Response(doc, status=status, headers=headers)

    def resolve_members(self, public_ids: list[str]) -> set[int]:
        found = selectors.user_ids_by_public_id(self.company, set(public_ids))
        missing = [pid for pid in public_ids if pid not in found]
        if missing:
            raise bad_request(f"Unknown member: {missing[0]!r}.")
        return set(found.values())


class GroupsView(GroupViewMixin, ScimView):
    def get(self, request: Request) -> Response:
        return self.search(request.query_params, self.selection)

    def search(self, params, selection: listing.AttributeSelection) -> Response:
        queryset = selectors.roles_for_company(self.company)
        if params.get("filter"):
            queryset = queryset.filter(filters.to_q(params["filter"], GROUP)).distinct()
        page = listing.paginate(queryset, params, GROUP)
        documents = self.group_documents(page.rows, selection)
        return Response(page.envelope(documents, listing.AttributeSelection()))

    @transaction.atomic
    def post(self, request: Request) -> Response:
        parsed = groups.parse_group(self.body())
        role = services.role_create(
            company=self.company,
            name=parsed.display_name,
            external_id=parsed.external_id,
            member_ids=self.resolve_members(parsed.members or []),
        )
        return self.group_response(role, status=201)


class GroupsSearchView(GroupsView):
    def get(self, request: Request) -> Response:
        raise ScimError(405, "Use POST for .search.")

    def post(self, request: Request) -> Response:
        params = listing.search_request_params(self.body())
        return self.search(params, self.attribute_selection(params))


class GroupDetailView(GroupViewMixin, ScimView):
    def get(self, request: Request, public_id: str) -> Response:
        role = self.get_role(public_id)
        version = etags.version_of(role.updated_at)
        if etags.etag_matches(request.headers.get("If-None-Match"), version):
            return Response(status=304, headers={"ETag": version})
        return self.group_response(role)

    def get_locked_role(self, public_id: str) -> Role:
        role = self.get_role(public_id, lock=True)
        etags.check_if_match(
            self.request.headers.get("If-Match"), etags.version_of(role.updated_at)
        )
        return role

    @transaction.atomic
    def put(self, request: Request, public_id: str) -> Response:
        role = self.get_locked_role(public_id)
        parsed = groups.parse_group(self.body())
        services.role_update(role=role, name=parsed.display_name, external_id=parsed.external_id)
        if parsed.members is not None:
            services.role_set_members(role=role, users=self.resolve_members(parsed.members))
        return self.group_response(role)

    @transaction.atomic
    def patch(self, request: Request, public_id: str) -> Response:
        operations = patch.writable(patch.parse_operations(self.body()), GROUP)
        role = self.get_locked_role(public_id)
        member_ops, attribute_ops = group_patch.split(operations)
        document = patch.apply_operations(
            {"displayName": role.name, "externalId": role.external_id}, attribute_ops, GROUP
        )
        parsed = group_patch.attributes(document)
        services.role_update(role=role, name=parsed.display_name, external_id=parsed.external_id)
        for op in member_ops:
            group_patch.apply_member_operation(role, op, self.resolve_members)
        if self.selection:
            return self.group_response(role)
        # 204 keeps a membership change cheap however large the group (RFC 7644 §3.5.2 allows it).
        return Response(status=204, headers={"ETag": etags.version_of(role.updated_at)})

    @transaction.atomic
    def delete(self, request: Request, public_id: str) -> Response:
        services.role_delete(role=self.get_locked_role(public_id))
        return Response(status=204)


@csrf_exempt  # a bearer-token API: no cookies, so no CSRF; and never Django's HTML 403
def unknown_endpoint(request, *args, **kwargs) -> JsonResponse:
    """Anything else under /scim/v2/ is a SCIM 404, not Django's HTML page."""
    return _error_response(404, "No such SCIM endpoint.")


@csrf_exempt
def root_search(request, *args, **kwargs) -> JsonResponse:
    """POST /.search across resource types (RFC 7644 §3.4.3) is optional; we say so plainly."""
    return _error_response(501, "Searching several resource types at once is not supported.")


def _error_response(status: int, detail: str) -> JsonResponse:
    return JsonResponse(error_body(status, detail), status=status, content_type=SCIM_MEDIA_TYPE)
