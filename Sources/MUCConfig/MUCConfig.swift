// Placeholder: filled in by the MUCConfig work.
