from django.urls import path

from . import views

app_name = "portal"

urlpatterns = [
    path("", views.home, name="home"),
    path("login/", views.sign_in, name="login"),
    path("login/callback/", views.oidc_callback, name="oidc_callback"),
    path("logout/", views.LogoutView.as_view(), name="logout"),
    path("register/", views.register, name="register"),
    path("my/", views.my_page, name="my"),
    path("workbench/", views.workbench, name="workbench"),
]
