"""Permission-matrix registrations of the means pages."""
