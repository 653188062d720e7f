#!/bin/sh
# fetch-npm-package.sh NAME VERSION INTEGRITY DEST: downloads one package tarball from the npm
# registry, checks it against the registry's sha512 integrity, and unpacks it into DEST.
set -eu
name="$1" version="$2" integrity="$3" dest="$4"
registry="${NPM_REGISTRY:-https://registry.npmjs.org}"
tgz="$(mktemp)"
curl -fsSL --retry 3 -o "$tgz" "$registry/$name/-/$name-$version.tgz"
want="$(printf '%s' "${integrity#sha512-}" | base64 -d | od -An -vtx1 | tr -d ' \n')"
got="$(sha512sum "$tgz" | cut -d' ' -f1)"
if [ "$want" != "$got" ]; then
  echo "fetch-npm-package: $name@$version does not match its integrity" >&2
  exit 1
fi
mkdir -p "$dest"
tar -xzf "$tgz" -C "$dest" --strip-components=1 --no-same-owner
rm -f "$tgz"
