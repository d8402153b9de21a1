"""Development-only pages (embedded mode): the mailbox."""
