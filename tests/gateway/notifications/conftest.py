"""The gateway these tests share: robots may be on this machine."""

from tests.gateway.notifications.helpers import gw  # noqa: F401
