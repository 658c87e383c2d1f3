import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "faxportal.settings")
application = get_wsgi_application()

from faxportal.chunked import ChunkedBodies  # noqa: E402 - needs the settings above

application = ChunkedBodies(application)
