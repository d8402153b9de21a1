"""The delegation and consent domain (DESIGN.md section 5): applications registry,
delegations, the action catalogue, decisions, delegation events. Built in issue 4; the
package exists now so the import contracts hold from the first commit."""

__all__: list[str] = []
