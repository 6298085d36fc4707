from django.db import migrations


def install(apps, schema_editor):
    from shequ.audit import triggers

    triggers.install(schema_editor.connection)


class Migration(migrations.Migration):
    """PostgreSQL: refuse TRUNCATE too (row triggers do not see it)."""

    dependencies = [("audit", "0002_append_only_triggers")]
    operations = [migrations.RunPython(install, migrations.RunPython.noop)]
