// Placeholder: filled in by the Component work.
