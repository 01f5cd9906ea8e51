"""Permission-matrix registrations of the temporary pages."""
