"""An application's whole life through the real services: draft, pages, documents, submit, the
officers' steps, correction, approval, the fee, settlement and the signed licence."""

from __future__ import annotations

import pytest

from pracha.applications import services
from pracha.applications.demo_data import png_bytes
from pracha.applications.models import Application, StepRecord
from pracha.core.errors import PrachaError
from pracha.credentials import services as credentials
from pracha.payments import gateway
from pracha.payments import services as payments

from .conftest import pdf_bytes, run_jobs, upload

RICE = "rice-trading-licence"
RICE_PAGE_1 = {"trade_type": "milled_rice_retail"}
RICE_PAGE_2 = {
    "premises_name": "ร้านข้าวสารสมชาย",
    "premises_address": "99 ถนนพหลโยธิน แขวงจตุจักร เขตจตุจักร กรุงเทพมหานคร",
}


def fill_rice(app: Application, user) -> None:
    assert services.save_page(app, 1, RICE_PAGE_1) == {}
    assert services.save_page(app, 2, RICE_PAGE_2) == {}
    for code in ("id_card", "house_registration", "premises_map"):
        services.add_upload(app, code, upload(f"{code}.png", png_bytes()), actor=user)
    services.add_upload(app, "premises_right", upload("lease.pdf", pdf_bytes("lease")), actor=user)


def test_draft_is_prefilled_and_resumed(citizen):
    app = services.start_draft(citizen, RICE)
    assert app.data["trader_name"] == "สมชาย ใจดี"
    assert app.data["phone"] == "0812345678"
    assert set(app.prefilled) == {"trader_name", "phone"}
    assert services.start_draft(citizen, RICE).pk == app.pk  # one draft per service: resumed


def test_page_errors_are_saved_with_the_draft(citizen):
    app = services.start_draft(citizen, RICE)
    errors = services.save_page(app, 2, {"premises_name": "ร้าน", "storage_capacity_tonnes": -5})
    assert errors == {
        "premises_address": "service_form_required",
        "storage_capacity_tonnes": "service_form_too_small",
    }
    app.refresh_from_db()
    assert app.data["premises_name"] == "ร้าน"  # what was typed is kept
    assert app.step == "page-2"


def test_prefilled_fields_are_not_asked_again(citizen):
    app = services.start_draft(citizen, RICE)
    services.save_page(app, 1, {"trader_name": "someone else", "trade_type": "paddy"})
    app.refresh_from_db()
    assert app.data["trader_name"] == "สมชาย ใจดี"


def test_upload_is_checked_by_content_and_size(citizen):
    app = services.start_draft(citizen, RICE)
    with pytest.raises(PrachaError) as exc:
        services.add_upload(app, "company_certificate", upload("cert.pdf", png_bytes()), actor=citizen)
    assert (
        exc.value.code == "document_type_not_allowed"
    )  # a PNG named .pdf: company_certificate takes PDF only
    with pytest.raises(PrachaError) as exc:
        services.add_upload(
            app, "premises_map", upload("map.png", b"\x89PNG" + b"0" * (5 * 1024 * 1024 + 1)), actor=citizen
        )
    assert exc.value.code == "document_too_large"
    with pytest.raises(PrachaError) as exc:
        services.add_upload(app, "nothing", upload("x.png", png_bytes()), actor=citizen)
    assert exc.value.status == 404


def test_submit_refuses_an_incomplete_application(citizen):
    app = services.start_draft(citizen, RICE)
    services.save_page(app, 1, RICE_PAGE_1)
    with pytest.raises(PrachaError) as exc:
        services.submit(app, citizen)
    assert exc.value.code == "form_incomplete"
    assert exc.value.fields["premises_name"] == "service_form_required"
    assert exc.value.fields["premises_map"] == "document_required"
    assert Application.objects.get(pk=app.pk).is_draft


def test_rice_licence_from_draft_to_signed_licence(citizen, dit_officers):
    app = services.start_draft(citizen, RICE)
    fill_rice(app, citizen)
    services.submit(app, citizen)
    assert app.reference.startswith("ESV-")
    case = app.case
    assert case.state == "checking"
    assert case.time_limits["reviewing"] == {"amount": 2.0, "unit": "working_days"}
    assert case.time_limits["case"] == {"amount": 5.0, "unit": "working_days"}

    # A counter officer sends it back; the case clock stops while the applicant corrects.
    services.act(app, "send_back", dit_officers["counter"], reason="แผนที่ไม่ชัด กรุณาแนบใหม่")
    assert app.case.state == "correction" and app.case.case_clock_paused_at is not None
    assert services.is_editable(app)
    services.add_upload(app, "premises_map", upload("map2.pdf", pdf_bytes("map")), actor=citizen)
    assert app.documents.filter(code="premises_map").count() == 2  # the first version stays on file
    services.resubmit(app, citizen)
    assert app.case.state == "checking"

    services.act(app, "accept", dit_officers["counter"])
    services.act(app, "recommend", dit_officers["case"])
    with pytest.raises(PrachaError) as exc:
        services.act(app, "approve", dit_officers["case"])  # only a supervisor approves
    assert exc.value.code == "role_required"
    services.act(app, "approve", dit_officers["supervisor"])
    assert app.case.state == "awaiting_payment"
    (invoice,) = services.invoices_of(app)
    assert invoice.total == 100 and invoice.status == "open"

    answer = gateway.demo_pay(invoice)
    assert answer.body["result"] == "applied"
    kinds = run_jobs()
    assert "payments.settled" in kinds and "applications.issue" in kinds
    app.refresh_from_db()
    assert app.case.state == "completed"
    credential = services.credential_of(app)
    assert credential.status == "valid"
    verified = credentials.verify_pdf(bytes(credential.pdf))
    assert verified.result == "valid" and verified.signed_by == app.agency
    steps = list(StepRecord.objects.filter(application=app).values_list("state", "action"))
    assert steps == [
        ("checking", "send_back"),
        ("correction", "resubmit"),
        ("checking", "accept"),
        ("reviewing", "recommend"),
        ("approving", "approve"),
        ("awaiting_payment", "paid"),
        ("issuing", "issued"),
    ]
    # The fee due on approval makes "awaiting payment" a real step on the status page.
    assert "awaiting_payment" in [row.state for row in services.step_timings(app)]
    report = {r.service_code: r for r in services.compliance_report()}[RICE]
    assert report.steps == 5 and report.finished == 1  # the applicant's own time is not counted
    assert payments.invoices_for(app.subject).get().status == "paid"


def test_officer_of_another_agency_sees_nothing(citizen, dit_officers, other_officer):
    app = services.start_draft(citizen, RICE)
    fill_rice(app, citizen)
    services.submit(app, citizen)
    with pytest.raises(PrachaError) as exc:
        services.officer_application(other_officer, app.pk)
    assert exc.value.status == 404
    with pytest.raises(PrachaError):
        services.visible_application(other_officer, app.reference)
    assert not services.inbox(other_officer).exists()
    assert list(services.inbox(dit_officers["counter"])) == [app]


def test_withdrawn_draft_is_deleted_and_submitted_one_closed(citizen, dit_officers):
    draft = services.start_draft(citizen, RICE)
    services.withdraw(draft, citizen)
    assert not Application.objects.filter(pk=draft.pk).exists()
    app = services.start_draft(citizen, RICE)
    fill_rice(app, citizen)
    services.submit(app, citizen)
    services.withdraw(app, citizen, "ไม่ประสงค์ค้าข้าวแล้ว")
    assert app.case.state == "withdrawn"
