"""The intake page's fields drawn in the markup of crispy-forms' bootstrap5 pack, at a third of the cost.

``BootstrapBoundField`` is set as ``bound_field_class`` on the patient and intake forms
(patients/forms.py); tests/patients/test_field_markup.py compares each field with crispy's own.
"""

from __future__ import annotations

import html

from django.forms import BoundField
from django.utils.safestring import mark_safe


class BootstrapBoundField(BoundField):
    """A field of the intake page drawn by ``{{ form.field.as_field_group }}`` in the markup of
    crispy-forms' bootstrap5 pack: the same wrapper, label or legend, classes, ids and aria
    attributes, each error under its field, then the help text.

    Written in Python because the page draws about thirty fields (the medication rows among
    them): crispy's template took about a millisecond a field and a plain template of our own a
    third of one. Strings are joined with every value escaped by ``_html`` (Django's
    conditional_escape without its lazy-string wrapper, which cost more than the escaping). The
    widget's attributes (maxlength, autocomplete, required, aria-invalid, aria-describedby,
    checked, autofocus) are Django's own, from ``subwidgets``: this only draws. Text, email, date
    and phone boxes, text areas, single checkboxes, radio buttons and lists of checkboxes;
    tests/patients/test_field_markup.py compares each field with crispy's.
    """

    def as_field_group(self):
        return mark_safe(self._markup())  # noqa: S308 (every value in it went through _html, help texts aside)

    def _markup(self) -> str:
        kind = self.widget_type
        if kind in ("radioselect", "checkboxselectmultiple"):
            return self._choices_group()
        id_ = _html(self.auto_id)
        label = f"{_html(self.label)}{self._asterisk()}"
        if kind == "checkbox":
            return (
                f'<div class="mb-3"><div id="div_{id_}" class="form-check">'
                f"{self._control('checkboxinput form-check-input')}"
                f'<label for="{_html(self.id_for_label)}" class="form-check-label{self._required_class()}">{label}</label>'
                f"{self._error_block()}{self._help_block()}</div></div>"
            )
        control = self._control("textarea form-control" if kind == "textarea" else f"{kind}input form-control")
        return (
            f'<div id="div_{id_}" class="mb-3">'
            f'<label for="{_html(self.id_for_label)}" class="form-label{self._required_class()}">{label}</label>'
            f"{control}{self._error_block()}{self._help_block()}</div>"
        )

    def _choices_group(self) -> str:
        invalid = " is-invalid" if self.errors else ""
        options = self.subwidgets
        rows = []
        for number, option in enumerate(options, start=1):
            data = option.data
            rows.append(
                f'<div class="form-check"><input type="{_html(data["type"])}" class="form-check-input{invalid}" '
                f'name="{_html(data["name"])}" value="{_html(data["value"])}"{_attributes(data["attrs"])}>'
                f'<label for="{_html(data["attrs"]["id"])}" class="form-check-label">{_html(data["label"])}</label>'
                f'{self._error_block() if number == len(options) else ""}</div>'
            )
        described_by = self.aria_describedby
        described_by = f' aria-describedby="{_html(described_by)}"' if described_by else ""
        return (
            f'<div id="div_{_html(self.auto_id)}" class="mb-3"><fieldset{described_by}>'
            f'<legend class="form-label{self._required_class()} fs-6">{_html(self.label)}{self._asterisk()}</legend>'
            f'<div>{"".join(rows)}</div>{self._help_block()}</fieldset></div>'
        )

    def _control(self, classes: str) -> str:
        """The widget itself, with Bootstrap's classes (after any of its own) and is-invalid when wrong."""
        data = self.subwidgets[0].data
        attrs = dict(data["attrs"])
        classes = " ".join(filter(None, [attrs.pop("class", ""), classes, "is-invalid" if self.errors else ""]))
        start = f'name="{_html(data["name"])}"'
        if self.widget_type == "textarea":
            # The line break after the tag is Django's: a browser drops it, and keeps a typed one after it.
            text = _html(data["value"]) if data["value"] else ""
            return f'<textarea {start} class="{_html(classes)}"{_attributes(attrs)}>\n{text}</textarea>'
        value = "" if data["value"] is None else f' value="{_html(data["value"])}"'
        return f'<input type="{_html(data["type"])}" {start}{value} class="{_html(classes)}"{_attributes(attrs)}>'

    def _error_block(self) -> str:
        if not self.errors:
            return ""
        id_ = _html(self.auto_id)
        messages = "".join(
            f'<p id="error_{number}_{id_}"><strong>{_html(error)}</strong></p>'
            for number, error in enumerate(self.errors, start=1)
        )
        return f'<div id="{id_}_error" class="invalid-feedback">{messages}</div>'

    def _help_block(self) -> str:
        if not self.help_text:
            return ""
        # Not escaped, as in Django's and crispy's templates: help texts are ours, never the patient's.
        return f'<div id="{_html(self.auto_id)}_helptext" class="form-text">{self.help_text}</div>'

    def _required_class(self) -> str:
        return " requiredField" if self.field.required else ""

    def _asterisk(self) -> str:
        return '<span class="asteriskField">*</span>' if self.field.required else ""


def _html(value) -> str:
    """``value`` escaped for HTML unless it is marked safe, as django.utils.html.conditional_escape."""
    if hasattr(value, "__html__"):
        return value.__html__()
    return html.escape(str(value))


def _attributes(attrs: dict) -> str:
    """A widget's attributes as Django's attrs.html writes them: True as the bare name, False left out."""
    return "".join(
        f" {name}" if value is True else f' {name}="{_html(value)}"' for name, value in attrs.items() if value is not False
    )
