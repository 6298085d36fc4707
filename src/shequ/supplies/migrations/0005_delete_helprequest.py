from django.db import migrations


class Migration(migrations.Migration):
    """Supplies' help requests now live in resident services (copied by 0004)."""

    dependencies = [
        ('supplies', '0004_help_requests_to_services'),
    ]

    operations = [
        migrations.DeleteModel(
            name='HelpRequest',
        ),
    ]
