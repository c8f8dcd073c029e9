"""Dataset notes are Markdown (as in CKAN), rendered safely.

markdown-it-py with raw HTML switched off: a `<script>` in the notes comes out as text, and
its link check refuses javascript:, vbscript: and data: URLs. Links get rel="nofollow".
"""

from __future__ import annotations

from markdown_it import MarkdownIt
from markupsafe import Markup

_RENDERER = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
_RENDERER.disable("image")  # no images pulled from elsewhere into our pages


def render_notes(text: str) -> Markup:
    html = _RENDERER.render(text or "")
    return Markup(html.replace("<a href=", '<a rel="nofollow noopener" href='))  # noqa: S704 (escaped by markdown-it)
