terraform {
  # No providers: this module only computes names, so every root (and the
  # customer templates) can derive the same names without a remote lookup.
  required_version = ">= 1.11.0"
}
