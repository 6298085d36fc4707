"""Form rendering shared by every app: one template per field, one summary of a form's errors.

``{{ field.as_field_group }}`` renders a field as core/forms/field.html: its label, its help text
and its error message, each with the id that Django's ``aria-describedby`` on the input names
(``<id>_helptext``, ``<id>_error``), so that a screen reader reads the message with the field.
``{% form_errors form %}`` (template tag in core/templatetags/shequ.py) puts the form's errors at its
top in an alert that takes the focus when the page opens (static/shequ/shequ.js), each linked to
its field.
"""

from __future__ import annotations

from django.forms.renderers import DjangoTemplates


class FormRenderer(DjangoTemplates):
    field_template_name = "core/forms/field.html"
