#!/usr/bin/env sh
# Runs `seawall monitor` as a container. It needs the Docker socket (read-only bind, still powerful:
# treat this container as part of the host's trusted computing base) and the host PID namespace to read
# /proc/<pid> of other containers' processes. Everything else is locked down.
#   docker build -t seawall:local -f deploy/docker/Dockerfile .   (or any image with /usr/local/bin/seawall)
exec docker run -d --name seawall-monitor \
  --pid host \
  --read-only --cap-drop ALL --cap-add SYS_PTRACE --cap-add DAC_READ_SEARCH \
  --security-opt no-new-privileges:true \
  --memory 256m --cpus 0.5 --pids-limit 64 \
  --restart on-failure:5 \
  -v /var/run/docker.sock:/var/run/docker.sock:ro \
  -p 127.0.0.1:9797:9797 \
  --health-cmd 'seawall --version' \
  "${SEAWALL_IMAGE:-seawall:local}" monitor --listen 0.0.0.0:9797 "$@"
