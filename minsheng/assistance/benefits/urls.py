"""URLs of the benefits pages and a benefit's notice (included by assistance/urls.py)."""

from django.urls import URLPattern, path

from minsheng.assistance.benefits import views

urlpatterns: list[URLPattern] = [
    path("benefits/", views.benefit_list, name="benefit_list"),
    path("benefits/reviews/", views.reviews_due, name="reviews_due"),
    path("benefits/<int:pk>/", views.benefit_detail, name="benefit_detail"),
    path("benefits/<int:pk>/review/", views.benefit_review, name="benefit_review"),
    path("benefits/<int:pk>/recompute/", views.benefit_recompute, name="benefit_recompute"),
    path("benefits/<int:pk>/reduce/", views.benefit_reduce, name="benefit_reduce"),
    path("benefits/<int:pk>/taper/", views.benefit_taper, name="benefit_taper"),
    path("benefits/<int:pk>/stop/", views.benefit_stop, name="benefit_stop"),
    path("benefits/<int:pk>/notice.pdf", views.benefit_notice, name="benefit_notice"),
]
