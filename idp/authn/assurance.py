"""Authentication context classes (`acr`) and methods references (`amr`, RFC 8176).

`acr` says how strongly the person proved who they are; portals ask for a level with
`acr_values`. One factor is level 1; a second factor or a passkey (issue 3) is level 2.
"""

from __future__ import annotations

ACR_SINGLE_FACTOR = "urn:passerelle:loa:1"
ACR_MULTI_FACTOR = "urn:passerelle:loa:2"
# Weakest first: a session at one level meets every level before it.
ACR_VALUES_SUPPORTED = (ACR_SINGLE_FACTOR, ACR_MULTI_FACTOR)
AMR_PASSWORD = "pwd"  # noqa: S105  # RFC 8176 method name, not a secret
