from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WorkspacesConfig(AppConfig):
    name = "workspaces"
    verbose_name = _("Workspaces and dashboard users")

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in
        from django.db.backends.signals import connection_created

        from workspaces import checks  # noqa: F401  (registers the deploy checks)
        from workspaces.services import user_record_sign_in
        from workspaces.timestamps import use_c_loader

        connection_created.connect(use_c_loader, dispatch_uid="workspaces.timestamps")

        def record_sign_in(sender, request, user, **kwargs) -> None:
            user_record_sign_in(user=user)

        user_logged_in.connect(record_sign_in, dispatch_uid="workspaces.record_sign_in", weak=False)
