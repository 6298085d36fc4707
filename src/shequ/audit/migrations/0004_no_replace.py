from django.db import migrations


def install(apps, schema_editor):
    from shequ.audit import triggers

    triggers.install(schema_editor.connection)


class Migration(migrations.Migration):
    """SQLite: refuse REPLACE INTO and INSERT OR REPLACE of an existing row, which delete it without
    firing the DELETE trigger."""

    dependencies = [("audit", "0003_no_truncate")]
    operations = [migrations.RunPython(install, migrations.RunPython.noop)]
