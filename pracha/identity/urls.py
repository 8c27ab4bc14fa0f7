from django.urls import path

from . import views

app_name = "identity"

urlpatterns = [
    path("login/", views.sign_in, name="sign_in"),
    path("login/code/", views.sign_in_code, name="sign_in_code"),
    path("step-up/", views.step_up, name="step_up"),
    path("security/", views.security, name="security"),
    path("security/recovery-codes/", views.recovery_codes, name="recovery_codes"),
    path("security/activity/", views.activity, name="activity"),
    path("proofing/", views.proofing, name="proofing"),
]
