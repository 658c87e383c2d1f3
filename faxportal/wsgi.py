import os

from django.core.wsgi import get_wsgi_application

from faxportal import embedded

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "faxportal.settings")
# Before the settings are read: they take the keys from the data folder.
embedded.prepare()
django_application = get_wsgi_application()

from faxportal.chunked import ChunkedBodies  # noqa: E402 - needs the settings above

application = ChunkedBodies(django_application)
