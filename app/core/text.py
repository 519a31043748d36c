"""Text as people type it, made safe to keep and to give out again.

Control characters come in by paste (a Word document's vertical tab, a form feed
from a terminal) or on purpose; one of them in a stored description makes every
XML feed that includes it unparseable and every xlsx that includes it unwritable.
So they are removed where text enters — every form and query parameter (the
request class below), every imported cell — and again where text leaves in a
format that cannot carry them (XML, xlsx), for rows stored before this rule.
Tab and newline stay; a carriage return becomes a newline (browsers send CRLF).
"""

from __future__ import annotations

import re

from flask import Request
from werkzeug.datastructures import ImmutableMultiDict, iter_multi_items

# C0 controls except tab and newline, DEL, C1 controls, and the two non-characters
# XML forbids. Surrogates cannot arrive: request bodies are decoded with replacement.
CONTROL_CHARACTERS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ufffe\uffff]")


def clean_text(text: str) -> str:
    """`text` without control characters, line breaks as \\n."""
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return CONTROL_CHARACTERS.sub("", text)


class CleanedParameters(ImmutableMultiDict):
    """Form fields and query parameters with control characters removed from every
    text value (uploaded files are left alone)."""

    def __init__(self, mapping=None):
        if mapping is not None:
            mapping = [
                (key, clean_text(value) if isinstance(value, str) else value)
                for key, value in iter_multi_items(mapping)
            ]
        super().__init__(mapping)


class CleanedRequest(Request):
    """The application's request class: request.form, request.args and
    request.values hold cleaned text, for pages, the public form and Open311 alike."""

    parameter_storage_class = CleanedParameters
