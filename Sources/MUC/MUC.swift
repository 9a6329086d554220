// Placeholder: filled in by the MUC work.
