"""Form helpers shared by every feature: rule errors shown at their field, and
validators that do not pile a second message onto a value that failed to parse."""

from __future__ import annotations

from contextlib import contextmanager

from flask_wtf import FlaskForm
from markupsafe import Markup
from wtforms import SelectMultipleField, widgets
from wtforms.validators import NumberRange as _NumberRange

from app.core import offline
from app.core.once import once_field
from app.extensions import db

# A photo input on a form used in the field: a phone offers its camera beside the
# gallery (`capture` would force the camera and allow one photo per choice, where five
# are allowed), and static/js/photos.js makes each photo at most 1600 px before it is
# sent, with progress. The server checks and re-encodes photos whatever arrives.
FIELD_PHOTOS = {"accept": "image/jpeg,image/png", "data-scale": "1600"}


# The keyboard a phone opens (docs/phone.md, "Layout at 360 px"). A phone number: the
# phone pad. An ID number: the full keyboard in capitals, since a resident ID may end
# in X and the other documents (passports, HK/Macao/Taiwan permits) hold letters — a
# digits-only pad (`inputmode="numeric"`, `type="number"`) has no X. No autocorrection
# or suggestions, which would remember and offer other people's numbers.
PHONE_INPUT = {"type": "tel", "autocomplete": "off"}
ID_NUMBER_INPUT = {"autocapitalize": "characters", "autocomplete": "off", "autocorrect": "off", "spellcheck": "false"}


class CheckboxesField(SelectMultipleField):
    """Several choices as checkboxes instead of a multi-select: usable from the keyboard
    (Tab and Space) and on paper."""

    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


class Form(FlaskForm):
    """The application's form: as Flask-WTF's, and a form that is sent by POST also
    carries a one-time token (app/core/once.py), so that sending the same rendered
    form twice saves once. GET filters (Meta.csrf = False) carry none."""

    def hidden_tag(self, *fields):
        tags = super().hidden_tag(*fields)
        if getattr(type(self).Meta, "csrf", None) is False:
            return tags
        return Markup(tags) + once_field()

    def validate(self, extra_validators=None):
        """As Flask-WTF's; and a form that waited on a phone too long, or whose
        entered-on-the-phone time is in the future, is refused at its top
        (app/core/offline.py), coming back filled as any refusal does."""
        valid = super().validate(extra_validators)
        refused = offline.refusal()
        if refused:
            self.form_errors.append(refused)
            return False
        return valid


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


class RuleError(ValueError):
    """A business rule refused a change. The message is for the person (in their
    language); `field` names the form field it belongs to, if any."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


class _Outcome:
    ok = False

    def __bool__(self) -> bool:
        return self.ok


@contextmanager
def saving(form):
    """Run a change: commit it, or roll it back and show the refusal at its field.

    with saving(form) as saved:
        node = services.create_child(...)
    if saved:
        return redirect(...)
    """
    outcome = _Outcome()
    try:
        yield outcome
    except RuleError as error:
        db.session.rollback()
        attach_error(form, error)
        return
    db.session.commit()
    outcome.ok = True
