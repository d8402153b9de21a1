"""Approved representatives: who holds a representative ID, with which membership, and the
contact details and verification evidence portals may receive.

- `models.py`: `idp_representatives`, one row per account whose enrolment was approved.
- `service.py`: look-ups (`find_representative`, `is_approved_representative`), the
  representative ID, the record an approval writes, suspension and reinstatement of the
  record, and the `act` and contact claims tokens carry.

Written by `idp.enrolment` (approval) and the officer console (suspension); read by
`idp.delegation` (paid delegation), `idp.oauth` (delegated tokens) and `idp.oidc`
(claims, verified claims). It sits low in the layers so all of them may read it.
"""
