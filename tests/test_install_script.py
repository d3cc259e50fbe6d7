"""scripts/install.sh, run against a stand-in Python whose pip only logs what it is asked; and the
Makefile and Dockerfile, which must both build their venv with that one script."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "scripts" / "install.sh"
CPU_INDEX = "https://download.pytorch.org/whl/cpu"


def fake_python(tmp_path: Path, version: str) -> tuple[Path, Path]:
    """A `python` that reports `version` and whose `-m venv DIR` makes a DIR/bin/pip that appends
    its arguments, one call a line, to the returned log."""
    log = tmp_path / "pip.log"
    pip = f'#!/usr/bin/env bash\nprintf "%s\\n" "$*" >> "{log}"\n'
    stub = tmp_path / "python"
    stub.write_text(
        "#!/usr/bin/env bash\n"
        'case "$1" in\n'
        f'  -c) echo "{version}" ;;\n'
        f'  -m) [ "$2" = venv ] && mkdir -p "$3/bin" && printf %s \'{pip}\' > "$3/bin/pip"'
        ' && chmod +x "$3/bin/pip" ;;\n'
        "  *) exit 9 ;;\n"
        "esac\n"
    )
    stub.chmod(0o755)
    return stub, log


def install(
    tmp_path: Path, *args: str, version: str = "3.11", torch_index: str | None = None
) -> tuple[subprocess.CompletedProcess[str], list[list[str]]]:
    python, log = fake_python(tmp_path, version)
    env = {k: v for k, v in os.environ.items() if k not in ("TORCH_INDEX_URL", "PYTHON")}
    env["PYTHON"] = str(python)
    if torch_index is not None:
        env["TORCH_INDEX_URL"] = torch_index
    done = subprocess.run(
        ["bash", str(SCRIPT), *args],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=30,
    )
    calls = [line.split() for line in log.read_text().splitlines()] if log.exists() else []
    return done, calls


def pyproject() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))


def test_dev_install_puts_pinned_torch_first_then_the_project_editable_with_dev_tools(
    tmp_path: Path,
) -> None:
    done, calls = install(tmp_path, "venv", "--dev")

    assert done.returncode == 0, done.stderr
    assert len(calls) == 2
    torch_call, project_call = calls
    torch_pin = next(d for d in pyproject()["project"]["dependencies"] if d.startswith("torch"))
    assert torch_call[0] == "install" and torch_call[-1] == torch_pin == "torch==2.13.0"
    assert "--index-url" not in torch_call
    assert project_call[0] == "install" and project_call[-2:] == ["-e", ".[dev]"]
    # VENV_DIR is relative to where the script was started, not to the checkout
    assert (tmp_path / "venv" / "bin" / "pip").is_file()


def test_torch_index_url_is_used_for_torch_only_and_no_editable_copies_the_project(
    tmp_path: Path,
) -> None:
    done, calls = install(
        tmp_path, str(tmp_path / "opt-venv"), "--no-editable", torch_index=CPU_INDEX
    )

    assert done.returncode == 0, done.stderr
    torch_call, project_call = calls
    assert torch_call[-3:] == ["--index-url", CPU_INDEX, "torch==2.13.0"]
    assert "--index-url" not in project_call and "-e" not in project_call
    assert project_call[-1] == "."


@pytest.mark.parametrize(
    ("torch_index", "torch_from"),
    [(None, "from PyPI"), (CPU_INDEX, f"from {CPU_INDEX} (CPU only, ~200 MB)")],
)
def test_each_step_prints_one_line_as_it_starts_and_the_end_its_time(
    tmp_path: Path, torch_index: str | None, torch_from: str
) -> None:
    done, calls = install(tmp_path, "venv", "--dev", torch_index=torch_index)

    assert done.returncode == 0 and done.stderr == ""
    lines = done.stdout.splitlines()
    assert len(lines) == 4 and all(line.startswith("install.sh: ") for line in lines)
    created, torch, project, end = lines
    assert f"creating the virtualenv {tmp_path / 'venv'} (Python 3.11)" in created
    assert f"[1/2] installing torch 2.13.0 {torch_from}" in torch
    if torch_index is None:  # the way to the small CPU wheel is named where it matters
        assert f"TORCH_INDEX_URL={CPU_INDEX}" in torch
    assert "[2/2] installing the project and its dependencies" in project
    assert "test and lint tools" in project
    assert re.fullmatch(rf"install\.sh: done in \d+ s: {re.escape(str(tmp_path / 'venv'))}", end)
    assert len(calls) == 2  # pip itself stays quiet
    assert all("--quiet" in call for call in calls)


def test_an_old_python_is_refused_in_one_line_before_anything_is_installed(
    tmp_path: Path,
) -> None:
    done, calls = install(tmp_path, "venv", "--dev", version="3.10")

    assert done.returncode == 2
    (line,) = done.stderr.strip().splitlines()
    assert "Python 3.11 or newer is needed" in line and "3.10" in line and "PYTHON" in line
    assert calls == [] and not (tmp_path / "venv").exists()


@pytest.mark.parametrize("args", [[], ["venv", "--editable-ish"], ["one", "two"]])
def test_bad_arguments_print_the_usage(tmp_path: Path, args: list[str]) -> None:
    done, calls = install(tmp_path, *args)

    assert done.returncode == 2
    assert done.stderr.startswith("usage: scripts/install.sh VENV_DIR")
    assert calls == []


# --- the two callers -----------------------------------------------------------------------


@pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")
def test_make_builds_the_venv_with_the_install_script_only() -> None:
    done = subprocess.run(
        ["make", "-n", "-B", "venv", "PYTHON=python3.12"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=30,
    )

    assert done.returncode == 0, done.stderr
    assert "PYTHON=python3.12 scripts/install.sh .venv --dev" in done.stdout.splitlines()
    assert os.access(SCRIPT, os.X_OK)  # make and the Dockerfile run it directly
    assert "pip" not in done.stdout


def dockerfile_stages() -> list[list[str]]:
    """The Dockerfile's instructions, continuation lines joined, grouped by stage (FROM)."""
    text = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    lines = [ln for ln in text.splitlines() if not ln.lstrip().startswith("#")]
    instructions = re.sub(r"\\\n\s*", " ", "\n".join(lines)).splitlines()
    stages: list[list[str]] = []
    for ins in filter(None, (i.strip() for i in instructions)):
        if ins.startswith("FROM "):
            stages.append([])
        if stages:
            stages[-1].append(ins)
    return stages


