// Placeholder: filled in by the FakeServer work.
