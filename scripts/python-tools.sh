# Sourced by the scripts that use a Python tool: installs the versions pinned in
# scripts/requirements.txt when they are missing or the file changed. Nothing else is
# downloaded.
#
#   source scripts/python-tools.sh
#   python_tools            # everything but checkov, into the user's Python 3 (pip)
#   python_tools checkov    # checkov, into a virtual environment of its own; sets $CHECKOV
#
# Why two environments: checkov pins boto3 exactly (1.35.x) and the SAM CLI pins another
# (1.43.x), so one environment cannot hold both. The stamps record which requirements file was
# installed, so a second call costs a hash, not a pip run.

_python_tools_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
_python_tools_file="$_python_tools_root/scripts/requirements.txt"
_python_tools_cache="${XDG_CACHE_HOME:-$HOME/.cache}/secure-initiation"

_python_tools_log() { printf '\n==> %s\n' "$*" >&2; }

_python_tools_digest() {
  { sha256sum "$_python_tools_file"; command -v python3; } | sha256sum | cut -c1-16
}

python_tools() {
  local which="${1:-main}" digest stamp
  digest="$(_python_tools_digest)"
  mkdir -p "$_python_tools_cache"
  case "$which" in
    main)
      stamp="$_python_tools_cache/python-tools.$digest"
      if [[ ! -f "$stamp" ]]; then
        _python_tools_log "installing the Python tools pinned in scripts/requirements.txt"
        grep -v '^checkov==' "$_python_tools_file" >"$_python_tools_cache/requirements.main.txt"
        python3 -m pip install --quiet --disable-pip-version-check \
          -r "$_python_tools_cache/requirements.main.txt"
        touch "$stamp"
      fi
      ;;
    checkov)
      local venv="$_python_tools_cache/checkov"
      stamp="$venv/.installed.$digest"
      if [[ ! -f "$stamp" ]]; then
        _python_tools_log "installing checkov (pinned in scripts/requirements.txt) into $venv"
        rm -rf "$venv"
        python3 -m venv "$venv"
        "$venv/bin/python" -m pip install --quiet --disable-pip-version-check \
          "$(grep '^checkov==' "$_python_tools_file")"
        touch "$stamp"
      fi
      # Not on PATH: the venv's python3 would shadow the one the other tools live in.
      export CHECKOV="$venv/bin/checkov"
      ;;
    *)
      echo "python_tools: unknown set \`$which\` (main or checkov)" >&2
      return 2
      ;;
  esac
}
