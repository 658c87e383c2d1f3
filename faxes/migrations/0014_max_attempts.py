from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("faxes", "0013_fax_failure_code"),
    ]

    operations = [
        migrations.RenameField(model_name="fax", old_name="retries", new_name="max_attempts"),
        migrations.RenameField(model_name="faxbox", old_name="retries", new_name="max_attempts"),
    ]
