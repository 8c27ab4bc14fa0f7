"""Signing keys: made once on first start, rotated with the old key still published."""

import json

import pytest
from django.core.management import CommandError, call_command

from pracha.identity.keys import key_files, load_signing_keys


def test_first_start_makes_one_private_key_and_a_second_start_reuses_it(tmp_path):
    active, old = load_signing_keys(tmp_path / "oidc")
    assert active.startswith("-----BEGIN PRIVATE KEY-----") and old == []
    assert load_signing_keys(tmp_path / "oidc") == (active, [])
    (path,) = key_files(tmp_path / "oidc")
    assert path.stat().st_mode & 0o077 == 0


def test_rotation_keeps_the_old_key_in_the_jwks(tmp_path, settings, client, db):
    directory = tmp_path / "oidc"
    first, _ = load_signing_keys(directory)
    settings.PRACHA_OIDC_KEY_DIR = directory
    call_command("rotate_oidc_key")
    active, old = load_signing_keys(directory)
    assert old == [first] and active != first
    with pytest.raises(CommandError):
        call_command("rotate_oidc_key", "--keep", "1")

    from oauth2_provider.settings import oauth2_settings

    settings.OAUTH2_PROVIDER = {
        **settings.OAUTH2_PROVIDER,
        "OIDC_RSA_PRIVATE_KEY": active,
        "OIDC_RSA_PRIVATE_KEYS_INACTIVE": old,
    }
    oauth2_settings.reload()
    try:
        keys = json.loads(client.get("/o/.well-known/jwks.json").content)["keys"]
    finally:
        oauth2_settings.reload()
    assert len(keys) == 2 and {k["alg"] for k in keys} == {"RS256"}
    call_command("rotate_oidc_key", "--keep", "2")
    assert len(key_files(directory)) == 2
