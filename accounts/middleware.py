from django.contrib.auth import SESSION_KEY


class DisabledAccountLogoutMiddleware:
    """Ends sessions whose user may no longer log in (account or user disabled).

    The auth backend already treats such a user as anonymous; flushing the
    session makes that final, so re-enabling the account does not revive it.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if SESSION_KEY in request.session and not request.user.is_authenticated:
            request.session.flush()
        return self.get_response(request)
