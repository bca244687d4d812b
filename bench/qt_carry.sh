#!/usr/bin/env bash
# Pack this machine's Qt for the lent GPU machine, which has torch but no Qt and no way to install it:
# PySide6-Essentials (abi3, so it loads on that machine's Python 3.12 too), shiboken6, pyqtgraph, pytest-qt,
# the system libraries Qt loads, a font, and a setup script.  Writes .qtb/ (git-ignored through
# .git/info/exclude); carry it with the device tool (carry: [".qtb"]) and run bench/gpu_gui.sh there.
set -euo pipefail
SITE=$(python -c "import PySide6, os; print(os.path.dirname(os.path.dirname(PySide6.__file__)))")
B=$(mktemp -d); P=$SITE/PySide6; Q=$B/site/PySide6
mkdir -p "$Q/Qt/lib" "$Q/Qt/plugins/platforms" "$B/syslib" "$B/fonts"
cp -a "$SITE/shiboken6" "$SITE/pyqtgraph" "$SITE/pytestqt" "$SITE"/pytest_qt-*.dist-info "$B/site/"
cp -a "$P"/__init__.py "$P"/_config.py "$P"/_git_pyside_version.py "$P"/libpyside6*.so* "$Q/"
for m in Core Gui Widgets OpenGL OpenGLWidgets Svg DBus Test; do
  cp -a "$P/Qt$m.abi3.so" "$Q/"
  cp -a "$P/Qt/lib/libQt6$m.so"* "$Q/Qt/lib/"
done
cp -a "$P"/Qt/lib/libicu*.so* "$Q/Qt/lib/"
cp -a "$P/Qt/plugins/platforms/libqoffscreen.so" "$Q/Qt/plugins/platforms/"
cp -a "$P/Qt/plugins/imageformats" "$Q/Qt/plugins/"
# what those load from the system (ldd of QtWidgets and the offscreen plugin), less the C library itself
ldd "$P/QtWidgets.abi3.so" "$P/Qt/plugins/platforms/libqoffscreen.so" | awk '$3 ~ /^\/(usr\/)?lib/ {print $3}' | sort -u |
  grep -v -E '/(libc|libm|libdl|libpthread|librt|libstdc\+\+|libgcc_s)\.so' | xargs -I{} cp -L {} "$B/syslib/"
cp -L "$(fc-match -f '%{file}' 'DejaVu Sans')" "$B/fonts/"
find "$B" -name __pycache__ -prune -exec rm -rf {} +
rm -rf "$B/site/pyqtgraph/examples"
mkdir -p .qtb && tar -cJf .qtb/qtb.tar.xz -C "$B" . && rm -rf "$B"
cat > .qtb/setup.sh <<'SETUP'
# source me: unpack the carried Qt into /tmp/qtx and point Python, the loader and fontconfig at it
Q=/tmp/qtx; mkdir -p $Q && tar -xJf .qtb/qtb.tar.xz -C $Q
printf '<?xml version="1.0"?><fontconfig><dir>%s/fonts</dir><cachedir>%s/fccache</cachedir></fontconfig>\n' $Q $Q > $Q/fonts.conf
export PYTHONPATH=$PWD:$Q/site${PYTHONPATH:+:$PYTHONPATH} LD_LIBRARY_PATH=$Q/syslib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
export FONTCONFIG_FILE=$Q/fonts.conf QT_QPA_PLATFORM=offscreen
SETUP
grep -qx '/.qtb/' .git/info/exclude 2>/dev/null || echo '/.qtb/' >> .git/info/exclude
ls -la .qtb
