"""deploy/litestream.yml, the optional continuous off-site copy: a valid Litestream config for the database the
systemd unit keeps, its secrets only from the environment (each variable documented), and a database in the WAL
mode Litestream needs."""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path

import yaml

from bot.store import open_store
from tests.conftest import make_settings

ROOT = Path(__file__).resolve().parents[1]
# The settings Litestream 0.3 reads (litestream.io/reference/config): anything else is a typo it would ignore.
TOP_KEYS = {"dbs", "access-key-id", "secret-access-key", "addr", "logging", "exec"}
DB_KEYS = {"path", "replicas", "monitor-interval", "checkpoint-interval", "min-checkpoint-page-count",
           "max-checkpoint-page-count"}
REPLICA_KEYS = {"type", "name", "url", "bucket", "path", "endpoint", "region", "access-key-id", "secret-access-key",
                "retention", "retention-check-interval", "snapshot-interval", "sync-interval", "validation-interval",
                "force-path-style", "skip-verify"}
REPLICA_TYPES = {"s3", "file", "abs", "gcs", "sftp"}
DURATIONS = {"retention", "retention-check-interval", "snapshot-interval", "sync-interval", "validation-interval"}
GO_DURATION = re.compile(r"(\d+(\.\d+)?(ns|us|ms|s|m|h))+")


def test_the_litestream_config_is_valid_for_the_units_database_with_secrets_from_the_environment(tmp_path):
    """The config parses as YAML with only Litestream's keys, Go durations and a known replica type; its
    database is the unit's data folder's aftercare.db; keys and bucket are ${VARIABLES} named in
    docs/deploying.md; and the bot's database is in WAL mode."""
    text = (ROOT / "deploy/litestream.yml").read_text()
    config = yaml.safe_load(text)
    assert set(config) <= TOP_KEYS and config["dbs"]
    unit = (ROOT / "deploy/aftercare.service").read_text()
    data_dir = re.search(r"AFTERCARE_DATA_DIR=(\S+)", unit).group(1)
    for db in config["dbs"]:
        assert set(db) <= DB_KEYS
        assert db["path"] == f"{data_dir}/aftercare.db"
        assert db["replicas"]
        for replica in db["replicas"]:
            assert set(replica) <= REPLICA_KEYS, set(replica) - REPLICA_KEYS
            assert replica["type"] in REPLICA_TYPES
            for key in DURATIONS & set(replica):
                assert GO_DURATION.fullmatch(replica[key]), (key, replica[key])
            for secret in ("access-key-id", "secret-access-key", "bucket"):
                assert re.fullmatch(r"\$\{[A-Z_]+\}", replica.get(secret, "${UNSET}")), secret
    variables = set(re.findall(r"\$\{([A-Z_]+)\}", text))
    guide = (ROOT / "docs/deploying.md").read_text()
    assert variables and all(f"`{name}`" in guide for name in variables), variables
    assert "deploy/litestream.yml" in guide
    settings = make_settings(tmp_path)
    open_store(settings.database_path, settings.sealer()).close()
    conn = sqlite3.connect(settings.database_path)
    try:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    finally:
        conn.close()
