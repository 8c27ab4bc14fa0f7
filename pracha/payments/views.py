"""Pages: the payer's invoice (QR, amount, status, receipt), the e-receipt PDF, the demo gateway's
"pay with a banking app" form, and the officers' held payments and daily reconciliation."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from pracha.agencies.models import Agency
from pracha.core.errors import PrachaError, render_message
from pracha.identity import services as identity

from . import gateway, receipts, reconciliation, services
from .models import Invoice, Payment

PAGE_SIZE = 25


def _invoice(request: HttpRequest, number: str) -> Invoice:
    try:
        invoice = services.get_invoice(number)
    except PrachaError as exc:
        raise Http404 from exc
    if not services.may_view_invoice(request.user, invoice):
        raise Http404  # not "forbidden": an invoice number must not be confirmed to a stranger
    return invoice


@login_required
def invoice(request: HttpRequest, number: str) -> HttpResponse:
    inv = _invoice(request, number)
    qr, qr_error = "", ""
    if inv.payable:
        try:
            qr = services.qr_svg(inv)
        except PrachaError as exc:
            qr_error = render_message(exc.code, **exc.params)
    is_officer = request.user.is_officer and identity.can_see_agency(request.user, inv.agency_id)
    return render(
        request,
        "payments/invoice.html",
        {
            "invoice": inv,
            "items": inv.items.all(),
            "qr": qr,
            "qr_error": qr_error,
            "receipt": getattr(inv, "receipt", None),
            "payments": inv.payments.order_by("received_at") if is_officer else [],
            "is_officer": is_officer,
            "may_cancel": inv.payable and services.may_decide(request.user, inv.agency_id),
            "is_payer": inv.payer_id is not None and request.user.person_id == inv.payer_id,
            "subject_link": services.subject_link(inv, request.user),
            "demo_gateway": gateway.demo_gateway_enabled(),
        },
    )


@login_required
@require_POST
def demo_pay(request: HttpRequest, number: str) -> HttpResponse:
    if not gateway.demo_gateway_enabled():
        raise Http404
    inv = _invoice(request, number)
    amount = None
    if request.POST.get("amount", "").strip():
        try:
            amount = Decimal(request.POST["amount"].strip().replace(",", ""))
        except InvalidOperation:
            messages.error(request, render_message("invoice_amount_invalid"))
            return redirect("payments:invoice", number=inv.number)
    try:
        answer = gateway.demo_pay(inv, amount)
    except PrachaError as exc:
        messages.error(request, render_message(exc.code, **exc.params))
        return redirect("payments:invoice", number=inv.number)
    if answer.body["result"] == Payment.Status.APPLIED:
        messages.success(request, _("Payment received. Thank you: your e-receipt is ready."))
    else:
        messages.warning(
            request,
            _(
                "The payment was received but is held for an officer to check: the amount or the "
                "invoice's status did not match."
            ),
        )
    return redirect("payments:invoice", number=inv.number)


@login_required
def receipt_pdf(request: HttpRequest, number: str) -> HttpResponse:
    try:
        receipt = receipts.receipt_for(request.user, number)
    except PrachaError as exc:
        raise Http404 from exc
    response = HttpResponse(receipts.render_pdf(receipt), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="receipt-{receipt.number}.pdf"'
    return response


# --- Officers --------------------------------------------------------------------------------------


@login_required
@require_POST
def cancel(request: HttpRequest, number: str) -> HttpResponse:
    inv = _invoice(request, number)
    if not services.may_decide(request.user, inv.agency_id):
        raise Http404
    try:
        services.cancel_invoice(inv, actor=request.user, reason=request.POST.get("reason", ""))
        messages.success(request, _("The invoice was cancelled."))
    except PrachaError as exc:
        messages.error(request, render_message(exc.code, **exc.params))
    return redirect("payments:invoice", number=inv.number)


def _officer_only(request: HttpRequest) -> HttpResponse | None:
    return None if request.user.is_officer else redirect("portal:my")


@login_required
def held(request: HttpRequest) -> HttpResponse:
    if (refused := _officer_only(request)) is not None:
        return refused
    page = Paginator(
        services.payments_waiting(request.user).order_by("received_at", "id"), PAGE_SIZE
    ).get_page(request.GET.get("page"))
    return render(request, "payments/held.html", {"page": page})


@login_required
@require_POST
def decide(request: HttpRequest, pk: int) -> HttpResponse:
    if (refused := _officer_only(request)) is not None:
        return refused
    try:
        payment = services.payment_for(request.user, pk)
    except PrachaError as exc:
        raise Http404 from exc
    decision, reason = request.POST.get("decision", ""), request.POST.get("reason", "")
    try:
        if decision == "approve":
            services.approve_payment(payment, actor=request.user, reason=reason)
            messages.success(request, _("The payment was applied and the invoice is paid."))
        elif decision == "refund":
            services.refund_payment(payment, actor=request.user, reason=reason)
            messages.success(request, _("The payment is marked for refund."))
        else:
            raise PrachaError("decision_invalid")
    except PrachaError as exc:
        messages.error(request, render_message(exc.code, **exc.params))
    return redirect("payments:held")


def _report_params(request: HttpRequest) -> tuple[dt.date, Agency | None, list[Agency], str]:
    today = timezone.localdate()
    error, day = "", today
    if raw := request.GET.get("date", "").strip():
        try:
            day = dt.date.fromisoformat(raw)
        except ValueError:
            error = render_message("date_invalid")
    agencies = list(
        identity.scope(Agency.objects.filter(invoices__isnull=False), request.user, "pk").distinct()
    )
    agencies.sort(key=lambda a: a.code)
    chosen = next((a for a in agencies if str(a.pk) == request.GET.get("agency", "")), None)
    return day, chosen, agencies, error


@login_required
def reconciliation_report(request: HttpRequest) -> HttpResponse:
    if (refused := _officer_only(request)) is not None:
        return refused
    day, agency, agencies, error = _report_params(request)
    days = reconciliation.daily(request.user, day, agency.pk if agency else None)
    return render(
        request,
        "payments/reconciliation.html",
        {"day": day, "agency": agency, "agencies": agencies, "days": days, "error": error,
         "query": request.GET.urlencode()},
    )  # fmt: skip


@login_required
def reconciliation_csv(request: HttpRequest) -> HttpResponse:
    if (refused := _officer_only(request)) is not None:
        return refused
    day, agency, _agencies, error = _report_params(request)
    if error:
        return HttpResponse(error, status=400, content_type="text/plain; charset=utf-8")
    days = reconciliation.daily(request.user, day, agency.pk if agency else None)
    # A byte-order mark so that Excel, which Thai offices open CSV files with, reads the Thai as UTF-8.
    response = HttpResponse("\ufeff" + reconciliation.to_csv(days), content_type="text/csv; charset=utf-8")
    suffix = f"-{agency.code}" if agency else ""
    response["Content-Disposition"] = f'attachment; filename="reconciliation-{day.isoformat()}{suffix}.csv"'
    return response
