"""PostgreSQL: NOTIFY `scim_integration` whenever an integration or a company changes, so every
app process drops the integrations it keeps in memory (provisioning/integration_cache.py).

A trigger rather than signals: it also sees queryset updates, raw SQL and the admin. Writes that
only record the token's last use are left out (they happen once a minute per process).
"""

from django.db import migrations

FUNCTION = """
CREATE OR REPLACE FUNCTION scim_integration_notify() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND TG_TABLE_NAME = 'provisioning_scimintegration'
       AND to_jsonb(NEW) - 'token_last_used_at' - 'token_last_used_ip'
           = to_jsonb(OLD) - 'token_last_used_at' - 'token_last_used_ip' THEN
        RETURN NULL;
    END IF;
    PERFORM pg_notify('scim_integration', '');
    RETURN NULL;
END
$$ LANGUAGE plpgsql;
"""
TRIGGERS = {
    "scim_integration_notify_rows": (
        "provisioning_scimintegration",
        "AFTER INSERT OR UPDATE OR DELETE",
        "ROW",
    ),
    "scim_integration_notify_truncate": ("provisioning_scimintegration", "AFTER TRUNCATE", "STATEMENT"),
    "scim_company_notify_rows": ("workspaces_company", "AFTER UPDATE OR DELETE", "ROW"),
    "scim_company_notify_truncate": ("workspaces_company", "AFTER TRUNCATE", "STATEMENT"),
}


def create(apps, schema_editor):
    schema_editor.execute(FUNCTION)
    for name, (table, events, level) in TRIGGERS.items():
        schema_editor.execute(
            f"CREATE TRIGGER {name} {events} ON {table} "
            f"FOR EACH {level} EXECUTE FUNCTION scim_integration_notify()"
        )


def drop(apps, schema_editor):
    for name, (table, _events, _level) in TRIGGERS.items():
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {name} ON {table}")
    schema_editor.execute("DROP FUNCTION IF EXISTS scim_integration_notify()")


class Migration(migrations.Migration):
    dependencies = [
        ("provisioning", "0003_provisioning_method"),
        ("workspaces", "0001_initial"),
    ]

    operations = [migrations.RunPython(create, drop)]
