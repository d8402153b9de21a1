"""The `MetaData` of every package, for Alembic: importing the model modules registers them."""

from __future__ import annotations

import idp.accounts.models
import idp.oauth.models  # imported for its tables
from idp.schema import metadata as idp_metadata
from keys import metadata as keys_metadata

MODEL_MODULES = (idp.accounts.models,)
ALL_METADATA = [keys_metadata, idp_metadata]
