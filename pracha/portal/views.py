"""The portal shell: public home, sign-in and registration, the citizen's page and the officer's workbench."""

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from pracha.core.errors import PrachaError, render_message
from pracha.identity import services as identity

from . import dashboards
from .forms import RegisterForm, SignInForm


class LoginView(auth_views.LoginView):
    template_name = "portal/login.html"
    authentication_form = SignInForm
    redirect_authenticated_user = True


class LogoutView(auth_views.LogoutView):
    pass


def home(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("portal:workbench" if request.user.is_officer else "portal:my")
    return render(request, "portal/home.html", {"stats": dashboards.public_figures()})


def register(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("portal:my")
    form = RegisterForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            user = identity.register_person_account(
                id_number=data["id_number"],
                name_th=data["name_th"],
                name_en=data["name_en"],
                phone=data["phone"],
                email=data["email"],
                password=data["password"],
                preferred_language=request.LANGUAGE_CODE,
            )
        except PrachaError as exc:
            for field, code in exc.fields.items():
                form.add_error(field if field in form.fields else None, render_message(code) if code else "")
            if not exc.fields:
                form.add_error(None, render_message(exc.code, **exc.params))
        else:
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            messages.success(request, _("Your account is ready. Welcome to Pracha."))
            return redirect("portal:my")
    return render(request, "portal/register.html", {"form": form}, status=400 if form.errors else 200)


@login_required
def my_page(request: HttpRequest) -> HttpResponse:
    return render(request, "portal/my.html", dashboards.citizen_home(request.user))


@login_required
def workbench(request: HttpRequest) -> HttpResponse:
    if not request.user.is_officer:
        return redirect("portal:my")
    return render(request, "portal/workbench.html", dashboards.officer_home(request.user))


def _error(request: HttpRequest, status: int) -> HttpResponse:
    return render(request, "portal/error.html", {"status": status}, status=status)


def error_400(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _error(request, 400)


def error_403(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _error(request, 403)


def error_404(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _error(request, 404)


def error_500(request: HttpRequest) -> HttpResponse:
    return _error(request, 500)