def stage(name: str) -> list[str]:
    return next(s for s in dockerfile_stages() if s[0].endswith(f" AS {name}"))


def test_the_docker_builder_installs_with_the_same_script_and_prepares_finbert() -> None:
    builder = stage("builder")
    runs = [i for i in builder if i.startswith("RUN ")]

    assert any(
        f"TORCH_INDEX_URL={CPU_INDEX} scripts/install.sh /opt/venv --no-editable" in r for r in runs
    )
    assert not any("pip install" in i for s in dockerfile_stages() for i in s)
    assert any("/opt/venv/bin/tradethehype model prepare" in r for r in runs)
    # everything pyproject.toml needs to build is copied in
    copied = " ".join(i for i in builder if i.startswith("COPY "))
    meta = pyproject()
    needed = [meta["project"]["readme"], "pyproject.toml", "scripts/install.sh"]
    needed += [p.rstrip("*") for p in meta["tool"]["setuptools"]["packages"]["find"]["include"]]
    assert all(f" {path}" in copied for path in needed), (needed, copied)


def test_the_image_runs_the_bot_as_a_non_root_user_with_a_health_check() -> None:
    final = dockerfile_stages()[-1]
    users = [i.split()[1] for i in final if i.startswith("USER ")]

    assert users and users[-1] not in ("root", "0")
    assert any(
        i.startswith("HEALTHCHECK ") and i.endswith("CMD tradethehype health || exit 1")
        for i in final
    )
    assert final[-1] == 'CMD ["tradethehype", "run"]'


def test_the_image_builds_matplotlibs_font_cache_for_the_bots_user() -> None:
    final = dockerfile_stages()[-1]
    env = [i for i in final if i.startswith("ENV ") and "MPLCONFIGDIR=/opt/mplconfig" in i]
    runs = [i for i in final if i.startswith("RUN ")]
    assert env and any(
        "import matplotlib.font_manager" in r and "chown -R tth:tth /opt/mplconfig" in r
        for r in runs
    )
    assert final.index(env[0]) < final.index(next(i for i in final if i.startswith("USER ")))


def test_the_hub_is_switched_off_only_when_finbert_is_in_the_image() -> None:
    assert dockerfile_stages()[-1][0] == "FROM model-${SKIP_MODEL}"
    built_in = " ".join(stage("model-0"))
    skipped = " ".join(stage("model-1"))

    assert "HF_HUB_OFFLINE=1" in built_in and "HF_HUB_OFFLINE" not in skipped
    assert (
        "TRADETHEHYPE_CACHE=/opt/models/onnx" in built_in and "HF_HOME=/opt/models/hf" in built_in
    )


def test_dockerignore_keeps_the_venv_and_local_secrets_out_of_the_build() -> None:
    patterns = (ROOT / ".dockerignore").read_text(encoding="utf-8").splitlines()

    assert ".venv" in patterns and ".git" in patterns
    assert "config.toml" in patterns and "**/*.db" in patterns
