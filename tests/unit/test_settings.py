"""Settings from the environment: what production must set, what the demo may leave out."""

from __future__ import annotations

import pytest

from expo.settings import Settings, SettingsError

POSTGRES = "postgresql+asyncpg://expo@db/expo"


def test_the_embedded_defaults_need_no_settings():
    settings = Settings.from_env({})
    assert settings.database_url.startswith("sqlite") and len(settings.secret_key) >= 32


@pytest.mark.parametrize(
    "environ",
    [
        {"EXPO_DATABASE_URL": POSTGRES},
        {"EXPO_REDIS_URL": "redis://redis:6379/0"},
        {"EXPO_DATABASE_URL": POSTGRES, "EXPO_REDIS_URL": "redis://redis:6379/0"},
    ],
)
def test_shared_services_refuse_to_start_without_a_secret_key(environ):
    """Every process would invent its own key: cookies signed by one fail on the others."""
    with pytest.raises(SettingsError, match="EXPO_SECRET_KEY"):
        Settings.from_env(environ)


def test_shared_services_start_with_a_secret_key():
    settings = Settings.from_env({"EXPO_DATABASE_URL": POSTGRES, "EXPO_SECRET_KEY": "k" * 32})
    assert settings.secret_key == "k" * 32


def test_hsts_and_the_metrics_token_are_read():
    settings = Settings.from_env({"EXPO_HSTS": "63072000", "EXPO_METRICS_TOKEN": "t0ken"})
    assert (settings.hsts_max_age, settings.metrics_token) == (63072000, "t0ken")
    assert "t0ken" not in repr(settings)
    assert (Settings.from_env({}).hsts_max_age, Settings.from_env({}).metrics_token) == (0, None)


# --- edit: hall uploads ---
def test_the_uploads_folder_and_limit_are_read():
    defaults = Settings.from_env({})
    assert (defaults.uploads_dir, defaults.max_upload_bytes) == (None, 10 * 1024 * 1024)
    settings = Settings.from_env(
        {"EXPO_UPLOADS_DIR": "/srv/expo/uploads", "EXPO_MAX_UPLOAD_BYTES": "2097152"}
    )
    assert (settings.uploads_dir, settings.max_upload_bytes) == ("/srv/expo/uploads", 2097152)
