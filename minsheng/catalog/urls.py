from django.urls import path

from minsheng.catalog import views

app_name = "catalog"
urlpatterns = [
    path("", views.item_list, name="item_list"),
    path("<int:number>/", views.item_detail, name="item_detail"),
]
