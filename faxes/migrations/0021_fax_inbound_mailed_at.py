from django.db import migrations, models
from django.db.models import F


def mark_existing(apps, schema_editor):
    # Faxes received before the marker had their mail at filing: the sweeper must not
    # mail them again.
    Fax = apps.get_model("faxes", "Fax")
    Fax.objects.filter(direction="inbound").update(inbound_mailed_at=F("created_at"))


class Migration(migrations.Migration):
    dependencies = [
        ("faxes", "0020_faxbox_mail_body"),
    ]

    operations = [
        migrations.AddField(
            model_name="fax",
            name="inbound_mailed_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.RunPython(mark_existing, migrations.RunPython.noop),
    ]
