"""Indexes for case-insensitive prefix filters (`userName sw "..."`, `name.familyName sw "..."`).

PostgreSQL only: `text_pattern_ops` lets `lower(col) LIKE 'abc%'` use a b-tree whatever the
database collation. SQLite has no operator classes and scans a company's rows, which is fine at
the sizes it is used for.
"""

from django.db import migrations

FIELDS = ("email", "family_name", "given_name")


def create(apps, schema_editor):
    for field in FIELDS:
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS user_company_lower_{field}_prefix "
            f"ON workspaces_dashboarduser (company_id, lower({field}) text_pattern_ops)"
        )


def drop(apps, schema_editor):
    for field in FIELDS:
        schema_editor.execute(f"DROP INDEX IF EXISTS user_company_lower_{field}_prefix")


class Migration(migrations.Migration):
    dependencies = [("workspaces", "0002_directory_attributes")]

    operations = [migrations.RunPython(create, drop)]
