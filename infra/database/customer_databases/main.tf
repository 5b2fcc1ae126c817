# The passwords are handed to the app roots through this root's sensitive
# outputs (the orchestrator passes them as secret environment variables), so
# they must persist between runs and live in random_password. The roles still
# use password_wo: the postgresql provider then neither stores a second copy
# nor reads the password back, and password_version makes rotation explicit.
resource "random_password" "this" {
  for_each = var.databases

  length = 40
  # Unreserved URI characters only: the password is embedded in a JDBC URL
  # (Hive) and an SQLAlchemy URL (Superset) without escaping surprises.
  special          = true
  override_special = "-_.~"
  min_lower        = 2
  min_upper        = 2
  min_numeric      = 2

  keepers = {
    version = var.password_version
  }
}

resource "postgresql_role" "this" {
  for_each = var.databases

  name             = each.value.role
  login            = true
  connection_limit = each.value.connection_limit

  password_wo         = random_password.this[each.key].result
  password_wo_version = var.password_version

  # Least privilege: application roles own their database and nothing else.
  superuser       = false
  create_database = false
  create_role     = false
  inherit         = true
  replication     = false
}

resource "postgresql_database" "this" {
  for_each = var.databases

  name = each.value.database
  # On PostgreSQL 15+ the public schema belongs to pg_database_owner and is no
  # longer writable by PUBLIC: making the application role the database owner
  # is what lets schematool / superset db upgrade create their tables.
  owner             = postgresql_role.this[each.key].name
  encoding          = "UTF8"
  lc_collate        = var.lc_collate
  lc_ctype          = var.lc_collate
  template          = "template0"
  connection_limit  = -1
  allow_connections = true
}

# Tenants share one server: PUBLIC's default CONNECT privilege would let any
# customer's role open any other customer's database.
resource "postgresql_grant" "revoke_public_connect" {
  for_each = var.databases

  database    = postgresql_database.this[each.key].name
  role        = "public"
  object_type = "database"
  privileges  = []
}
