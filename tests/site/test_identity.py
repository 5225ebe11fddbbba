"""The territory's identity: its logo and colour, set by staff; never the State's design system."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from pb.errors import ValidationFailed
from pb.site import services
from tests.ideas.test_uploads import image_bytes

ROOT = Path(__file__).resolve().parents[2]


def test_the_colour_is_the_territory_s_and_readable(session, make, client) -> None:
    admin = make.admin()
    session.commit()
    assert "theme.css" not in client.get("/").get_data(as_text=True)  # pb's own blue by default
    with pytest.raises(ValidationFailed) as info:  # white text on yellow: unreadable
        services.save_settings(session, admin, contact_email="", postal_address="", dpo_email="", conformity="none",
                               audit_date=None, audit_rate=None, accent_color="#ffd500")
    assert info.value.field == "accent_color" and "4,5:1" in info.value.text()
    with pytest.raises(ValidationFailed):
        services.save_settings(session, admin, contact_email="", postal_address="", dpo_email="", conformity="none",
                               audit_date=None, audit_rate=None, accent_color="red; } body { display:none")
    services.save_settings(session, admin, contact_email="", postal_address="", dpo_email="", conformity="none",
                           audit_date=None, audit_rate=None, accent_color="#8A1538")
    session.commit()
    page = client.get("/").get_data(as_text=True)
    assert '/site/theme.css?v=8a1538' in page
    css = client.get("/site/theme.css").get_data(as_text=True)
    assert "--accent: #8a1538" in css and "--accent-dark: #6e102c" in css
    assert services.contrast_with_white("#8a1538") >= 4.5


def test_the_logo_is_shown_with_its_alternative(session, make, client, auth, upload_dir) -> None:
    admin = make.admin()
    session.commit()
    assert client.get("/site/logo").status_code == 404
    auth.login(admin)
    assert client.get("/admin/site/settings").status_code == 200
    response = client.post("/admin/site/logo", data={"file": (io.BytesIO(b"<svg onload=alert(1)>"), "logo.svg"),
                                                    "logo_alt": "Ville de Grenoble"}, content_type="multipart/form-data")
    assert response.status_code == 415 and 'value="Ville de Grenoble"' in response.get_data(as_text=True)
    response = client.post("/admin/site/logo", data={"file": (io.BytesIO(image_bytes("PNG", gps=True)), "logo.png"),
                                                    "logo_alt": "Ville de Grenoble"}, content_type="multipart/form-data")
    assert response.status_code == 302
    page = client.get("/").get_data(as_text=True)
    assert 'class="site-logo"' in page and 'alt="Ville de Grenoble"' in page
    logo = client.get("/site/logo")
    assert logo.status_code == 200 and logo.mimetype == "image/png" and b"PhoneMaker" not in logo.data
    assert client.post("/admin/site/logo/remove").status_code == 302
    assert 'class="site-logo"' not in client.get("/").get_data(as_text=True)


def test_no_state_design_system() -> None:
    """The DSFR and the Marianne font are reserved to the State's services (pb is a city's)."""
    for path in [*(ROOT / "templates").rglob("*.html"), *(ROOT / "static").rglob("*.css")]:
        text = path.read_text(encoding="utf-8", errors="replace").lower()
        assert "dsfr" not in text and "marianne" not in text, path
