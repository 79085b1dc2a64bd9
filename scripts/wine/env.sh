# Sourced: the Wine the rig uses (64-bit only), its private prefix and its quiet settings.
export WINEPREFIX="${WINEPREFIX:-$PWD/.cache/wine}"
export WINEDEBUG="${WINEDEBUG:--all}"
export WINEDLLOVERRIDES="${WINEDLLOVERRIDES:-mscoree,mshtml=}"  # no Mono or Gecko installer prompts
WINE=/usr/lib/wine/wine64
WINESERVER=/usr/lib/wine/wineserver
