"""Email addresses: the one form they are stored and compared in, and the check that
sign-up's request body applies, for every other way in."""

from __future__ import annotations

from pydantic import EmailStr, TypeAdapter, ValidationError
from servicekit.problems import Invalid

# The very type sign-up's request body declares, so that every way in checks alike.
_email_address: TypeAdapter[str] = TypeAdapter(EmailStr)


def normalise_email(email: str) -> str:
    return email.strip().lower()


def check_email(email: str) -> str:
    """The address, normalised, when sign-up would take it; a 422 naming `email` if not."""
    try:
        valid = _email_address.validate_python(email)
    except ValidationError as exc:
        raise Invalid.field("email", exc.errors()[0]["msg"]) from None
    return normalise_email(valid)
