#!/bin/sh
# Install what partscan needs to build and test, on Debian 12 or later, when it is missing.
# Run as root (CI does); as another user it only lists what is missing and fails.
set -eu

PKGS="build-essential pkg-config git clang-format
libglib2.0-dev libgmime-3.0-dev libjson-glib-dev libssl-dev libarchive-dev libgsf-1-dev libmilter-dev libsystemd-dev libmicrohttpd-dev check
libsqlite3-dev libpq-dev sqlite3 postgresql
zlib1g-dev libbz2-dev liblzma-dev
python3 python3-olefile python3-pefile python3-gi gir1.2-gmime-3.0 clamav-testfiles zip unzip p7zip-full xz-utils zstd ncompress plzip lz4 bzip2 cpio genisoimage cabextract
gpg poppler-utils uudeview macutils qpdf tnef openssl libemail-outlook-message-perl
miltertest swaks postfix prometheus curl
debhelper lintian m4
clang libclang-rt-14-dev valgrind"

missing=""
for p in $PKGS; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed"; then
		missing="$missing $p"
	fi
done
[ -z "$missing" ] && exit 0

if [ "$(id -u)" != 0 ]; then
	echo "partscan: missing packages:$missing" >&2
	echo "partscan: run 'make deps' as root, or: apt-get install$missing" >&2
	exit 1
fi

echo "partscan: installing:$missing"
export DEBIAN_FRONTEND=noninteractive
# Postfix is only a test peer here: install it unconfigured, the tests run a private instance.
echo "postfix postfix/main_mailer_type select No configuration" | debconf-set-selections
apt-get update -qq
apt-get install -y -qq --no-install-recommends $missing
