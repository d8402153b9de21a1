"""Representative enrolment, officer review and client-to-representative conversion
(DESIGN.md sections 6 and 7).

- `service.py`: an enrolment's life (start, profile, submit, answer an officer);
  `profile.py`: the profile and document details and their rules; `codes.py`: the
  emailed enrolment or conversion code.
- `documents.py`: identity documents, sealed per document (`keys.seal_document`), read by their
  owner and officers only, every read recorded; `uploads.py`: streaming, capped
  multipart uploads recognised by content.
- `checks.py`: the automatic checks shown to officers; `review.py`: the queue and the
  decisions (one at a time per enrolment).
- `conversion.py`: applications filed for others become client files on approval.
- `routes.py`, `profile_routes.py`, `document_routes.py`, `conversion_routes.py`: the
  pages; `web.py`: the order of the steps; `deps.py`: the register and second-factor
  dependencies; `models.py`: the tables.

Officers' pages are in `idp.officer`; the representative's dashboard in `idp.console`.
"""
