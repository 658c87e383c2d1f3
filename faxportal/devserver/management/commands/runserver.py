"""``runserver`` (WhiteNoise's, which wraps Django's) on a server that reads chunked bodies."""

from whitenoise.runserver_nostatic.management.commands.runserver import Command as Base

from faxportal.devserver import ChunkedWSGIServer


class Command(Base):
    server_cls = ChunkedWSGIServer
