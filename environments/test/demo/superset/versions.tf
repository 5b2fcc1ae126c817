terraform {
  # Offline stand-in for the real root: the null provider only, local state,
  # runnable with old terraform releases and no credentials.
  required_version = ">= 1.0.0"

  required_providers {
    null = {
      source  = "hashicorp/null"
      version = "2.1.2"
    }
  }
}
