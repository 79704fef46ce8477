"""PostgreSQL: no more NOTIFY on a change to a workspace, team, permission set or role. No
process keeps their names in memory any more: a `permissions` object is resolved by a query per
kind it names (`selectors.access_refs_resolve`). The integrations' triggers (0004) stay.

Reversing creates the triggers again, with 0005's own code.
"""

from importlib import import_module

from django.db import migrations

named_rows = import_module("provisioning.migrations.0005_named_rows_change_notifications")


class Migration(migrations.Migration):
    dependencies = [("provisioning", "0006_settings_rules")]

    operations = [migrations.RunPython(named_rows.drop, named_rows.create)]
