from django.urls import path

from tests.example_module import views

app_name = "example"
urlpatterns = [path("board/", views.board, name="board")]
