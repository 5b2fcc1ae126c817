locals {
  environment = var.environment

  # Same checksum idea as apps/trino/kubernetes: any catalog change yields a
  # new value (and would roll the pods).
  catalogs_checksum = sha256(jsonencode({
    catalogs    = var.catalogs
    credentials = var.catalog_credentials_revision
  }))
}

resource "null_resource" "catalog" {
  for_each = var.catalogs

  triggers = {
    metastore_uri           = each.value.metastore_uri
    storage_account         = each.value.storage_account
    credentials_secret_name = each.value.credentials_secret_name
  }
}

# The shared deployment is updated in place when a catalog, the image or the
# worker count changes (the real root rolls its pods, it does not replace
# them): terraform_data's `input` is updated in place, where a null_resource's
# triggers would force a replacement.
resource "terraform_data" "trino" {
  input = {
    image             = var.trino_image
    workers           = tostring(var.workers)
    catalogs_checksum = local.catalogs_checksum
  }
}
