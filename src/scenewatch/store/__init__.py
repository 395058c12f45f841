"""The store: the only place that speaks to a database."""

from scenewatch.store.database import (
    Database,
    Progress,
    StoreError,
    WriteResult,
    default_db_path,
    release_key,
)
from scenewatch.store.schema import SCHEMA_VERSION

__all__ = [
    "SCHEMA_VERSION",
    "Database",
    "Progress",
    "StoreError",
    "WriteResult",
    "default_db_path",
    "release_key",
]
