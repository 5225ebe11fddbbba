"""Results: the count of an edition's ballots with the tally core (pb.tally), recorded runs,
publication (winners and not selected), the results pages with charts, and open data (Pabulib
files, projects CSV, JSON)."""
