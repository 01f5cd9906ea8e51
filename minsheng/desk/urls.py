from django.urls import path

from minsheng.desk import views

app_name = "desk"
urlpatterns = [
    path("", views.todo, name="todo"),
    path("notices/read/", views.notices_read, name="notices_read"),
]
