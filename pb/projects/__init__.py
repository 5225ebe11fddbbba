"""Projects: what goes on the ballot. A project is born from one feasible idea (or from several
merged ones) in the technical review, goes on its district's ballot, wins or not, and is then
tracked until delivered. Ideas, review, voting, tally and tracking all point here."""
