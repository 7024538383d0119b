"""API token keys: generation and hashing (the key is never stored)."""

from __future__ import annotations

import hashlib
import secrets

KEY_PREFIX = "ssk_"
PREFIX_LENGTH = 12  # "ssk_" and 8 random characters: enough to tell tokens apart in a list


def generate_key() -> str:
    return f"{KEY_PREFIX}{secrets.token_urlsafe(32)}"


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def display_prefix(key: str) -> str:
    return key[:PREFIX_LENGTH]
