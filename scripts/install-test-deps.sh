#!/usr/bin/env bash
# Installs the system packages the test tiers need, without any prompt: a real Postfix (left
# unconfigured: tests run their own throwaway instances), openssl, swaks, Debian's Chromium, and the
# compiler and libraries that build the release matrix from ../shared/postfix-src (scripts/build-postfix-matrix.ts),
# and Dovecot (its LMTP and auth services are the far side of the dovecot-over-tcp recipe's proof),
# unbound and ldnsutils (a local DNSSEC-signed zone and validating resolver for the DANE proofs).
set -euo pipefail

packages=(postfix postfix-doc openssl swaks chromium ca-certificates xz-utils
  build-essential m4 libssl-dev libdb-dev liblmdb-dev libsasl2-dev
  dovecot-core dovecot-lmtpd unbound ldnsutils)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "test dependencies already installed: ${packages[*]}"
  exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
# "No configuration" keeps the package from writing /etc/postfix/main.cf or starting a system MTA.
echo "postfix postfix/main_mailer_type select No configuration" | $SUDO debconf-set-selections
$SUDO apt-get update -qq
$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}"
# Tests run their own throwaway Dovecot and unbound; on a host with systemd, do not leave the packages'
# system services running (unbound would otherwise answer DNS on localhost for the whole machine).
if [ -d /run/systemd/system ]; then
  for unit in dovecot.service unbound.service unbound-resolvconf.service; do
    $SUDO systemctl disable --now "$unit" >/dev/null 2>&1 || true
  done
fi
