"""A pending authorization request comes back from the store exactly as it was saved."""

from __future__ import annotations

import dataclasses

from idp.authn.interactions import Interaction, Interactions


def test_every_field_of_an_interaction_survives_the_store(store):
    interactions = Interactions(store, ttl_seconds=600)
    started = interactions.start({"client_id": ["portal"], "scope": ["openid email"]})
    # Every field away from its default, so a field the record forgets shows here.
    changed = dataclasses.replace(
        started,
        params={**started.params, "prompt": ["consent"]},
        login_sid="a-session-id",
        consent_done=True,
    )
    assert all(
        getattr(changed, f.name) != f.default
        for f in dataclasses.fields(Interaction)
        if f.default is not dataclasses.MISSING
    )
    interactions.save(changed)
    assert interactions.find(changed.id) == changed
    interactions.finish(changed.id)
    assert interactions.find(changed.id) is None
