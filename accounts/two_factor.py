"""Two-factor login: TOTP devices (authenticator apps) and single-use recovery codes,
through django-otp.

A user has at most one TOTP device. Enrolment creates it unconfirmed, shows its secret
(and QR code), and confirms it when the user types a code it produced; then ten recovery
codes are made and shown once. ``User.two_factor_enabled`` mirrors "has a confirmed
device" so requests need no device query (and it is part of the session hash, so turning
it on or off ends the user's other sessions).
"""

from __future__ import annotations

import base64
import re

import qrcode
import qrcode.image.svg
from django.db import transaction
from django.db.models.signals import post_delete
from django.dispatch import receiver
from django.utils import timezone
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import User

RECOVERY_CODES = 10
_TOTP_CODE = re.compile(r"^\d{6}$")


def pending_device(user: User) -> TOTPDevice:
    """The unconfirmed TOTP device being set up (made on first use, kept until confirmed,
    so reloading the page shows the same secret)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("-id").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=False)
    return device


def secret_of(device: TOTPDevice) -> str:
    """The secret as authenticator apps take it typed in (base32, no padding)."""
    return base64.b32encode(device.bin_key).decode().rstrip("=")


def qr_svg(device: TOTPDevice) -> str:
    """The otpauth:// URI as an inline SVG QR code (rendered here, no JavaScript)."""
    image = qrcode.make(
        device.config_url, image_factory=qrcode.image.svg.SvgPathImage, box_size=8, border=2
    )
    return image.to_string(encoding="unicode")


def _new_recovery_codes(user: User) -> list[str]:
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name="Recovery codes", confirmed=True)
    codes = [StaticToken.random_token() for _ in range(RECOVERY_CODES)]
    StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
    return codes


def _set_enabled(user: User, enabled: bool) -> None:
    User.objects.filter(pk=user.pk).update(two_factor_enabled=enabled)
    user.two_factor_enabled = enabled


@transaction.atomic
def confirm(user: User, code: str) -> tuple[TOTPDevice, list[str]] | None:
    """Confirm the pending device with a code it produced: the device and the new recovery
    codes (show them once), or None when the code is wrong."""
    device = (
        TOTPDevice.objects.select_for_update()
        .filter(user=user, confirmed=False)
        .order_by("-id")
        .first()
    )
    code = (code or "").strip().replace(" ", "")
    if device is None or not _TOTP_CODE.match(code) or not device.verify_token(code):
        return None
    TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    codes = _new_recovery_codes(user)
    _set_enabled(user, True)
    return device, codes


@transaction.atomic
def verify(user: User, code: str) -> TOTPDevice | StaticDevice | None:
    """The device that accepts ``code`` (six digits: the app; else a recovery code, used up
    by this), or None. django-otp throttles each device after failures."""
    code = (code or "").strip().replace(" ", "").lower()
    if not code:
        return None
    if _TOTP_CODE.match(code):
        devices = TOTPDevice.objects.select_for_update().filter(user=user, confirmed=True)
    else:
        devices = StaticDevice.objects.select_for_update().filter(user=user, confirmed=True)
    for device in devices:
        if device.verify_token(code):
            return device
    return None


def seconds_locked(user: User, *, confirmed: bool = True) -> int:
    """How long django-otp's throttling (after wrong codes) refuses every code, 0 if not;
    ``confirmed=False``: of the device being set up."""
    waits = [0]
    for model in (TOTPDevice, StaticDevice):
        for device in model.objects.filter(user=user, confirmed=confirmed):
            allowed, data = device.verify_is_allowed()
            if not allowed and data and data.get("locked_until"):
                waits.append(int((data["locked_until"] - timezone.now()).total_seconds()) + 1)
    return max(waits)


def recovery_codes_left(user: User) -> int:
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


@transaction.atomic
def new_recovery_codes(user: User) -> list[str]:
    """Replace the recovery codes (the old ones stop working)."""
    return _new_recovery_codes(user)


@transaction.atomic
def remove(user: User) -> bool:
    """Turn two-factor login off: every device and recovery code goes. False if it was off."""
    had = TOTPDevice.objects.filter(user=user).exists() or user.two_factor_enabled
    TOTPDevice.objects.filter(user=user).delete()
    StaticDevice.objects.filter(user=user).delete()
    _set_enabled(user, False)
    return had


@receiver(post_delete, sender=TOTPDevice, dispatch_uid="accounts.two_factor.device_deleted")
def _device_deleted(sender, instance: TOTPDevice, **kwargs) -> None:
    """A confirmed device deleted elsewhere (Django admin) turns the flag off with it."""
    if (
        instance.confirmed
        and not TOTPDevice.objects.filter(user_id=instance.user_id, confirmed=True).exists()
    ):
        User.objects.filter(pk=instance.user_id).update(two_factor_enabled=False)
