from django.contrib.auth.backends import ModelBackend


class AccountUserBackend(ModelBackend):
    """Password login; users of a disabled account cannot log in."""

    def user_can_authenticate(self, user) -> bool:
        if not super().user_can_authenticate(user):
            return False
        account = getattr(user, "account", None)
        return user.is_superuser if account is None else account.enabled
