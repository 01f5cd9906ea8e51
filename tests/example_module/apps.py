from django.apps import AppConfig


class ExampleConfig(AppConfig):
    """A module that plugs in by its declaration alone (tests/test_modules.py): no other app names it."""

    name = "tests.example_module"
    label = "example"
