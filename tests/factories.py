from __future__ import annotations

import functools
import io

import factory
from PIL import Image, ImageDraw, ImageFont

from accounts.models import Account, Role, User
from faxes.models import Direction, Fax, Faxbox, FaxNumber, FaxStatus


class AccountFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Account

    name = factory.Sequence(lambda n: f"Account {n}")
    realm = factory.Sequence(lambda n: f"account-{n}.fax.test")
    timezone = "UTC"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}@example.com")
    email = factory.LazyAttribute(lambda u: u.username)
    account = factory.SubFactory(AccountFactory)
    role = Role.STAFF
    password = factory.PostGenerationMethodCall("set_password", "correct horse battery")

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class FaxboxFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Faxbox

    account = factory.SubFactory(AccountFactory)
    name = factory.Sequence(lambda n: f"Faxbox {n}")
    fax_timezone = "UTC"


class FaxNumberFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = FaxNumber

    faxbox = factory.SubFactory(FaxboxFactory)
    account = factory.SelfAttribute("faxbox.account")
    number = factory.Sequence(lambda n: f"+1202555{n % 10000:04d}")


class FaxFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Fax

    faxbox = factory.SubFactory(FaxboxFactory)
    account = factory.SelfAttribute("faxbox.account")
    direction = Direction.INBOUND
    status = FaxStatus.RECEIVED
    from_number = "+12025550199"
    to_number = "+12025550100"
    pages = 1


@functools.cache  # the same bytes every time (bytes are immutable): made once per run
def text_pdf(pages: int = 1, text: str = "Lab results") -> bytes:
    images = []
    font = ImageFont.load_default(size=40)
    for n in range(pages):
        image = Image.new("L", (1275, 1650), 255)  # Letter at 150 dpi
        draw = ImageDraw.Draw(image)
        draw.text((100, 200), f"{text} - page {n + 1}", fill=0, font=font)
        draw.rectangle((100, 400, 1100, 1400), outline=0, width=6)
        images.append(image)
    out = io.BytesIO()
    images[0].save(out, "PDF", resolution=150, save_all=True, append_images=images[1:])
    return out.getvalue()


def noise_fax_tiff(seed: int = 0) -> bytes:
    """A fine fax page of random black and white dots: no coding compresses it, so it would
    hold a line for about nine minutes even at 14,400 bit/s (its dots are thresholded as
    they are: a 1-bit image is never screened as a photo)."""
    import numpy as np

    dots = np.random.default_rng(seed).random((2200, 1728)) < 0.5
    out = io.BytesIO()
    Image.fromarray(dots).convert("1").save(out, "TIFF", compression="group4", dpi=(204, 196))
    return out.getvalue()
