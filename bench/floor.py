"""The floor: the cheapest useful request on the same stack (gunicorn, Django middleware,
PostgreSQL), one indexed lookup by email and a small JSON body. Every SCIM operation is reported
as a fraction of this view's throughput, which makes runs on noisy machines comparable.
"""

from __future__ import annotations

from django.http import HttpRequest, JsonResponse

from workspaces.models import DashboardUser, email_matches


def floor(request: HttpRequest) -> JsonResponse:
    # The same lower(email) lookup the SCIM filter uses, served by the unique functional index.
    rows = (
        DashboardUser.objects.filter(email_matches(request.GET.get("email", "")))
        .order_by()
        .values("public_id", "email")[:1]
    )
    row = next(iter(rows), None)
    return JsonResponse({"id": row["public_id"], "userName": row["email"]} if row else {})
