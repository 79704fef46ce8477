"""Per-block user counts, kept by PostgreSQL triggers (see `UserCountBlock`).

Statement-level triggers with transition tables for inserts and deletes, so a bulk insert of
25,000 users costs one upsert per block, not one per user; a row-level trigger for the rare
change of a user's company (or id), which PostgreSQL only calls when one of them changed. The
triggers are created, then the counts filled in, in the migration's transaction: creating a
trigger locks the table against writes until the commit, so no user is missed or counted twice.
"""

from django.db import migrations, models

FUNCTIONS = """
CREATE OR REPLACE FUNCTION workspaces_user_count_blocks() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'TRUNCATE' THEN
        DELETE FROM workspaces_usercountblock;
    ELSIF TG_OP = 'INSERT' THEN
        INSERT INTO workspaces_usercountblock AS counted (company_id, block, slot, users)
        SELECT company_id, (id >> 10)::int, mod(pg_backend_pid(), 16), count(*)
          FROM new_rows WHERE company_id IS NOT NULL
         GROUP BY 1, 2 ORDER BY 1, 2
            ON CONFLICT (company_id, block, slot)
            DO UPDATE SET users = counted.users + EXCLUDED.users;
    ELSE
        INSERT INTO workspaces_usercountblock AS counted (company_id, block, slot, users)
        SELECT company_id, (id >> 10)::int, mod(pg_backend_pid(), 16), -count(*)
          FROM old_rows WHERE company_id IS NOT NULL
         GROUP BY 1, 2 ORDER BY 1, 2
            ON CONFLICT (company_id, block, slot)
            DO UPDATE SET users = counted.users + EXCLUDED.users;
    END IF;
    RETURN NULL;
END
$$ LANGUAGE plpgsql;

CREATE OR REPLACE FUNCTION workspaces_user_count_blocks_move() RETURNS trigger AS $$
BEGIN
    INSERT INTO workspaces_usercountblock AS counted (company_id, block, slot, users)
    SELECT company_id, (id >> 10)::int, mod(pg_backend_pid(), 16), sum(change)
      FROM (VALUES (OLD.company_id, OLD.id, -1), (NEW.company_id, NEW.id, 1))
           AS moved (company_id, id, change)
     WHERE company_id IS NOT NULL
     GROUP BY 1, 2 HAVING sum(change) <> 0  -- a new id in the same block changes nothing
     ORDER BY 1, 2
        ON CONFLICT (company_id, block, slot)
        DO UPDATE SET users = counted.users + EXCLUDED.users;
    RETURN NULL;
END
$$ LANGUAGE plpgsql;
"""
USERS = "workspaces_dashboarduser"
TRIGGERS = {
    "user_count_blocks_insert": (
        f"AFTER INSERT ON {USERS} REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT",
        "workspaces_user_count_blocks",
    ),
    "user_count_blocks_delete": (
        f"AFTER DELETE ON {USERS} REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT",
        "workspaces_user_count_blocks",
    ),
    "user_count_blocks_truncate": (
        f"AFTER TRUNCATE ON {USERS} FOR EACH STATEMENT",
        "workspaces_user_count_blocks",
    ),
    "user_count_blocks_move": (
        f"AFTER UPDATE OF company_id, id ON {USERS} FOR EACH ROW "
        "WHEN ((OLD.company_id, OLD.id) IS DISTINCT FROM (NEW.company_id, NEW.id))",
        "workspaces_user_count_blocks_move",
    ),
}
FILL = f"""
INSERT INTO workspaces_usercountblock (company_id, block, slot, users)
SELECT company_id, (id >> 10)::int, 0, count(*) FROM {USERS}
 WHERE company_id IS NOT NULL GROUP BY 1, 2
"""  # noqa: S608 - constant table names


def create(apps, schema_editor):
    schema_editor.execute(FUNCTIONS)
    for name, (when, function) in TRIGGERS.items():
        schema_editor.execute(f"CREATE TRIGGER {name} {when} EXECUTE FUNCTION {function}()")
    schema_editor.execute(FILL)


def drop(apps, schema_editor):
    for name in TRIGGERS:
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {name} ON {USERS}")
    schema_editor.execute("DROP FUNCTION IF EXISTS workspaces_user_count_blocks()")
    schema_editor.execute("DROP FUNCTION IF EXISTS workspaces_user_count_blocks_move()")


class Migration(migrations.Migration):
    dependencies = [
        ("workspaces", "0004_role_name_case_insensitive"),
    ]

    operations = [
        migrations.CreateModel(
            name="UserCountBlock",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("company_id", models.IntegerField()),
                ("block", models.IntegerField()),
                ("slot", models.SmallIntegerField()),
                ("users", models.IntegerField()),
            ],
            options={
                "constraints": [
                    models.UniqueConstraint(
                        fields=("company_id", "block", "slot"),
                        name="user_count_block_slot_unique",
                    )
                ],
            },
        ),
        migrations.RunPython(create, drop),
    ]
