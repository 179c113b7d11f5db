"""The one error a consumer needs to catch for a message it cannot use."""


class InvalidEvent(ValueError):
    """Bytes or data that are not a valid Mediaops event.

    A consumer does not retry such a message: it sends it to the topic's dead-letter topic.
    """
