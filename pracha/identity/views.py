"""Digital ID pages: the provider's sign-in (password, then a one-time code), step-up, security, proofing."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.contrib.auth.signals import user_login_failed
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST

from pracha.core.errors import PrachaError, render_message

from . import totp
from .assurance import (
    assurance_of,
    assurance_required,
    has_totp,
    note_authentication,
    proof_against_registry,
)
from .forms import CodeForm, ConfirmCodeForm, RegistryCheckForm, SignInForm
from .models import IAL, Proofing, SignInContext, User

PENDING = "identity_pending"
# A pending password sign-in waits this long for its one-time code; five wrong codes end it.
PENDING_SECONDS = 300
MAX_CODE_ATTEMPTS = 5


def _next(request: HttpRequest, default: str = "") -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default or settings.LOGIN_REDIRECT_URL


def _code_failed(request: HttpRequest, user: User) -> None:
    # A wrong one-time code counts as a failed sign-in for django-axes, like a wrong password: someone
    # who knows the password cannot guess codes without locking the account from their address.
    user_login_failed.send(sender=__name__, credentials={"username": user.get_username()}, request=request)


def _finish(request: HttpRequest, user: User, amr: list[str], next_url: str) -> HttpResponse:
    login(request, user, backend="django.contrib.auth.backends.ModelBackend")
    note_authentication(request, user, amr=amr)
    return redirect(next_url)


@sensitive_post_parameters("password")
def sign_in(request: HttpRequest) -> HttpResponse:
    """The provider's sign-in page: every person and officer signs in here (django-axes guards it)."""
    next_url = _next(request)
    form = SignInForm(request, data=request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = form.get_user()
        if has_totp(user):
            request.session[PENDING] = {
                "user": user.pk,
                "until": int(timezone.now().timestamp()) + PENDING_SECONDS,
                "attempts": 0,
                "next": next_url,
            }
            return redirect("identity:sign_in_code")
        return _finish(request, user, ["pwd"], next_url)
    return render(
        request,
        "identity/sign_in.html",
        {"form": form, "next": next_url},
        status=400 if form.errors else 200,
    )


def sign_in_code(request: HttpRequest) -> HttpResponse:
    """Second step of sign-in for an account with an authenticator app."""
    pending = request.session.get(PENDING)
    if not pending or pending["until"] < timezone.now().timestamp():
        request.session.pop(PENDING, None)
        messages.info(request, _("Enter your password again, then the code."))
        return redirect("identity:sign_in")
    user = User.objects.filter(pk=pending["user"], is_active=True).first()
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid() and user is not None:
        method = totp.verify(user, form.cleaned_data["code"])
        if method:
            request.session.pop(PENDING, None)
            if method == "recovery":
                messages.warning(
                    request,
                    _("You used a recovery code. %(n)s remain: make new ones on your security page.")
                    % {"n": totp.remaining_recovery_codes(user)},
                )
            return _finish(request, user, ["pwd", "otp"], pending["next"])
        _code_failed(request, user)
        pending["attempts"] += 1
        if pending["attempts"] >= MAX_CODE_ATTEMPTS:
            request.session.pop(PENDING, None)
            messages.error(request, _("Too many wrong codes. Sign in again."))
            return redirect("identity:sign_in")
        request.session[PENDING] = pending
        form.add_error("code", render_message("totp_wrong_code"))
    return render(
        request, "identity/code.html", {"form": form, "step_up": False}, status=400 if form.errors else 200
    )


@login_required
def step_up(request: HttpRequest) -> HttpResponse:
    """A signed-in person proves the second factor to reach AAL2, then goes back where they were."""
    next_url = _next(request)
    if not has_totp(request.user):
        return redirect(f"{_security_url()}?next={next_url}")
    if assurance_of(request.user, request).aal == "AAL2":
        return redirect(next_url)
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        method = totp.verify(request.user, form.cleaned_data["code"])
        if method:
            note_authentication(request, request.user, amr=["pwd", "otp"])
            return redirect(next_url)
        _code_failed(request, request.user)
        form.add_error("code", render_message("totp_wrong_code"))
    return render(
        request,
        "identity/code.html",
        {"form": form, "step_up": True, "next": next_url},
        status=400 if form.errors else 200,
    )


def _security_url() -> str:
    from django.urls import reverse

    return reverse("identity:security")


@login_required
def security(request: HttpRequest) -> HttpResponse:
    """Sign-in security: levels, the authenticator app (set up with a QR code), recovery codes."""
    user: User = request.user
    context: dict = {
        "assurance": assurance_of(user, request),
        "ial_label": dict(IAL.choices).get(assurance_of(user).ial),
        "has_totp": has_totp(user),
        "next": _next(request, default=""),
    }
    if context["has_totp"]:
        context["recovery_left"] = totp.remaining_recovery_codes(user)
    action = request.POST.get("action")
    if request.method == "POST" and action == "start":
        secret, uri = totp.start_enrolment(user)
        context.update(enrolling=True, secret=secret, qr=totp.qr_svg(uri), form=ConfirmCodeForm())
        return render(request, "identity/security.html", context)
    if request.method == "POST" and action == "confirm":
        form = ConfirmCodeForm(request.POST)
        try:
            if not form.is_valid():
                raise PrachaError("totp_wrong_code")
            codes = totp.confirm_enrolment(user, form.cleaned_data["code"])
        except PrachaError as exc:
            if exc.code == "totp_not_started":
                return redirect("identity:security")
            secret, uri = totp.pending_enrolment(user)
            form.add_error("code", render_message(exc.code))
            context.update(enrolling=True, form=form, qr=totp.qr_svg(uri), secret=secret)
            return render(request, "identity/security.html", context, status=400)
        # Proving the code from the app is a second factor: this session is now at AAL2.
        note_authentication(request, user, amr=["pwd", "otp"])
        context.update(has_totp=True, codes=codes, assurance=assurance_of(user, request))
        return render(request, "identity/security.html", context)
    return render(request, "identity/security.html", context)


@login_required
@require_POST
def recovery_codes(request: HttpRequest) -> HttpResponse:
    """New recovery codes (the old ones stop working); needs this session at AAL2."""
    from .assurance import require_assurance

    step = require_assurance(request, aal="AAL2")
    if step is not None:
        return step
    codes = totp.regenerate_recovery_codes(request.user)
    return render(
        request,
        "identity/security.html",
        {"assurance": assurance_of(request.user, request), "has_totp": True, "codes": codes},
    )


@login_required
def proofing(request: HttpRequest) -> HttpResponse:
    """Raise the identity level: check against the civil registry now, or visit a counter."""
    user: User = request.user
    wanted = request.GET.get("ial") or request.POST.get("ial") or ""
    next_url = _next(request, default="")
    form = RegistryCheckForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            proofing_ = proof_against_registry(
                user,
                birth_date=form.cleaned_data["birth_date"],
                house_registration_no=form.cleaned_data["house_registration_no"],
            )
        except PrachaError as exc:
            form.add_error(None, render_message(exc.code, **exc.params))
        else:
            messages.success(
                request,
                _("Your identity is confirmed at level %(level)s.") % {"level": proofing_.level},
            )
            return redirect(next_url or "identity:security")
    return render(
        request,
        "identity/proofing.html",
        {
            "form": form,
            "assurance": assurance_of(user, request),
            "wanted": wanted if wanted in dict(IAL.choices) else "",
            "counter_needed": wanted == IAL.IAL2_3,
            "has_id": bool(user.person and user.person.id_number),
            "next": next_url,
        },
        status=400 if form.errors else 200,
    )


@login_required
@assurance_required(aal="AAL2")
def activity(request: HttpRequest) -> HttpResponse:
    """The account's sign-ins through Digital ID and its identity checks: sensitive, so AAL2."""
    sign_ins = (
        SignInContext.objects.filter(user=request.user)
        .order_by("-created_at")
        .values("created_at", "ial", "aal", "amr")[:20]
    )
    proofings = Proofing.objects.filter(person=request.user.person)[:20] if request.user.person else []
    return render(request, "identity/activity.html", {"sign_ins": sign_ins, "proofings": proofings})
