from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WorkspacesConfig(AppConfig):
    name = "workspaces"
    verbose_name = _("Workspaces and dashboard users")

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in

        from workspaces.services import user_record_sign_in

        def record_sign_in(sender, request, user, **kwargs) -> None:
            user_record_sign_in(user=user)

        user_logged_in.connect(record_sign_in, dispatch_uid="workspaces.record_sign_in", weak=False)
