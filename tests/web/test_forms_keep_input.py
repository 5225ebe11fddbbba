"""Form errors keep what was typed, everywhere: a refused form comes back filled in.

Two ways a page loses a person's text: a template writes a text box without its value, or a
POST-only route answers a refusal with a redirect (the text stays in the request it drops).
These tests find every place of either kind."""

from __future__ import annotations

import inspect
import re
from pathlib import Path

from wtforms import StringField, TextAreaField

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"

# POST-only routes that take typed text, each re-rendering its page on refusal; each has a test
# that posts a refused text and finds it again in the answer.
KEEP_TEXT_TESTED = {
    "ballotbox.desk_key": "tests/ballotbox/test_web.py::test_a_refused_key_keeps_the_device_name",
    "ballotbox.desk_register":
        "tests/ballotbox/test_desk_registration.py::test_desk_page_offers_registration_when_the_lookup_finds_nobody",
    "ideas.comment": "tests/ideas/test_views.py::test_a_refused_comment_keeps_what_was_typed",
    "ideas.project_comment": "tests/ideas/test_views.py::test_a_refused_project_comment_keeps_what_was_typed",
    "ideas.upload": "tests/ideas/test_uploads.py::test_a_refused_file_keeps_its_label",
    "site.upload_logo": "tests/site/test_identity.py::test_the_logo_is_shown_with_its_alternative",
}


def test_no_template_writes_an_empty_text_box() -> None:
    empty_textarea = re.compile(r"<textarea\b[^>]*>\s*</textarea>")
    text_input = re.compile(r"<input\b(?![^>]*type=\"(?:hidden|checkbox|radio|submit|file)\")[^>]*>")
    found = []
    for path in TEMPLATES.rglob("*.html"):
        source = path.read_text(encoding="utf-8")
        found += [f"{path.relative_to(TEMPLATES)}: {m.group(0)[:60]}" for m in empty_textarea.finditer(source)]
        found += [f"{path.relative_to(TEMPLATES)}: {m.group(0)[:60]}" for m in text_input.finditer(source)
                  if "value=" not in m.group(0)]
    assert not found, "text boxes written without what was typed:\n" + "\n".join(found)


def _functions(view) -> list:
    """The view and the functions of its module it calls (a shared helper often holds the form)."""
    module = inspect.getmodule(view)
    called = set(re.findall(r"\b(_?\w+)\(", inspect.getsource(view)))
    helpers = [getattr(module, n) for n in sorted(called) if inspect.isfunction(getattr(module, n, None))
               and getattr(module, n).__module__ == module.__name__ and getattr(module, n) is not view]
    return [view, *helpers]


def _text_form_handlers(view) -> list:
    """The functions (view or helper) that build a form with a text field."""
    handlers = []
    for fn in _functions(view):
        module = inspect.getmodule(fn)
        for name in set(re.findall(r"\b([A-Z]\w*Form)\(", inspect.getsource(fn))):
            form = getattr(module, name, None)
            fields = [v for v in vars(form).values() if hasattr(v, "field_class")] if form else []
            if any(issubclass(f.field_class, (StringField, TextAreaField)) for f in fields):
                handlers.append(fn)
    return handlers


def test_every_post_only_route_taking_text_keeps_it_on_refusal(app) -> None:
    found = {}
    for rule in app.url_map.iter_rules():
        if "POST" in rule.methods and "GET" not in rule.methods:
            handlers = _text_form_handlers(app.view_functions[rule.endpoint])
            if handlers:
                found[rule.endpoint] = handlers
    assert set(found) == set(KEEP_TEXT_TESTED), (
        "a POST-only route takes typed text: show its page again on refusal (not a redirect) and test it")
    for endpoint, handlers in found.items():
        for fn in handlers:
            assert "redirect" not in _refusal_branch(fn), endpoint


def _refusal_branch(fn) -> str:
    """What a handler does after its success branch: the lines after its last `return redirect`."""
    source = inspect.getsource(fn)
    return source.rsplit("return redirect", 1)[-1].split("\n", 1)[-1]
