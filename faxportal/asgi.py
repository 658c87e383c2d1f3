import os

from django.core.asgi import get_asgi_application

from faxportal import embedded

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "faxportal.settings")
embedded.prepare()
application = get_asgi_application()
