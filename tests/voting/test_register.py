"""The register: normalisation, the import and its report, streaming in constant memory."""

from __future__ import annotations

import csv
import datetime as dt
import io
import tracemalloc

import pytest
import sqlalchemy as sa
from click.testing import CliRunner

from pb.authz import SYSTEM
from pb.voting.services.register import REASONS
from pb.web.csv import in_french
from pb.voting import identity
from pb.voting.models import Voter
from pb.voting.services import find_voter, import_register, import_text

PEPPER = "pepper-for-tests-" + "x" * 20


@pytest.mark.parametrize("a, b", [
    (("Lefèvre", "Jean-Pierre"), ("LEFEVRE", "jean pierre")),
    (("D'Aubigné", "Élise"), ("d aubigne", "ELISE")),
    (("Le  Bœuf", "Zoé Marie Anne"), ("le-boeuf", "Zoe")),
    (("N'Guyen-Van", "Anh"), ("nguyen van", "anh")),
    (("Müller", "Jürgen"), ("MULLER", "Jurgen")),
])
def test_two_spellings_of_one_person_give_one_key(a, b) -> None:
    born = dt.date(1984, 2, 29)
    assert identity.voter_key(PEPPER, *a, born) == identity.voter_key(PEPPER, *b, born)


def test_keys_differ_for_other_people_and_other_peppers() -> None:
    born = dt.date(1990, 5, 1)
    key = identity.voter_key(PEPPER, "Martin", "Léa", born)
    assert key != identity.voter_key(PEPPER, "Martin", "Léo", born)
    assert key != identity.voter_key(PEPPER, "Martin", "Léa", born + dt.timedelta(days=1))
    assert key != identity.voter_key(PEPPER + "2", "Martin", "Léa", born)
    assert identity.external_key(PEPPER, "ab-123") == identity.external_key(PEPPER, "AB 123")
    assert identity.external_key(PEPPER, " - ") is None
    assert "martin" not in key and len(key) == 64


def test_import_accepts_rejects_and_reports_each_line(session, make) -> None:
    edition = make.edition(min_voter_age=16)
    text = "\n".join([
        "last_name;first_name;birth_date;district;email;address",
        "Martin;Léa;1990-05-01;q1;lea@ville.example;1 rue Ampère",  # 2 accepted
        "MARTIN;lea;1990-05-01;Quartier 2;;",  # 3 duplicate (another spelling, even another district)
        "Durand;Paul;31/02/1990;q1;;",  # 4 bad date
        "Petit;Zoé;2024-01-01;q1;;",  # 5 too young
        "Roux;Ali;1970-03-03;nowhere;;",  # 6 unknown district
        "Blanc;;1970-03-03;q2;;",  # 7 missing field
        "Moreau;Inès;1975-07-07;quartier 2;not-an-email;",  # 8 accepted, e-mail ignored
    ]) + "\n"
    report = io.StringIO()
    result = import_register(session, SYSTEM, edition, io.StringIO(text), report=report)
    assert (result.accepted, result.rejected) == (2, 5)
    assert dict(result.reasons) == {"duplicate": 1, "bad_date": 1, "too_young": 1, "unknown_district": 1, "missing_field": 1}
    assert result.emails_ignored == 1
    text = report.getvalue()
    assert text.startswith("\ufeffligne;statut;ref_votant;motif;colonne\r\n")  # French Excel (pb.web.csv)
    rows = list(csv.DictReader(io.StringIO(text[1:]), delimiter=";"))
    assert sorted((r["ligne"], r["motif"], r["colonne"]) for r in rows if r["statut"] == "refusée") == [
        (line, in_french(REASONS[code]), column) for line, code, column in
        [("3", "duplicate", ""), ("4", "bad_date", "birth_date"), ("5", "too_young", "birth_date"),
         ("6", "unknown_district", "district"), ("7", "missing_field", "")]]
    assert [(r["motif"], r["colonne"]) for r in rows if r["ligne"] == "8"] == [
        (in_french(REASONS["email_ignored"]), "email")]
    assert in_french(REASONS["duplicate"]).startswith("la même personne")
    accepted = {r["ligne"]: r["ref_votant"] for r in rows if r["statut"] == "importée"}
    assert set(accepted) == {"2", "8"}
    voters = session.scalars(sa.select(Voter).order_by(Voter.id)).all()
    assert [v.ref for v in voters] == [accepted["2"], accepted["8"]]
    assert voters[0].email == "lea@ville.example" and voters[1].email == ""
    # Names and addresses are not stored anywhere in the row.
    assert "Martin" not in str([getattr(voters[0], c.key) for c in Voter.__table__.columns])


