"""Applications as portals report them: which account a portal may attach an application
to, links that must stay on the portal's own site, and applications a portal named by
email that wait for the applicant to confirm them."""
