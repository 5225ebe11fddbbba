"""Pages of the ideas domain, one blueprint split by concern:

- `browse`: the public lists and pages of ideas and projects, a person's own ideas;
- `submit`: proposing, editing and withdrawing an idea;
- `attachments`: images and documents of an idea;
- `comments`: comments and reports (flags) on ideas, projects and comments;
- `moderation`: the moderators' queue and actions;
- `staff`: ideas received on paper or at a meeting, typed in by staff.

The modules only parse forms, call the services (`pb.ideas.services`, `comments`, `uploads`,
`moderation`, `projects`) and render; the queries and rules live there."""

from __future__ import annotations

from flask import Blueprint
from flask_babel import lazy_gettext as _l

from pb.ideas.models import theme_label
from pb.ideas.text import paragraphs

bp = Blueprint("ideas", __name__)
bp.add_app_template_filter(paragraphs, "paragraphs")
bp.add_app_template_filter(theme_label, "theme_label")

EDITION_PAGE_LINKS = [(_l("Ideas"), "ideas.index"), (_l("Projects"), "ideas.projects"), (_l("Map"), "ideas.map_page")]
EDITION_ADMIN_LINKS = [(_l("Moderation"), "ideas.moderation", "moderation.act"),
                       (_l("Enter an idea received on paper"), "ideas.enter", "idea.enter"),
                       (_l("Ideas as a spreadsheet (CSV)"), "ideas.export_ideas", "ideas.export"),
                       (_l("Comments as a spreadsheet (CSV)"), "ideas.export_comments", "ideas.export")]

# The routes register themselves on `bp` when their modules are imported.
from pb.ideas.views import attachments, browse, comments, moderation, staff, submit  # noqa: E402

__all__ = ["attachments", "bp", "browse", "comments", "moderation", "staff", "submit"]
