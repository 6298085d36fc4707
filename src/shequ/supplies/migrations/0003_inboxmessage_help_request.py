import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    """A message's help request is resident services' (services.HelpRequest) from now on."""

    dependencies = [
        ('services', '0001_initial'),
        ('supplies', '0002_alter_order_source_distribution_order_distribution_and_more'),
    ]

    operations = [
        migrations.AddField(
            model_name='inboxmessage',
            name='help_request',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='services.helprequest'),
        ),
    ]
