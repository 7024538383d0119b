"""Re-encrypt every stored Spotify token with the first of TOKEN_ENCRYPTION_KEYS.

Key rotation: put the new key first in TOKEN_ENCRYPTION_KEYS (keeping the old one after
it), deploy, run this command, then remove the old key. Tokens no configured key opens
are left as they are and counted: their users are asked to reconnect Spotify.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand
from django.db import transaction
from social_django.models import UserSocialAuth

from accounts.spotify.encryption import TokenDecryptionError, resealed_extra_data


class Command(BaseCommand):
    help = "Re-encrypt stored Spotify tokens with the first TOKEN_ENCRYPTION_KEYS key."

    def handle(self, *args: Any, **options: Any) -> None:
        outcomes = [_reseal(pk) for pk in UserSocialAuth.objects.values_list("pk", flat=True).iterator()]
        self.stdout.write(
            f"Re-sealed {outcomes.count('resealed')} connection(s); "
            f"{outcomes.count('unreadable')} could not be decrypted."
        )


def _reseal(pk: int) -> str:
    # The row lock that token refreshes take (accounts.spotify.tokens): a refresh running
    # meanwhile is never overwritten with the tokens it replaced.
    with transaction.atomic():
        social = UserSocialAuth.objects.select_for_update().filter(pk=pk).first()
        if social is None:
            return "gone"
        try:
            social.extra_data = resealed_extra_data(social.extra_data)
        except TokenDecryptionError:
            return "unreadable"
        social.save(update_fields=["extra_data"])
        return "resealed"
