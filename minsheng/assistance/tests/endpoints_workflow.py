"""Permission-matrix registrations of the workflow pages."""
