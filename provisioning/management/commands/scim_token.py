"""Configure a company's SCIM integration and print a new token, from the command line.

For scripted set-ups (CI's compliance check, the benchmark, an operator rotating a token without
the browser). The old token stops working at once.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from provisioning.models import ScimIntegration
from provisioning.services import integration_configure, scim_token_issue
from workspaces.models import Company


class Command(BaseCommand):
    help = "Issue a new SCIM token for a company (configuring the integration if needed)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("company", help="The company's name.")
        parser.add_argument("--origin", help="Service origin (required if not yet configured).")
        parser.add_argument("--workspace", help="Default workspace name (default: the first one).")
        parser.add_argument(
            "--method",
            choices=ScimIntegration.Method.values,
            help="Provisioning method (default: custom, Braze's API).",
        )

    def handle(
        self, *args, company: str, origin: str | None, workspace: str | None, **opts
    ) -> None:
        method = opts.get("method")
        company_obj = Company.objects.filter(name=company).first()
        if company_obj is None:
            raise CommandError(f"No company named {company!r}.")
        integration = ScimIntegration.objects.filter(company=company_obj).first()
        if origin or workspace or method or integration is None:
            integration = self._configure(company_obj, integration, origin, workspace, method)
        self.stdout.write(scim_token_issue(integration=integration, actor=None, ip=None))

    def _configure(self, company, integration, origin, workspace_name, method) -> ScimIntegration:
        origin = origin or (integration.service_origin if integration else None)
        if not origin:
            raise CommandError("--origin is required the first time.")
        workspaces = company.workspaces.all()
        if workspace_name:
            workspaces = workspaces.filter(name=workspace_name)
        default = workspaces.first() or (integration.default_workspace if integration else None)
        if default is None:
            raise CommandError("The company has no such workspace.")
        try:
            return integration_configure(
                company=company,
                default_workspace=default,
                service_origin=origin,
                ip_allowlist=integration.ip_allowlist if integration else "",
                actor=None,
                ip=None,
                provisioning_method=method
                or (
                    integration.provisioning_method
                    if integration
                    else ScimIntegration.Method.CUSTOM
                ),
            )
        except ValidationError as error:  # the model's message, e.g. what an origin looks like
            raise CommandError(" ".join(error.messages)) from None
