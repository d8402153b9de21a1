"""Family: each member their own identity, and the information they share with each other.

- `models.py`: `FamilyInvitation`, an appointment as designated individual waiting for
  the invitee's account (the link between an account invitation and a delegation).
- `invitations.py`: invite a family member and appoint them in one step; on acceptance of
  the account invitation, the delegation is granted and waits for them to accept it.
- `household.py`: the applications of the people who delegated to you, with their status.
- `mails.py`: the invitation mail, in the invitee's language.
- `routes.py`: `/account/household` and `/account/household/invite`.
"""
