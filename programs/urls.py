"""The programs app's pages: each slice brings its own URLs."""

from django.urls import include, path

urlpatterns = [
    path("", include("programs.strategies.urls")),
]
