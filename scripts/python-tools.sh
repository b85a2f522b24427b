# Sourced by the scripts that use a Python tool: installs the versions pinned in
# scripts/requirements.txt when they are missing or the file changed. Nothing else is
# downloaded, and nothing goes into the system's Python.
#
#   source scripts/python-tools.sh
#   python_tools            # everything but checkov, into a virtual environment of its own,
#                           # whose bin/ is then first on PATH (python3, moto_server, sam, ...)
#   python_tools checkov    # checkov, into a second virtual environment; sets $CHECKOV
#
# Why virtual environments: distributions that follow PEP 668 (Debian 12, Ubuntu 23.04 and
# later) refuse `pip install` into the system interpreter, and the pins below must not change
# what else the machine runs. Why two: checkov pins boto3 exactly (1.35.x) and the SAM CLI pins
# another (1.43.x), so one environment cannot hold both. The stamps record which requirements
# file and which interpreter were installed, so a second call costs a hash, not a pip run.
#
# Both live under ${XDG_CACHE_HOME:-~/.cache}/secure-initiation/ (`python-tools/`, `checkov/`);
# deleting them is always safe. `python3 -m venv` needs Debian's `python3-venv` package where
# the interpreter is Debian's own: installed here with apt-get when missing and running as root.

_python_tools_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
_python_tools_file="$_python_tools_root/scripts/requirements.txt"
_python_tools_cache="${XDG_CACHE_HOME:-$HOME/.cache}/secure-initiation"
_python_tools_venv="$_python_tools_cache/python-tools"

_python_tools_log() { printf '\n==> %s\n' "$*" >&2; }

# The interpreter the environments are made from: the first `python3` on PATH that is not one
# of these environments' own (a second call runs with the first one's bin/ already on PATH).
_python_tools_base() {
  local path
  path="$(printf '%s' "$PATH" | tr ':' '\n' | grep -vxF "$_python_tools_venv/bin" | paste -sd: -)"
  PATH="$path" command -v python3
}

_python_tools_digest() {
  { sha256sum "$_python_tools_file"; "$1" -c 'import sys; print(sys.version)'; } |
    sha256sum | cut -c1-16
}

# Makes a virtual environment at $2 from interpreter $1, installing python3-venv first where
# the interpreter lacks ensurepip (Debian's python3 without it) and apt-get can be used.
_python_tools_venv_at() {
  local base="$1" venv="$2"
  if ! "$base" -c 'import ensurepip, venv' >/dev/null 2>&1; then
    if [[ "$(id -u)" == 0 ]] && command -v apt-get >/dev/null 2>&1; then
      _python_tools_log "installing python3-venv (apt-get)"
      apt-get update -qq
      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends python3-venv >/dev/null
    else
      echo "python_tools: $base cannot create a virtual environment: install python3-venv" >&2
      return 1
    fi
  fi
  rm -rf "$venv"
  "$base" -m venv "$venv"
}

python_tools() {
  local which="${1:-main}" base digest stamp venv
  base="$(_python_tools_base)" || {
    echo "python_tools: no python3 on PATH (Python 3.11 or later is needed: schemathesis 4 requires it)" >&2
    return 1
  }
  digest="$(_python_tools_digest "$base")"
  mkdir -p "$_python_tools_cache"
  case "$which" in
    main)
      venv="$_python_tools_venv"
      stamp="$venv/.installed.$digest"
      if [[ ! -f "$stamp" ]]; then
        _python_tools_log "installing the Python tools pinned in scripts/requirements.txt into $venv"
        _python_tools_venv_at "$base" "$venv" || return 1
        grep -v '^checkov==' "$_python_tools_file" >"$venv/requirements.txt"
        "$venv/bin/python" -m pip install --quiet --disable-pip-version-check \
          -r "$venv/requirements.txt" || return 1
        touch "$stamp"
      fi
      case ":$PATH:" in
        *":$venv/bin:"*) ;;
        *) export PATH="$venv/bin:$PATH" ;;
      esac
      # The tests find moto here when the variable is set, whatever PATH a runner passes on.
      export MOTO_SERVER="${MOTO_SERVER:-$venv/bin/moto_server}"
      ;;
    checkov)
      venv="$_python_tools_cache/checkov"
      stamp="$venv/.installed.$digest"
      if [[ ! -f "$stamp" ]]; then
        _python_tools_log "installing checkov (pinned in scripts/requirements.txt) into $venv"
        _python_tools_venv_at "$base" "$venv" || return 1
        "$venv/bin/python" -m pip install --quiet --disable-pip-version-check \
          "$(grep '^checkov==' "$_python_tools_file")" || return 1
        touch "$stamp"
      fi
      # Not on PATH: its python3 would shadow the main environment's, which holds the other tools.
      export CHECKOV="$venv/bin/checkov"
      ;;
    *)
      echo "python_tools: unknown set \`$which\` (main or checkov)" >&2
      return 2
      ;;
  esac
}
