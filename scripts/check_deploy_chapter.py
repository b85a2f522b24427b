#!/usr/bin/env python3
"""The SAM commands the deploy chapter (docs/src/platform/build-and-deploy.md) and the README
show, checked offline against the installed SAM CLI:

- order: every `sam deploy` comes after a `sam build` that wrote what it deploys;
- templates: `sam build` builds infra/template.yaml; `sam deploy` deploys the template that
  build wrote (`.aws-sam/build/template.yaml` under the directory it ran in), never the source,
  whose `CodeUri` folders are the crates' sources (SAM CLI issues 3616 and 2702), and reads
  infra/samconfig.toml (SAM looks for it beside the template it is given);
- flags: every option the commands use is one `sam <command> --help` lists;
- the real CLI: each `sam deploy` shown runs with `--debug` in a scratch copy of infra/ that
  holds a built template, offline (every AWS endpoint is 127.0.0.1:9, stdin is closed, so
  `--guided` stops at its first question), and must report that template and that file;
- and it can fail: the sequence the README showed before (`sam deploy --guided -t
  infra/template.yaml` after `sam build -t infra/template.yaml`, from the root) must be refused
  by the rules and, run for real, resolve the source template.

Each ```sh block runs from the repository root; `cd` moves within its block.
usage: python3 scripts/check_deploy_chapter.py     (`sam` on PATH: scripts/python-tools.sh)
"""

import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PAGES = ["docs/src/platform/build-and-deploy.md", "README.md"]
REQUIRED = PAGES[0]
TEMPLATE = "infra/template.yaml"
CONFIG = "infra/samconfig.toml"
BUILT = ".aws-sam/build/template.yaml"
TEMPLATE_FLAGS = {"-t", "--template", "--template-file"}
SEPARATORS = {"&&", "||", ";", "|", "&"}
FORMER_README = [
    (".", ["sam", "build", "-t", "infra/template.yaml"]),
    (".", ["sam", "deploy", "--guided", "-t", "infra/template.yaml"]),
]


def commands(markdown):
    """(cwd, argv) of every command in the ```sh blocks, in order; cwd relative to the root."""
    found = []
    for block in re.findall(r"^```sh\n(.*?)^```", markdown, re.M | re.S):
        cwd = "."
        for line in block.replace("\\\n", " ").splitlines():
            lexer = shlex.shlex(line, posix=True, punctuation_chars=";&|")
            lexer.whitespace_split, lexer.commenters = True, "#"
            argv = []
            for token in list(lexer) + [";"]:
                if token not in SEPARATORS:
                    argv.append(token)
                    continue
                while argv and re.fullmatch(r"[A-Z_][A-Z0-9_]*=.*", argv[0]):
                    argv.pop(0)  # VAR=value before the command
                if argv[:1] == ["cd"] and len(argv) == 2:
                    cwd = os.path.normpath(os.path.join(cwd, argv[1]))
                elif argv:
                    found.append((cwd, argv))
                argv = []
    return found


def option(argv, names):
    """The value of the first option among `names` (`-t X`, `--template-file=X`), else None."""
    for i, token in enumerate(argv):
        name, eq, value = token.partition("=")
        if name in names:
            return value if eq else (argv[i + 1] if i + 1 < len(argv) else "")
    return None


def expand(path, cwd):
    return path.replace("$PWD", str(cwd)).replace("${PWD}", str(cwd))


def rules(sequence):
    """What is wrong with a sequence of (cwd, argv), by the SAM CLI's documented resolution."""
    problems, built = [], set()
    for cwd, argv in sequence:
        if argv[:1] != ["sam"] or len(argv) < 2:
            continue
        where = f"`{shlex.join(argv)}` (from {cwd}/)"
        given = option(argv, TEMPLATE_FLAGS)
        template = os.path.normpath(os.path.join(cwd, given or "template.yaml"))
        if argv[1] == "build":
            if template != TEMPLATE:
                problems.append(f"{where} builds {template}, not {TEMPLATE}")
            build_dir = option(argv, {"-b", "--build-dir"}) or ".aws-sam/build"
            built.add(os.path.normpath(os.path.join(cwd, build_dir, "template.yaml")))
        elif argv[1] == "deploy":
            if given is None and os.path.normpath(os.path.join(cwd, BUILT)) in built:
                template = os.path.normpath(os.path.join(cwd, BUILT))
            if template not in built:
                problems.append(f"{where} deploys {template}, which no earlier `sam build` wrote")
            config_dir = os.path.dirname(os.path.normpath(os.path.join(cwd, given or "template.yaml")))
            config = expand(option(argv, {"--config-file"}) or "samconfig.toml", ROOT / cwd)
            config = os.path.relpath(os.path.join(ROOT / config_dir, config), ROOT)
            if config != CONFIG:
                problems.append(f"{where} reads {config}, not {CONFIG}")
    return problems


