#!/usr/bin/env bash
# The README's test command: installs what the tests need (Debian packages when missing: LibreOffice, CJK
# fonts, poppler; the Python test extras), then runs pytest. "No tests collected" (exit 5) is a failure.
# Extra arguments go to pytest, e.g. `bash scripts/test.sh tests/core -q`.
set -euo pipefail
cd "$(dirname "$0")/.."

# Debian packages the tests use: LibreOffice Calc opens the macro workbook as a second reader of its VBA
# (tests/workbook/test_xlsm.py); LibreOffice Writer converts reports to PDF (tests/report), CJK fonts
# and poppler are for rendering reports to PDF and PNG. In the PDF the report's 仿宋/宋体 become Noto Serif
# CJK, its 黑体 Noto Sans CJK and its 楷体 AR PL UKai (fonts-arphic-ukai, an 8 MB Kai face). Carlito has
# Calibri's widths: LibreOffice sizes the workbook's columns by it, as Excel by Calibri, when printing the
# workbook to PDF (tests/workbook/test_print_layout.py).
# Only what is missing is installed, so a second run does nothing.
DEBIAN_PACKAGES=(libreoffice-calc-nogui libreoffice-writer-nogui fonts-noto-cjk fonts-arphic-ukai fonts-crosextra-carlito
                 poppler-utils)
missing=()
for package in "${DEBIAN_PACKAGES[@]}"; do
    state=$(dpkg-query -W -f='${Status}' "$package" 2>/dev/null || true)
    [ "$state" = "install ok installed" ] || missing+=("$package")
done
if [ "${#missing[@]}" -gt 0 ]; then
    if ! command -v apt-get >/dev/null 2>&1; then
        echo "CI: cannot install ${missing[*]} (no apt-get); the tests that need them will fail." >&2
    else
        sudo=""
        [ "$(id -u)" -eq 0 ] || sudo="sudo"
        echo "CI: installing ${missing[*]}" >&2
        $sudo env DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null
        $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
    fi
fi

python -m pip install --quiet --disable-pip-version-check --root-user-action=ignore -e ".[test]"

set +e
python -m pytest "$@"
status=$?
set -e
if [ "$status" -eq 5 ]; then
    echo "CI: pytest collected no tests; failing." >&2
    exit 1
fi
exit "$status"
