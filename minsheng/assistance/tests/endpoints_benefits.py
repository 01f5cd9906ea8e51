"""Permission-matrix registrations of the benefits pages."""
