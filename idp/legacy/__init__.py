"""Legacy accounts: what older portals exported, waiting to be proven and linked.

- `models.py`: `LegacyAccount`, the staging table (never an account by itself).
- `hashes.py`: the legacy password hash formats (PBKDF2-SHA256) and their verification.
- `rows.py`: reading an export (CSV, JSON, JSON Lines) into rows or line-numbered problems.
- `importer.py`: staging rows in batches, upserted by legacy portal and username (COPY on
  PostgreSQL).
- `linking.py`: a person proves a legacy account (its password or an emailed code) and
  links it, with its applications, to their identity.
- `mails.py`, `routes.py`: the code mail and the linking pages (`/account/legacy`).
"""
