"""The SMTP gateway (e-mail to fax): an inbound surface over ``faxes.services.mail_in``."""
