"""Copy supplies' help requests into resident services (issue 14) and link each message to its copy.

An old request becomes a services request: distress -> category psychological support, urgent, with
the distress mark; help -> category other; from a message -> source WeChat (the sender as contact),
else a phone call; closed stays closed (with its outcome, resolved when it was closed), open stays
open. Backwards, every services request goes back to a supplies one (kind distress or help, open or
closed), so the move can be undone without losing a row. Its own migration, between the one that
adds the link and the one that drops the old table: on PostgreSQL a table with pending deferred
constraint checks cannot be altered in the same transaction."""

from django.db import migrations


def forward(apps, schema_editor):
    Old = apps.get_model("supplies", "HelpRequest")
    New = apps.get_model("services", "HelpRequest")
    InboxMessage = apps.get_model("supplies", "InboxMessage")
    for old in Old.objects.select_related("household__room__unit__building", "message").order_by("id").iterator():
        distress = old.kind == "distress"
        sender = old.message.sender if old.message_id else ""
        closed = old.status == "closed"
        new = New.objects.create(
            community_id=old.community_id, household_id=old.household_id,
            grid_id=old.household.room.unit.building.grid_id if old.household_id else None,
            location="" if old.household_id else (sender or "?"), contact=sender[:100],
            category="psychological" if distress else "other", urgency="urgent" if distress else "normal",
            distress=distress, source="wechat" if old.message_id else "phone", text=old.text,
            status="closed" if closed else "open", opened_at=old.opened_at,
            resolved_at=old.closed_at if closed else None, closed_at=old.closed_at if closed else None,
            outcome=old.outcome)
        if old.message_id:
            InboxMessage.objects.filter(pk=old.message_id).update(help_request_id=new.pk)


def backward(apps, schema_editor):
    Old = apps.get_model("supplies", "HelpRequest")
    New = apps.get_model("services", "HelpRequest")
    InboxMessage = apps.get_model("supplies", "InboxMessage")
    messages = dict(InboxMessage.objects.filter(help_request__isnull=False).values_list("help_request_id", "id"))
    for new in New.objects.order_by("id").iterator():
        Old.objects.create(
            community_id=new.community_id, household_id=new.household_id, message_id=messages.get(new.pk),
            kind="distress" if new.distress else "help", text=new.text,
            status="closed" if new.status == "closed" else "open", opened_at=new.opened_at,
            closed_at=new.closed_at, outcome=new.outcome)


class Migration(migrations.Migration):

    dependencies = [
        ('services', '0001_initial'),
        ('supplies', '0003_inboxmessage_help_request'),
    ]

    operations = [migrations.RunPython(forward, backward)]
