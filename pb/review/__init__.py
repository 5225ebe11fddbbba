"""The technical review: assignments to reviewers and city services, the edition's eligibility
checklist, decisions (not admissible, infeasible, feasible), merges into projects, and the
building and freezing of the ballot."""
