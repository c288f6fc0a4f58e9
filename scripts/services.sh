#!/usr/bin/env bash
# Makes sure what the stack and the tests need is installed and running on this machine: NATS with JetStream on
# 127.0.0.1:4222 and PostgreSQL on 127.0.0.1:5432. Starts each with the machine's own commands when it is down.
set -euo pipefail

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
wait_port() {
  for _ in $(seq 1 60); do port_open "$1" && return 0; sleep 0.5; done
  echo "services: $2 did not come up on port $1" >&2
  return 1
}
apt_install() {
  if [ "$(id -u)" != 0 ]; then echo "services: $* missing; install it (as root: apt-get install $*)" >&2; exit 1; fi
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

# nats-server is needed even when NATS runs elsewhere: fault tests start private servers.
command -v nats-server >/dev/null || apt_install nats-server
if ! port_open 4222; then
  echo "services: starting NATS (JetStream)"
  mkdir -p /var/lib/nats-server
  start-stop-daemon --start --oknodo --background --exec "$(command -v nats-server)" -- \
    -a 127.0.0.1 -p 4222 -js -sd /var/lib/nats-server -l /var/log/nats-server.log
  wait_port 4222 NATS
fi

if ! port_open 5432; then
  command -v pg_ctlcluster >/dev/null || apt_install postgresql
  echo "services: starting PostgreSQL"
  pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | sort -V | tail -n 1)" main start
  wait_port 5432 PostgreSQL
fi
echo "services: NATS on 127.0.0.1:4222 and PostgreSQL on 127.0.0.1:5432 are up"
