// Placeholder: filled in by the Scansion work.
