//! HTTP server of tradelane: web UI, JSON API, OpenAPI, auth.
