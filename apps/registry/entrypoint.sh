#!/bin/sh
# The login of the private registry, made at start: htpasswd takes only bcrypt.
set -eu
if [ -n "${AUTH_USER:-}" ]; then
  htpasswd -Bbn "$AUTH_USER" "$AUTH_PASSWORD" > /etc/docker/registry/htpasswd
fi
exec /usr/bin/docker-registry serve "/etc/docker/registry/${REGISTRY_CONFIG:-config.yml}"
