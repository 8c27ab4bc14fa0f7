"""The OpenID Connect signing keys: RSA PEM files in one directory, never in the repository.

Settings import this module (so it must not import Django models). The newest file signs; the
others are published in the JWKS until removed, so tokens signed before a rotation still verify.
"""

from __future__ import annotations

import contextlib
import os
from datetime import UTC, datetime
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

KEY_SIZE = 3072


def _new_pem() -> bytes:
    key = rsa.generate_private_key(public_exponent=65537, key_size=KEY_SIZE)
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


def key_files(directory: Path) -> list[Path]:
    """Key files, newest first (names start with a UTC timestamp)."""
    return sorted(directory.glob("oidc-*.pem"), reverse=True)


def add_key(directory: Path, *, first: bool = False) -> Path:
    """Write a new signing key (readable by its owner only); it becomes the active one."""
    directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    # The first key has a fixed name, so processes starting together on an empty directory agree on it.
    stamp = "0-first" if first else datetime.now(UTC).strftime("%Y%m%dT%H%M%S%f")
    final = directory / f"oidc-{stamp}.pem"
    temporary = directory / f".{final.name}.{os.getpid()}.tmp"
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(_new_pem())
    # link() fails if the name exists, so two processes starting at once never overwrite a key.
    try:
        os.link(temporary, final)
    finally:
        temporary.unlink()
    return final


def load_signing_keys(directory: Path) -> tuple[str, list[str]]:
    """(active PEM, older PEMs); the first process to start on an empty directory makes a key."""
    files = key_files(directory)
    if not files:
        with contextlib.suppress(FileExistsError):
            add_key(directory, first=True)
        files = key_files(directory)
    pems = [path.read_text() for path in files]
    return pems[0], pems[1:]
