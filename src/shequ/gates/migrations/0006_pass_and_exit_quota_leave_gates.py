"""Issue 11: the gates app's state forgets Pass and ExitQuota (their tables, renamed in 0005, now
belong to passes 0001 and containment 0003); the database is not touched."""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('gates', '0005_pass_and_exit_quota_tables_move'),
        ('passes', '0001_initial'),
        ('containment', '0003_exitquota'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.DeleteModel(name='ExitQuota'),
                migrations.DeleteModel(name='Pass'),
            ],
        ),
    ]
