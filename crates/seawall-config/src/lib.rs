//! Configuration checks: Dockerfile, image config, compose, Kubernetes, Docker daemon, network graph.
