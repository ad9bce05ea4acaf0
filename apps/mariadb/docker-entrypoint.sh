#!/bin/bash
# The official mysql image's contract, on MariaDB:
#   MYSQL_ROOT_PASSWORD (or MYSQL_ALLOW_EMPTY_PASSWORD), MYSQL_DATABASE,
#   MYSQL_USER + MYSQL_PASSWORD (a regular user; "root" is refused, as upstream)
#   arguments starting with "-" are passed to the server.
set -euo pipefail

if [ $# -eq 0 ] || [ "${1:0:1}" = "-" ]; then set -- mariadbd "$@"; fi
if [ "$1" != mariadbd ] && [ "$1" != mysqld ]; then exec "$@"; fi
shift

fail() { echo >&2 "error: $*"; exit 1; }
sql_string() { printf "'%s'" "${1//\'/\'\'}"; }

if [ "${MYSQL_USER:-}" = root ]; then
  fail 'MYSQL_USER="root", MYSQL_USER and MYSQL_PASSWORD are for configuring a regular user and cannot be used for the root user'
fi

if [ ! -d /var/lib/mysql/mysql ]; then
  if [ -z "${MYSQL_ROOT_PASSWORD:-}" ] && [ -z "${MYSQL_ALLOW_EMPTY_PASSWORD:-}" ]; then
    fail 'database is uninitialized and MYSQL_ROOT_PASSWORD is not set'
  fi
  echo "initializing the database in /var/lib/mysql"
  chown -R mysql:mysql /var/lib/mysql
  mariadb-install-db --user=mysql --datadir=/var/lib/mysql --skip-test-db --auth-root-authentication-method=normal > /dev/null
  socket=/run/mysqld/init.sock
  mariadbd --user=mysql --skip-networking --socket="$socket" "$@" &
  pid=$!
  for _ in $(seq 1 300); do
    mariadb-admin --socket="$socket" ping --silent 2> /dev/null && break
    kill -0 "$pid" 2> /dev/null || fail 'the server exited while initializing'
    sleep 0.1
  done
  password=$(sql_string "${MYSQL_ROOT_PASSWORD:-}")
  {
    echo "DELETE FROM mysql.global_priv WHERE User = 'root' AND Host NOT IN ('localhost', '%');"
    echo "ALTER USER 'root'@'localhost' IDENTIFIED BY $password;"
    echo "CREATE USER 'root'@'%' IDENTIFIED BY $password;"
    echo "GRANT ALL ON *.* TO 'root'@'%' WITH GRANT OPTION;"
    if [ -n "${MYSQL_DATABASE:-}" ]; then
      echo "CREATE DATABASE IF NOT EXISTS \`${MYSQL_DATABASE}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;"
    fi
    if [ -n "${MYSQL_USER:-}" ]; then
      echo "CREATE USER $(sql_string "$MYSQL_USER")@'%' IDENTIFIED BY $(sql_string "${MYSQL_PASSWORD:-}");"
      [ -n "${MYSQL_DATABASE:-}" ] && echo "GRANT ALL ON \`${MYSQL_DATABASE}\`.* TO $(sql_string "$MYSQL_USER")@'%';"
    fi
    echo "FLUSH PRIVILEGES;"
  } | mariadb --socket="$socket" -uroot
  kill "$pid"
  wait "$pid" || true
  echo "database initialized"
fi

# As the official image's conf.d/docker.cnf: no reverse DNS lookup of each
# client before the handshake (a pod behind no Service has no PTR record in
# the cluster, and the lookup would go to the node's resolver).
exec mariadbd --user=mysql --bind-address=0.0.0.0 --skip-name-resolve "$@"
