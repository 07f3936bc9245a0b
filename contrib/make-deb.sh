#!/bin/sh
# make deb: build partscan's Debian package from this checkout with debhelper
# (dpkg-buildpackage -us -uc -b) in a copy under BUILD/deb, leave BUILD/partscan_VERSION_ARCH.deb
# and check it with lintian (every warning or error fails; overrides in
# contrib/debian/partscan.lintian-overrides say why each is there).
set -eu
BUILD=${1:-build}
TOP=$(pwd)
V=$(cat VERSION)
W="$TOP/$BUILD/deb"
SRC="$W/partscan-$V"
rm -rf "$W"
mkdir -p "$SRC"
# the files of the checkout (tracked, and new ones not ignored), without build outputs
git ls-files -co --exclude-standard | grep -v '^contrib/debian/' | tar -cf - -T - | tar -xf - -C "$SRC"
cp -r contrib/debian "$SRC/debian"
cat >"$SRC/debian/changelog" <<EOT
partscan ($V) unstable; urgency=medium

  * partscan $V, built from its source tree.

 -- partscan developers <dev@partscan.invalid>  $(date -R -d "@${SOURCE_DATE_EPOCH:-$(git log -1 --format=%ct 2>/dev/null || date +%s)}")
EOT
# (not the variables of a make that started this one: SAN=1 must not reach the package build)
(cd "$SRC" && env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL -u SAN -u BUILD -u WERROR \
	dpkg-buildpackage -us -uc -b) >"$W/build.log" 2>&1 || {
	tail -40 "$W/build.log" >&2
	echo "make deb: dpkg-buildpackage failed (log: $W/build.log)" >&2
	exit 1
}
DEB=$(ls "$W"/partscan_"$V"_*.deb)
mv "$DEB" "$BUILD/"
DEB="$BUILD/$(basename "$DEB")"
echo "make deb: $DEB"
if command -v lintian >/dev/null; then
	lintian --fail-on error,warning "$DEB" || {
		echo "make deb: lintian found problems" >&2
		exit 1
	}
	echo "make deb: lintian clean"
else
	echo "make deb: lintian not installed: not checked"
fi
