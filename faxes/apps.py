from django.apps import AppConfig


class FaxesConfig(AppConfig):
    name = "faxes"
    verbose_name = "Faxes"

    def ready(self) -> None:
        from accounts.signals import security_event
        from faxes.services.audit import record_security_event
        from faxes.signals import fax_status_changed
        from faxes.webhooks.receivers import on_fax_status_changed

        # Webhook deliveries for every fax status change (faxes/webhooks/).
        fax_status_changed.connect(on_fax_status_changed, dispatch_uid="faxes.webhooks")
        # The stored receipt of every outbound fax that finishes (faxes/services/receipts.py).
        from faxes.services.receipts import on_fax_status_changed as make_receipt_when_finished

        fax_status_changed.connect(make_receipt_when_finished, dispatch_uid="faxes.receipts")
        # Password and two-factor changes on the account's audit trail.
        security_event.connect(record_security_event, dispatch_uid="faxes.audit.security")
