"""Texts of the workflow's notifications and event names, in Thai and English from the catalogue."""

from __future__ import annotations

from collections.abc import Callable

from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from pracha.core.thai_dates import format_date

LANGS = ("th", "en")

# The engine's own events, as the timeline names them (process actions use their definition's label).
EVENT_LABELS = {
    "start": gettext_lazy("Case opened"),
    "assign": gettext_lazy("Assigned"),
    "transfer": gettext_lazy("Transferred to another unit"),
    "alert": gettext_lazy("Time limit warning sent"),
    "breach": gettext_lazy("Time limit passed"),
    "escalate": gettext_lazy("Escalated to supervisors"),
}


def both(render: Callable[[str], str]) -> dict[str, str]:
    """{"th": ..., "en": ...}: `render` runs once with each language active."""
    out = {}
    for lang in LANGS:
        with translation.override(lang):
            out[lang] = render(lang)
    return out


def case_opened(case) -> tuple[dict, dict]:
    subject = both(lambda lang: _("We received your request %(ref)s") % {"ref": case.reference})
    body = both(
        lambda lang: (
            _(
                "%(agency)s received “%(title)s” on %(date)s. "
                "Reference number: %(ref)s. Current status: %(state)s."
            )
            % {
                "agency": case.agency.name,
                "title": case.title,
                "date": format_date(case.opened_at, lang),
                "ref": case.reference,
                "state": case.state_name,
            }
        )
    )
    return subject, body


def case_moved(case, action_label, reason: str) -> tuple[dict, dict]:
    subject = both(
        lambda lang: _("Your request %(ref)s: %(state)s") % {"ref": case.reference, "state": case.state_name}
    )

    def body(lang: str) -> str:
        text = _("“%(title)s” (%(ref)s): %(action)s. Status now: %(state)s.") % {
            "title": case.title,
            "ref": case.reference,
            "action": action_label,
            "state": case.state_name,
        }
        if reason:
            text += " " + _("Note from the officer: %(reason)s") % {"reason": reason}
        return text

    return subject, both(body)


def case_transferred(case) -> tuple[dict, dict]:
    subject = both(lambda lang: _("Your request %(ref)s was forwarded") % {"ref": case.reference})
    body = both(
        lambda lang: (
            _("“%(title)s” (%(ref)s) is now handled by %(unit)s, %(agency)s.")
            % {
                "title": case.title,
                "ref": case.reference,
                "unit": case.contact_point.name if case.contact_point else "-",
                "agency": case.agency.name,
            }
        )
    )
    return subject, body


def deadline_near(case, due, whole_case: bool) -> tuple[dict, dict]:
    def subject(lang: str) -> str:
        if whole_case:
            return _("Case %(ref)s: its overall time limit ends soon") % {"ref": case.reference}
        return _("Case %(ref)s: the time limit of “%(state)s” ends soon") % {
            "ref": case.reference,
            "state": case.state_name,
        }

    body = both(
        lambda lang: (
            _("“%(title)s” must move on by %(due)s.") % {"title": case.title, "due": format_date(due, lang)}
        )
    )
    return both(subject), body


def deadline_passed(case, due, whole_case: bool, escalated: bool) -> tuple[dict, dict]:
    def subject(lang: str) -> str:
        if escalated:
            return _("Escalated to you: case %(ref)s is overdue") % {"ref": case.reference}
        if whole_case:
            return _("Case %(ref)s has passed its overall time limit") % {"ref": case.reference}
        return _("Case %(ref)s has passed the time limit of “%(state)s”") % {
            "ref": case.reference,
            "state": case.state_name,
        }

    body = both(
        lambda lang: (
            _("“%(title)s” (%(state)s) was due by %(due)s and has not moved on.")
            % {"title": case.title, "state": case.state_name, "due": format_date(due, lang)}
        )
    )
    return both(subject), body


def assigned(case) -> tuple[dict, dict]:
    subject = both(lambda lang: _("Case %(ref)s was assigned to you") % {"ref": case.reference})
    body = both(
        lambda lang: (
            _("“%(title)s” (%(state)s) is now yours to handle.")
            % {"title": case.title, "state": case.state_name}
        )
    )
    return subject, body
