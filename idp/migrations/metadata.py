"""The `MetaData` of every package, for Alembic: importing the model modules registers them."""

from __future__ import annotations

import idp.accounts.models
import idp.applications.models
import idp.authn.models
import idp.clients.models
import idp.enrolment.models
import idp.oauth.models
import idp.outbox.models
import idp.portal_api.models
import idp.representatives.models
import idp.subjects.models
from consent import metadata as consent_metadata
from idp.schema import metadata as idp_metadata
from keys import metadata as keys_metadata

MODEL_MODULES = (
    idp.accounts.models,
    idp.applications.models,
    idp.authn.models,
    idp.clients.models,
    idp.enrolment.models,
    idp.oauth.models,
    idp.outbox.models,
    idp.portal_api.models,
    idp.representatives.models,
    idp.subjects.models,
)
ALL_METADATA = [keys_metadata, consent_metadata, idp_metadata]
