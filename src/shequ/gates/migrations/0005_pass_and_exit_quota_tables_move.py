"""Issue 11: Pass moves to the passes app and ExitQuota to containment, with every row.

The tables are renamed here (database only: the models' state leaves gates in 0006, after passes
0001 and containment 0003 have taken it over without touching the database). Nothing references
either table by a foreign key, and the unique and check constraints keep their names. Reversible:
going back renames the tables again. tests/test_migrations.py migrates a database with rows in both.
"""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('gates', '0004_passage_permit'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[
                migrations.AlterModelTable(name='pass', table='passes_pass'),
                migrations.AlterModelTable(name='exitquota', table='containment_exitquota'),
            ],
        ),
    ]
