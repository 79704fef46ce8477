"""PostgreSQL: NOTIFY `scim_integration` whenever a workspace, team, permission set or role
changes, so every app process drops what it keeps in memory of them (the rows a `permissions`
object names; provisioning/integration_cache.py), as it does on an integration's change (0004).

Inserts count too: a name nobody had is remembered as unknown. Updates that only move a role's
`updated_at` are left out: every group membership change does that, and names stay the same.
"""

from django.db import migrations

FUNCTION = """
CREATE OR REPLACE FUNCTION scim_named_rows_notify() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND to_jsonb(NEW) - 'updated_at' = to_jsonb(OLD) - 'updated_at' THEN
        RETURN NULL;
    END IF;
    PERFORM pg_notify('scim_integration', '');
    RETURN NULL;
END
$$ LANGUAGE plpgsql;
"""
TABLES = {
    "workspace": "workspaces_workspace",
    "team": "workspaces_team",
    "permissionset": "workspaces_permissionset",
    "role": "workspaces_role",
}


def create(apps, schema_editor):
    schema_editor.execute(FUNCTION)
    for name, table in TABLES.items():
        schema_editor.execute(
            f"CREATE TRIGGER scim_{name}_notify_rows AFTER INSERT OR UPDATE OR DELETE ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION scim_named_rows_notify()"
        )
        schema_editor.execute(
            f"CREATE TRIGGER scim_{name}_notify_truncate AFTER TRUNCATE ON {table} "
            "FOR EACH STATEMENT EXECUTE FUNCTION scim_named_rows_notify()"
        )


def drop(apps, schema_editor):
    for name, table in TABLES.items():
        schema_editor.execute(f"DROP TRIGGER IF EXISTS scim_{name}_notify_rows ON {table}")
        schema_editor.execute(f"DROP TRIGGER IF EXISTS scim_{name}_notify_truncate ON {table}")
    schema_editor.execute("DROP FUNCTION IF EXISTS scim_named_rows_notify()")


class Migration(migrations.Migration):
    dependencies = [
        ("provisioning", "0004_integration_change_notifications"),
        ("workspaces", "0005_user_count_blocks"),
    ]

    operations = [migrations.RunPython(create, drop)]
