"""Form helpers shared by every feature: rule errors shown at their field, and
validators that do not pile a second message onto a value that failed to parse."""
from __future__ import annotations

from wtforms.validators import NumberRange as _NumberRange


def attach_error(form, error) -> None:
    """Show a service's refusal (an exception with an optional `field`) next to that
    field, or above the form when it names none."""
    name = getattr(error, "field", None)
    field = getattr(form, name, None) if name else None
    if field is not None and hasattr(field, "errors"):
        field.errors = list(field.errors) + [str(error)]
    else:
        form.form_errors.append(str(error))


class NumberRange(_NumberRange):
    """As WTForms', but silent when the field already failed to parse ("不是有效的整数"
    is enough; "must be between" on top of it only confuses)."""

    def __call__(self, form, field):
        if field.data is None and field.process_errors:
            return
        super().__call__(form, field)
