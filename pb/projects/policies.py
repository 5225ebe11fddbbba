from __future__ import annotations

from pb.authz import policy, staff_policy

# Projects are created by the review (a feasible idea, a merge) or an import, and change status
# with the review, the ballot, the count and the works: the city services (reviewers) and the
# administrators of the project's district or edition.
policy("project.create")(staff_policy("reviewer"))
policy("project.status")(staff_policy("reviewer"))
