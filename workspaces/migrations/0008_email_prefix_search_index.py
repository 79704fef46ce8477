"""An index for the admin's email search across companies: an address or its beginning,
ignoring case (`lower(email) LIKE 'ab%'`, which `text_pattern_ops` serves in any collation;
migration 0003's indexes start with the company). Built without blocking the users' writes: a
table of a million users takes seconds to index."""

from django.db import migrations


class Migration(migrations.Migration):
    atomic = False  # CREATE INDEX CONCURRENTLY can't run in a transaction

    dependencies = [("workspaces", "0007_invitations")]

    operations = [
        migrations.RunSQL(
            "CREATE INDEX CONCURRENTLY IF NOT EXISTS user_lower_email_prefix "
            "ON workspaces_dashboarduser (lower(email) text_pattern_ops)",
            "DROP INDEX CONCURRENTLY IF EXISTS user_lower_email_prefix",
        )
    ]
