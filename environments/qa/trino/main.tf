# The cluster itself is infra/stacks/trino; this root holds what is
# particular to qa: the backend, the providers, the guard and the defaults.
module "stack" {
  source = "../../../infra/stacks/trino"

  environment = var.environment
  prefix      = "anl"

  catalogs                     = var.catalogs
  catalog_credentials_revision = var.catalog_credentials_revision
  trino_image                  = var.trino_image
  workers                      = var.workers
}
