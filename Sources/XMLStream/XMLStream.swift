// Placeholder: filled in by the XMLStream work.
