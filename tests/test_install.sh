#!/usr/bin/env bash
# `cmake --install` of the build tree under test, into a scratch DESTDIR:
# exactly the expected files in their FHS places (binary, man page, desktop
# entry, icons, documentation), a desktop entry desktop-file-validate
# accepts, icons of the sizes their folders name, and a man page that man
# renders without warnings, with NAME/SYNOPSIS/DESCRIPTION and every
# subcommand of app/commands.def. Needs the whole build (the man page and
# icons are built by `cmake --build`, targets man and icons).
set -u
fail=0
check() { if ! eval "$2"; then echo "FAIL: $1"; fail=1; return 1; fi; echo "ok: $1"; }
for tool in cmake desktop-file-validate man od; do
  command -v $tool >/dev/null || { echo "FAIL: $tool is missing (bash scripts/deps.sh)"; exit 1; }
done
B=$SIGPLAY_BUILD_DIR S=$SIGPLAY_SOURCE_DIR
prefix=$(sed -n 's/^CMAKE_INSTALL_PREFIX:PATH=//p' "$B/CMakeCache.txt")
root=$SIGPLAY_TEST_TMP/install-root
rm -rf "$root"
DESTDIR=$root cmake --install "$B" >"$SIGPLAY_TEST_TMP/install.log" 2>&1; rc=$?
check "cmake --install exits 0" '[ $rc -eq 0 ]' || sed 's/^/  /' "$SIGPLAY_TEST_TMP/install.log"
P=$root$prefix

# ---- the file list ----------------------------------------------------------
{
  echo bin/sigplay
  echo share/man/man1/sigplay.1
  echo share/applications/sigplay.desktop
  echo share/icons/hicolor/scalable/apps/sigplay.svg
  for s in 16 32 48 64 128 256; do echo "share/icons/hicolor/${s}x$s/apps/sigplay.png"; done
  for f in README.md LICENSE NEWS.md; do echo "share/doc/sigplay/$f"; done
  (cd "$S" && for f in docs/*.md docs/*.png docs/batch/*; do [ -e "$f" ] && echo "share/doc/sigplay/$f"; done)
} | LC_ALL=C sort >"$SIGPLAY_TEST_TMP/install.expected"
(cd "$root" && find . ! -type d | sed 's|^\./||' | LC_ALL=C sort) >"$SIGPLAY_TEST_TMP/install.all"
sed "s|^|${prefix#/}/|" "$SIGPLAY_TEST_TMP/install.expected" >"$SIGPLAY_TEST_TMP/install.expected.full"
if ! diff -u "$SIGPLAY_TEST_TMP/install.expected.full" "$SIGPLAY_TEST_TMP/install.all" \
  >"$SIGPLAY_TEST_TMP/install.diff"; then
  echo "FAIL: installed files differ from the expected list (- missing, + unexpected):"
  sed -n '3,$p' "$SIGPLAY_TEST_TMP/install.diff" | grep '^[-+]' | sed 's/^/  /'
  fail=1
else
  echo "ok: installed exactly the $(wc -l <"$SIGPLAY_TEST_TMP/install.expected") expected files under $prefix"
fi

# ---- the binary, the docs ---------------------------------------------------
check "bin/sigplay is executable" '[ -x "$P/bin/sigplay" ]'
version=$("$SIGPLAY_BIN" --version)
check "installed sigplay --version is the build's ($version)" '[ "$("$P/bin/sigplay" --version)" = "$version" ]'
for f in README.md LICENSE NEWS.md; do
  check "doc $f is the source's" 'cmp -s "$S/$f" "$P/share/doc/sigplay/$f"'
done

# ---- the desktop entry and the icons ----------------------------------------
desktop=$P/share/applications/sigplay.desktop
desktop-file-validate "$desktop" >"$SIGPLAY_TEST_TMP/desktop.log" 2>&1; rc=$?
# hints (e.g. AudioVideo and Education are both main categories) are advice
check "desktop-file-validate accepts the desktop entry (no error, no warning)" \
  '[ $rc -eq 0 ] && ! grep -q "error:\|warning:" "$SIGPLAY_TEST_TMP/desktop.log"' \
  || sed 's/^/  /' "$SIGPLAY_TEST_TMP/desktop.log"
check "desktop entry runs sigplay on the file" 'grep -qx "Exec=sigplay %f" "$desktop"'
check "desktop entry names the installed icon" 'grep -qx "Icon=sigplay" "$desktop"'
check "desktop entry offers itself for JSON manifests" 'grep -q "^MimeType=.*application/json;" "$desktop"'
check "scalable icon is the source's SVG" 'cmp -s "$S/assets/icons/sigplay.svg" "$P/share/icons/hicolor/scalable/apps/sigplay.svg"'
png_size() { # "WIDTHxHEIGHT" from the IHDR chunk, after the PNG signature
  [ "$(od -An -tx1 -N8 "$1" | tr -d ' \n')" = 89504e470d0a1a0a ] || { echo "not-a-png"; return; }
  set -- $(od -An -tu1 -j16 -N8 "$1")
  echo "$(( ($1 << 24) | ($2 << 16) | ($3 << 8) | $4 ))x$(( ($5 << 24) | ($6 << 16) | ($7 << 8) | $8 ))"
}
for s in 16 32 48 64 128 256; do
  png=$P/share/icons/hicolor/${s}x$s/apps/sigplay.png
  [ -e "$png" ] || continue # reported by the file list
  got=$(png_size "$png")
  check "icon ${s}x$s is a ${s}x$s PNG (got $got)" '[ "$got" = "${s}x$s" ]'
done

# ---- the man page -------------------------------------------------------------
page=$P/share/man/man1/sigplay.1
if [ -e "$page" ]; then
  MANWIDTH=80 man --warnings -l "$page" >"$SIGPLAY_TEST_TMP/man.txt" 2>"$SIGPLAY_TEST_TMP/man.err"; rc=$?
  check "man -l renders the page" '[ $rc -eq 0 ] && [ -s "$SIGPLAY_TEST_TMP/man.txt" ]'
  check "man renders it without warnings" '[ ! -s "$SIGPLAY_TEST_TMP/man.err" ]' \
    || sed 's/^/  /' "$SIGPLAY_TEST_TMP/man.err"
  for sect in NAME SYNOPSIS DESCRIPTION; do
    check "man page has a $sect section" 'grep -qx "$sect" "$SIGPLAY_TEST_TMP/man.txt"'
  done
  check "NAME says what sigplay is" 'grep -A1 -x NAME "$SIGPLAY_TEST_TMP/man.txt" | grep -q "^ *sigplay - ."'
  check "SYNOPSIS gives the command line" \
    'grep -A1 -x SYNOPSIS "$SIGPLAY_TEST_TMP/man.txt" | grep -q "^ *sigplay COMMAND"'
  check "man page is of this version (${version#sigplay })" 'grep -qF "${version#sigplay }" "$SIGPLAY_TEST_TMP/man.txt"'
  commands=$(sed -n 's/^SP_COMMAND(\([a-z_]*\),.*/\1/p' "$S/app/commands.def")
  check "app/commands.def lists commands" '[ -n "$commands" ]'
  for c in $commands; do
    # the command's usage line starts a paragraph: "       probe SOURCE ..."
    check "man page names the $c command" 'grep -Eq "^ +$c( |\$)" "$SIGPLAY_TEST_TMP/man.txt"'
  done
fi
exit $fail
