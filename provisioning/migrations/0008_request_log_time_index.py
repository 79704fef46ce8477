"""The request log newest first across companies (the admin) and oldest first (retention).
Built without blocking the log's writes: a log of ten million rows takes a while to index."""

from django.contrib.postgres.operations import AddIndexConcurrently
from django.db import migrations, models


class Migration(migrations.Migration):
    atomic = False  # CREATE INDEX CONCURRENTLY can't run in a transaction

    dependencies = [
        ('provisioning', '0007_drop_name_notifications'),
    ]

    operations = [
        AddIndexConcurrently(
            model_name='requestlogentry',
            index=models.Index(fields=['-created_at', '-id'], name='request_time_idx'),
        ),
    ]
