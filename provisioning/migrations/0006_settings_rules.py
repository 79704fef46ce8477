"""The integration's rules on the model (validators, a known provisioning method), and on
PostgreSQL a foreign key that keeps the default workspace within the integration's company,
whoever writes the row (the admin, a script, SQL by hand).

The key is NOT VALID: it holds every write from now on without failing the migration on a row
saved before it; the request gate refuses such a row, naming the setting, until it is saved again.
"""

import provisioning.models
from django.conf import settings
from django.db import migrations, models


FOREIGN_KEY = "scim_default_workspace_of_own_company"


def add_foreign_key(apps, schema_editor):
    schema_editor.execute(
        f"ALTER TABLE provisioning_scimintegration ADD CONSTRAINT {FOREIGN_KEY} "
        "FOREIGN KEY (company_id, default_workspace_id) "
        "REFERENCES workspaces_workspace (company_id, id) "
        "DEFERRABLE INITIALLY DEFERRED NOT VALID"
    )


def drop_foreign_key(apps, schema_editor):
    schema_editor.execute(
        f"ALTER TABLE provisioning_scimintegration DROP CONSTRAINT IF EXISTS {FOREIGN_KEY}"
    )


class Migration(migrations.Migration):

    dependencies = [
        ('provisioning', '0005_named_rows_change_notifications'),
        ('workspaces', '0006_workspace_company_id_key'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AlterField(
            model_name='scimintegration',
            name='ip_allowlist',
            field=models.TextField(blank=True, validators=[provisioning.models.validate_ip_allowlist], verbose_name='IP allowlist'),
        ),
        migrations.AlterField(
            model_name='scimintegration',
            name='service_origin',
            field=models.CharField(max_length=255, validators=[provisioning.models.validate_service_origin], verbose_name='service origin'),
        ),
        migrations.AddConstraint(
            model_name='scimintegration',
            constraint=models.CheckConstraint(condition=models.Q(('provisioning_method__in', ['custom', 'okta', 'entra', 'scim'])), name='scim_integration_known_method'),
        ),
        migrations.RunPython(add_foreign_key, drop_foreign_key),
    ]
