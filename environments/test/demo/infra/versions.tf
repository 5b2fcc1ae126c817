terraform {
  # Offline stand-in for the real root: the null provider only, local state
  # (no backend block) and no credentials. Same terraform floor as the real
  # root, so ephemeral variables behave the same way.
  required_version = ">= 1.11.0"

  required_providers {
    null = {
      source  = "hashicorp/null"
      version = "2.1.2"
    }
  }
}