def sam_env(app_dir):
    """Offline: AWS calls go to a closed loopback port; no telemetry, no version check."""
    (app_dir / "metadata.json").write_text(
        f'{{"telemetryEnabled": false, "lastVersionCheck": {time.time()}}}\n'
    )
    env = dict(os.environ)
    for name in [n for n in env if n.startswith("AWS_")]:
        del env[name]
    env.update(
        AWS_ENDPOINT_URL="http://127.0.0.1:9", AWS_REGION="us-east-1",
        AWS_DEFAULT_REGION="us-east-1", AWS_ACCESS_KEY_ID="offline",
        AWS_SECRET_ACCESS_KEY="offline", AWS_EC2_METADATA_DISABLED="true",
        AWS_MAX_ATTEMPTS="1", SAM_CLI_TELEMETRY="0", __SAM_CLI_APP_DIR=str(app_dir),
    )
    return env


def flags(subcommand, env, cache={}):
    """The options `sam <subcommand> --help` lists."""
    if subcommand not in cache:
        out = subprocess.run(["sam", subcommand, "--help"], env=env, capture_output=True,
                             text=True, check=True).stdout
        cache[subcommand] = set(re.findall(r"(?<![\w-])(--?[A-Za-z][\w-]*)", out))
    return cache[subcommand]


def unknown_flags(sequence, env):
    problems = []
    for cwd, argv in sequence:
        if argv[:1] == ["sam"] and len(argv) > 1:
            known = flags(argv[1], env)
            problems += [f"`{shlex.join(argv)}`: `sam {argv[1]}` has no option {token.split('=')[0]}"
                         for token in argv[2:] if token.startswith("-")
                         and token.split("=")[0] not in known]
    return problems


def resolved(sequence, env):
    """(argv, template, config) the real CLI reports for each `sam deploy`, in a scratch tree
    where every `sam build` of the sequence has written a built template."""
    results = []
    with tempfile.TemporaryDirectory() as scratch:
        scratch = Path(scratch)
        (scratch / "infra").mkdir()
        for path in (TEMPLATE, CONFIG):
            shutil.copy(ROOT / path, scratch / path)
        for cwd, argv in sequence:
            if argv[:2] == ["sam", "build"]:
                build_dir = option(argv, {"-b", "--build-dir"}) or ".aws-sam/build"
                out = scratch / cwd / build_dir
                out.mkdir(parents=True, exist_ok=True)
                shutil.copy(ROOT / TEMPLATE, out / "template.yaml")
        for cwd, argv in sequence:
            if argv[:2] != ["sam", "deploy"]:
                continue
            # `--debug` first: click handles options in command-line order, and the template
            # is logged when its option is handled.
            run = argv[:2] + ["--debug"] + [expand(a, scratch / cwd) for a in argv[2:]]
            log = subprocess.run(run, cwd=scratch / cwd, env=env, stdin=subprocess.DEVNULL,
                                 capture_output=True, text=True, timeout=120).stderr
            template = re.search(r"Using SAM Template at (\S+)", log)
            config = re.search(r"in config file at '([^']+)'", log)
            rel = lambda m: m and os.path.relpath(m.group(1), scratch)
            results.append((argv, rel(template), rel(config)))
    return results


def cli_problems(sequence, env):
    problems = []
    for argv, template, config in resolved(sequence, env):
        if not template or not template.endswith(BUILT):
            problems.append(f"`{shlex.join(argv)}`: the SAM CLI deploys {template}")
        if config != CONFIG:
            problems.append(f"`{shlex.join(argv)}`: the SAM CLI reads {config or 'no samconfig.toml'}")
        if not problems:
            print(f"ok      `{shlex.join(argv)}`: {template}, {config}")
    return problems


def main():
    with tempfile.TemporaryDirectory() as app_dir:
        env = sam_env(Path(app_dir))
        failed = []
        for page in PAGES:
            path = ROOT / page
            if not path.exists():
                failed += [f"{page} is missing"] if page == REQUIRED else []
                continue
            sequence = commands(path.read_text())
            sam = [c for c in sequence if c[1][:1] == ["sam"]]
            deploys = [c for c in sam if c[1][1:2] == ["deploy"]]
            if page == REQUIRED and not deploys:
                failed.append(f"{page} shows no `sam deploy`")
            print(f"{page}: {len(sam)} sam command(s)")
            problems = rules(sequence) + unknown_flags(sequence, env) + cli_problems(sequence, env)
            failed += [f"{page}: {p}" for p in problems]
        # The check must be able to fail: the former README sequence is refused both ways.
        by_rules, by_cli = rules(FORMER_README), cli_problems(FORMER_README, env)
        former = by_rules + by_cli
        if not (by_rules and by_cli):
            failed.append("the former README sequence passed: the check cannot fail")
        else:
            print(f"refused the former README sequence: {'; '.join(former)}")
    for problem in failed:
        print(f"FAIL    {problem}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
