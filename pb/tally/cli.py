"""``pb tally FILE.pb``: tally a Pabulib file with no database and no app context.

``tally_command`` is a plain click command; the Flask CLI group registers it as ``pb tally``.
Run it on its own with ``python -m pb.tally.cli FILE.pb --rule auto``. A malformed file or an
unusable rule ends with a one-line error (with the line number) and exit code 2, never a traceback.
"""

from __future__ import annotations

import json
from fractions import Fraction
from pathlib import Path

import click

from pb.tally import pabulib
from pb.tally.errors import PabulibError, TallyError
from pb.tally.explain import format_amount
from pb.tally.greedy import greedy_scores
from pb.tally.model import Election, Outcome, as_money
from pb.tally.rules import RULES, pabulib_label, run
from pb.tally.tiebreak import TIE_BREAKS, get


class BadInput(click.ClickException):
    """A bad file or option: exit code 2, like click's usage errors."""

    exit_code = 2


def _table(election: Election, outcome: Outcome, lang: str) -> str:
    """Funded projects in funding order, then the others by decreasing score."""
    scores = greedy_scores(election)
    by_points = election.vote_type not in ("approval", "choose-1")
    rank = {pid: n for n, pid in enumerate(outcome.selected, 1)}
    rest = sorted((i for i, p in enumerate(election.projects) if p.id not in rank), key=lambda i: (-int(scores[i]), election.projects[i].id))
    order = [election.index[pid] for pid in outcome.selected] + rest
    head = ["#", "project", "name", "cost", "votes"] + (["points"] if by_points else []) + ["funded"]
    rows = []
    for i in order:
        p = election.projects[i]
        name = (p.name or "")[:40]
        row = [str(rank.get(p.id, "")), p.id, name, format_amount(p.cost, lang), str(int(election.votes[i]))]
        row += [str(int(scores[i]))] if by_points else []
        row.append("yes" if p.id in rank else "no")
        rows.append(row)
    widths = [max(len(r[c]) for r in [head, *rows]) for c in range(len(head))]
    right = {0, 3, 4, 5} if by_points else {0, 3, 4}
    lines = []
    for r in [head, *rows]:
        cells = [r[c].rjust(widths[c]) if c in right else r[c].ljust(widths[c]) for c in range(len(head))]
        lines.append("  ".join(cells).rstrip())
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


@click.command("tally")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--rule", default="auto", show_default=True, type=click.Choice([*RULES, "auto"]), help="Aggregation rule; auto reads the file's META rule.")
@click.option("--tie-break", "tie_break", default="lexicographic", show_default=True, type=click.Choice(TIE_BREAKS), help="How exact ties are broken.")
@click.option("--seed", default=None, help="Published seed of the cost-votes-draw tie-break.")
@click.option("--increment", default=None, help="Per-voter step of the add1 completions (default: 1 currency unit).")
@click.option("--threshold", type=int, default=None, help="Minimum score for greedy variants (default: the file's).")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object instead of a table.")
@click.option("--explain", is_flag=True, help="Add the rule's explanation (sentences, or data with --json).")
@click.option("--lang", default="en", show_default=True, type=click.Choice(["en", "fr"]), help="Language of the human output.")
def tally_command(file: Path, rule: str, tie_break: str, seed: str | None, increment: str | None, threshold: int | None, as_json: bool, explain: bool, lang: str) -> None:
    """Tally a Pabulib FILE (.pb) with no database: print the funded projects."""
    options: dict[str, object] = {}
    try:
        election = pabulib.read(file)
        if increment is not None:
            options["increment"] = as_money(increment)
        if threshold is not None:
            options["threshold"] = threshold
        tb = get(tie_break, seed)
        outcome = run(election, rule, tb, explain=explain or not as_json, **options)
    except PabulibError as exc:
        raise BadInput(f"{file.name}: {exc}") from None
    except (TallyError, ValueError, TypeError) as exc:
        raise BadInput(str(exc)) from None
    if as_json:
        data = outcome.to_dict()
        if not explain:
            data.pop("explanation", None)
        data["file"] = file.name
        data["pabulib_rule"] = pabulib_label(outcome.rule)
        click.echo(json.dumps(data, ensure_ascii=False))
        return
    click.echo(f"{file.name}: {outcome.rule} ({pabulib_label(outcome.rule)}), tie-break {outcome.tie_break}")
    click.echo(
        f"budget {format_amount(outcome.budget, lang)}, spent {format_amount(outcome.spent, lang)}, "
        f"{len(outcome.selected)} of {len(election.projects)} projects funded, {election.num_voters} ballots"
    )
    if "per_voter_budget" in outcome.details:
        click.echo(f"per-voter budget: {format_amount(Fraction(outcome.details['per_voter_budget']), lang)}")
    click.echo("")
    click.echo(_table(election, outcome, lang))
    click.echo("")
    click.echo(tb.describe(lang))
    if explain and outcome.explanation is not None:
        click.echo("")
        for line in outcome.explanation.describe(lang):
            click.echo(line)




if __name__ == "__main__":
    tally_command(prog_name="pb tally")
