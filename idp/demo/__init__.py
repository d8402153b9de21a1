"""`idp demo`: three sample portals, seeded people and applications, and the guide.

- `portals.py`: the IRCC Portal, the Permanent Residence Portal and the representatives'
  portal, registered from their profiles at loopback addresses.
- `seed.py`: `seed_demo`: the portals, the applicant, the family member, the
  representative and the officer (with a published TOTP seed), their applications and
  delegations.
- `processes.py`: each portal as `python -m sample_portal` in its own process, stopped with
  the demo.
- `guide.py`: what the demo prints: the people, the URLs and a few minutes' walk-through.
"""
