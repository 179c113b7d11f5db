"""`inbox.answer.requested`: send an operator's inbox answer to the platform, once."""

from __future__ import annotations

from collections.abc import Mapping
from functools import partial

from event_contracts import InboxAnswerRequestedV1
from servicekit.events import PayloadHandler, handles

from channel_svc.adapters.base import Adapter
from channel_svc.answers.service import send_answer
from channel_svc.crypto import CredentialCipher
from channel_svc.distributions.policies import RetryPolicy


def answer_requested(
    adapters: Mapping[str, Adapter], cipher: CredentialCipher, policy: RetryPolicy
) -> PayloadHandler[InboxAnswerRequestedV1]:
    # The answer goes out to the platform inside the transaction: never batched with others.
    return handles(InboxAnswerRequestedV1, alone=True)(
        partial(send_answer, adapters=adapters, cipher=cipher, policy=policy)
    )
