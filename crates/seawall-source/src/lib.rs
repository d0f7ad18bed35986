//! Image sources: docker-archive, OCI layout and archive, the local Docker Engine, and OCI registries.
