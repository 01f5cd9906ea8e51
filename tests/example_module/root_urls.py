"""The project's URLs built again with the example module installed (the real root is built once at start-up)."""

from minsheng.urls import build_urlpatterns, handler403, handler404, handler500

urlpatterns = build_urlpatterns()
__all__ = ["handler403", "handler404", "handler500", "urlpatterns"]
