"""The officer console: invitations (and, later, enrolment review)."""
