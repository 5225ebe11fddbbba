"""Accounts: people, their roles (scoped to an edition or a district), login and passwords."""
