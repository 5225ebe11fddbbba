"""Neighbourhood councils (sessions, projects presented or discussed, opinions) and public
meetings (which project holders attended: the edition may require it before the ballot)."""
