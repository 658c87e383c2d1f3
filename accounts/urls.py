from django.contrib.auth import views as auth_views
from django.urls import path

from accounts import language_views, security_views, views

urlpatterns = [
    path("login/", views.RateLimitedLoginView.as_view(), name="login"),
    path("login/code/", security_views.login_otp, name="login-otp"),
    path("account/security/", security_views.two_factor_page, name="two-factor"),
    path(
        "account/security/recovery-codes/",
        security_views.two_factor_codes,
        name="two-factor-codes",
    ),
    path("account/preferences/", language_views.preferences, name="preferences"),
    path("language/", language_views.set_language, name="set-language"),
    path("account/password/", security_views.PasswordChangeView.as_view(), name="password-change"),
    path(
        "reset/<uidb64>/<token>/",
        security_views.PasswordResetConfirmView.as_view(),
        name="password-reset-confirm",
    ),
    path(
        "reset/done/",
        security_views.PasswordResetCompleteView.as_view(),
        name="password-reset-complete",
    ),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
]
