"""Drop the per-block user counts of migration 0005 and their triggers: a page of users counts
them with a plain COUNT(*) again (bench/README.md, "Fifth session"). Reversed, 0005's triggers are
created and the counts filled in anew."""

import importlib

from django.db import migrations

blocks = importlib.import_module("workspaces.migrations.0005_user_count_blocks")


class Migration(migrations.Migration):
    dependencies = [
        ("workspaces", "0006_workspace_company_id_key"),
    ]

    operations = [
        migrations.RunPython(blocks.drop, blocks.create),
        migrations.DeleteModel(name="UserCountBlock"),
    ]
