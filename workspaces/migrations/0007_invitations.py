"""Invitations, and the trigger that makes each new row enqueue its delivery.

The row is the outbox (`Invitation`): the trigger defers the task through procrastinate's own
entry point for new jobs, `procrastinate_defer_jobs_v1` (what `Task.defer()` calls), in the
statement that inserts the row. A SCIM create writes the user, its memberships and its
invitation in one statement (`store.user_create_with_memberships`), so the job costs it no
round trip, and no writer (the admin, a script, SQL by hand) can add an invitation without its
job.
"""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('workspaces', '0006_workspace_company_id_key'),
        ('procrastinate', '0041_post_retry_failed_job'),
    ]

    operations = [
        migrations.CreateModel(
            name='Invitation',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('base_url', models.CharField(max_length=255, verbose_name='site address')),
                ('language', models.CharField(max_length=10, verbose_name='language')),
                ('status', models.CharField(choices=[('queued', 'Queued'), ('sent', 'Sent'), ('failed', 'Failed')], default='queued', max_length=10, verbose_name='status')),
                ('attempts', models.PositiveSmallIntegerField(default=0, verbose_name='attempts')),
                ('last_error', models.TextField(blank=True, verbose_name='last error')),
                ('created_at', models.DateTimeField(default=django.utils.timezone.now, verbose_name='created at')),
                ('sent_at', models.DateTimeField(blank=True, null=True, verbose_name='sent at')),
                ('user', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='invitations', to=settings.AUTH_USER_MODEL, verbose_name='user')),
            ],
            options={
                'verbose_name': 'invitation',
                'verbose_name_plural': 'invitations',
                'ordering': ['-id'],
            },
        ),
        migrations.RunSQL(
            """
            CREATE FUNCTION workspaces_invitation_enqueue() RETURNS trigger
            LANGUAGE plpgsql AS $$
            BEGIN
                PERFORM procrastinate_defer_jobs_v1(ARRAY[ROW(
                    'default',                              -- queue
                    'workspaces.tasks.invitation_send',     -- task (its name is pinned there)
                    0, NULL, NULL,                          -- priority, lock, queueing lock
                    jsonb_build_object('invitation_id', NEW.id),
                    NULL                                    -- as soon as a worker is free
                )::procrastinate_job_to_defer_v1]);
                RETURN NULL;
            END
            $$;
            CREATE TRIGGER workspaces_invitation_enqueue
                AFTER INSERT ON workspaces_invitation
                FOR EACH ROW EXECUTE FUNCTION workspaces_invitation_enqueue();
            """,
            """
            DROP TRIGGER workspaces_invitation_enqueue ON workspaces_invitation;
            DROP FUNCTION workspaces_invitation_enqueue();
            """,
        ),
    ]
