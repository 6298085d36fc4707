from django.db import migrations


def mark_device_tokens(apps, schema_editor):
    """Tokens bound to a gate before tokens had a purpose are gate device tokens."""
    ApiToken = apps.get_model("accounts", "ApiToken")
    ApiToken.objects.filter(gate_device__isnull=False).update(purpose="gate_device")


def unmark_device_tokens(apps, schema_editor):
    ApiToken = apps.get_model("accounts", "ApiToken")
    ApiToken.objects.filter(purpose="gate_device").update(purpose="general")


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0002_apitoken_purpose"),
        ("gates", "0002_presence_trigger"),
    ]
    operations = [migrations.RunPython(mark_device_tokens, unmark_device_tokens)]
