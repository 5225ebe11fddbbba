"""The site's institutional content and appearance: legal notice, privacy notice, participation
charter, contact, accessibility statement and the home page's text, edited by staff; the
territory's logo and colours."""
