from django.contrib.auth import views as auth_views
from django.urls import path

from minsheng.accounts import views

app_name = "accounts"
urlpatterns = [
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("scope/", views.scope_select, name="scope_select"),
    path("password/", views.PasswordChangeView.as_view(), name="password_change"),
    path("reset/<uidb64>/<token>/", views.PasswordResetConfirmView.as_view(), name="password_reset_confirm"),
    path("sessions/", views.session_list, name="session_list"),
    path("sessions/end/", views.session_end, name="session_end"),
    path("users/", views.user_list, name="user_list"),
    path("users/new/", views.user_create, name="user_create"),
    path("users/<int:pk>/", views.user_detail, name="user_detail"),
    path("users/<int:pk>/roles/", views.role_add, name="role_add"),
    path("users/<int:pk>/roles/<int:assignment_pk>/remove/", views.role_remove, name="role_remove"),
    path("users/<int:pk>/active/", views.user_set_active, name="user_set_active"),
    path("users/<int:pk>/password-reset/", views.user_password_reset, name="user_password_reset"),
    path("users/<int:pk>/sessions/end/", views.user_sessions_end, name="user_sessions_end"),
    path("role-requests/<int:pk>/confirm/", views.role_request_confirm, name="role_request_confirm"),
    path("role-requests/<int:pk>/reject/", views.role_request_reject, name="role_request_reject"),
]