def test_a_second_import_never_adds_the_same_person(session, make) -> None:
    edition = make.edition()
    first = import_text(session, SYSTEM, edition, "last_name,first_name,birth_date,district\nGarcia,Hugo,1988-08-08,q1\n")
    second = import_text(session, SYSTEM, edition, "last_name,first_name,birth_date,district\ngarcía,HUGO ANDRÉ,1988-08-08,q1\n")
    assert (first.accepted, second.accepted, second.reasons["duplicate"]) == (1, 0, 1)
    found = find_voter(session, edition, last_name="GARCIA", first_name="hugo", birth_date=dt.date(1988, 8, 8))
    assert found is not None and find_voter(session, edition, ref=found.ref.lower().replace("-", "")) == found


def test_missing_columns_are_refused_by_name(session, make) -> None:
    from pb.errors import ValidationFailed

    edition = make.edition()
    with pytest.raises(ValidationFailed) as refused:
        import_text(session, SYSTEM, edition, "surname,given_name,birth_date\nA,B,1990-01-01\n")
    assert "last_name" in refused.value.text() and "district" in refused.value.text()


def _big_register(n: int) -> io.StringIO:
    """A generated file read line by line (never built whole in memory)."""

    class Lines(io.TextIOBase):
        def __init__(self) -> None:
            self.i = -1

        def readline(self, size: int = -1) -> str:  # noqa: ARG002
            self.i += 1
            if self.i == 0:
                return "last_name,first_name,birth_date,district\n"
            if self.i > n:
                return ""
            born = dt.date(1940, 1, 1) + dt.timedelta(days=self.i % 20000)
            return f"Nom{self.i},Prénom{self.i},{born.isoformat()},q{1 + self.i % 2}\n"

        def __iter__(self):  # type: ignore[no-untyped-def]
            return self

        def __next__(self) -> str:
            line = self.readline()
            if not line:
                raise StopIteration
            return line

        def readable(self) -> bool:
            return True

    return Lines()  # type: ignore[return-value]


def test_import_memory_does_not_grow_with_the_file(session, make) -> None:
    editions = [make.edition(), make.edition()]
    session.commit()
    peaks = []
    for edition, n in zip(editions, (1_000, 6_000)):
        tracemalloc.start()
        result = import_register(session, SYSTEM, edition, _big_register(n), batch_size=500)
        peaks.append(tracemalloc.get_traced_memory()[1])
        tracemalloc.stop()
        assert result.lines == n and result.accepted == n
    # Six times the rows, about the same peak: memory is bounded by the batch, not the file.
    assert peaks[1] < peaks[0] * 1.8, peaks


def test_voters_import_command(app, tmp_path, session, make) -> None:
    from pb.cli import main

    make.edition(slug="bp-cli")
    session.commit()
    path = tmp_path / "register.csv"
    path.write_text("last_name,first_name,birth_date,district\nA,B,1990-01-01,q1\nC,D,1990-13-01,q1\nA,B,1990-01-01,q2\n",
                    encoding="utf-8")
    env = {"PB_DATABASE_URL": app.config["PB_SETTINGS"].database_url, "PB_ENV": "test", "PB_MAIL_BACKEND": "memory"}
    result = CliRunner().invoke(main, ["voters", "import", "bp-cli", str(path), "--report", str(tmp_path / "r.csv")], env=env)
    assert result.exit_code == 0, result.output
    assert "accepted: 1" in result.output and "rejected: 2" in result.output
    assert "bad_date" in result.output and "duplicate" in result.output
    assert (tmp_path / "r.csv").read_text().count("\n") == 4
