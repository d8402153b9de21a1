"""Subject identifiers (OpenID Connect Core §8): the `sub` each portal knows a person by.

- `service.py`: `SubjectIdentifiers` (`subject_for`, `account_for_subject`, and the
  forms taking a public subject), the one place a `sub` is chosen for a portal or read
  back from one.
- `models.py`: `idp_pairwise_subjects`, the reverse lookup of pairwise values.
- `deps.py`: `Subjects`, the request dependency.
"""
