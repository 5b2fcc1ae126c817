# Superset configuration for one customer, mounted by apps/superset/kubernetes.
# Everything environment- or customer-specific arrives through environment
# variables, so this file is identical for every customer; secrets come from
# Kubernetes secrets and never appear in the ConfigMap.
import os
from urllib.parse import quote_plus

# Mandatory and unique per customer: the well-known default key allowed
# session forgery (CVE-2023-27524). Rotating it requires
# `superset re-encrypt-secrets` because saved connection passwords are
# encrypted with it.
SECRET_KEY = os.environ["SUPERSET_SECRET_KEY"]

SQLALCHEMY_DATABASE_URI = "postgresql+psycopg2://{user}:{password}@{host}:{port}/{name}?sslmode=require".format(
    user=quote_plus(os.environ["DATABASE_USER"]),
    password=quote_plus(os.environ["DATABASE_PASSWORD"]),
    host=os.environ["DATABASE_HOST"],
    port=os.environ["DATABASE_PORT"],
    name=os.environ["DATABASE_DB"],
)
# Azure closes idle connections after a few minutes; recycle before that.
SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True, "pool_recycle": 300}

_redis_url = os.environ.get("REDIS_URL")
if _redis_url:
    _cache = {"CACHE_TYPE": "RedisCache", "CACHE_REDIS_URL": _redis_url}
    RATELIMIT_STORAGE_URI = _redis_url
else:
    # Per-process cache: correct, but not shared between workers and replicas.
    _cache = {"CACHE_TYPE": "SimpleCache"}

CACHE_CONFIG = {**_cache, "CACHE_DEFAULT_TIMEOUT": 300, "CACHE_KEY_PREFIX": "superset_"}
DATA_CACHE_CONFIG = {**_cache, "CACHE_DEFAULT_TIMEOUT": 3600, "CACHE_KEY_PREFIX": "superset_data_"}
FILTER_STATE_CACHE_CONFIG = {**_cache, "CACHE_DEFAULT_TIMEOUT": 86400, "CACHE_KEY_PREFIX": "superset_filter_"}
EXPLORE_FORM_DATA_CACHE_CONFIG = {**_cache, "CACHE_DEFAULT_TIMEOUT": 86400, "CACHE_KEY_PREFIX": "superset_explore_"}

# Behind the cluster ingress: trust X-Forwarded-* for scheme and host.
ENABLE_PROXY_FIX = True
_https = os.environ.get("SUPERSET_HTTPS", "true") == "true"
SESSION_COOKIE_SECURE = _https
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
TALISMAN_ENABLED = _https
WTF_CSRF_ENABLED = True

# Tenants may only query their own Trino catalog: no SQLite or other local
# file connections from the UI.
PREVENT_UNSAFE_DB_CONNECTIONS = True

SUPERSET_WEBSERVER_TIMEOUT = 300
SQLLAB_TIMEOUT = 300
