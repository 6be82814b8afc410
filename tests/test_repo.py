"""The repository keeps its promises: the README's test command is what CI runs, and the layout is as documented."""
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def readme_commands():
    return re.findall(r"```bash\n(.*?)```", (ROOT / "README.md").read_text(), re.S)


def test_ci_runs_the_readme_test_command():
    test_cmd = [c.strip() for c in readme_commands() if "pytest" in c]
    assert test_cmd, "the README must show the test command"
    assert test_cmd[0].splitlines()[-1] in (ROOT / ".ci" / "run").read_text()


def test_top_level_layout():
    for p in ["nbs", "nossl_nb", "data_samples", "tests", "benchmarks", "settings.ini", "setup.py", "README.md", ".ci/run"]:
        assert (ROOT / p).exists(), p


def test_every_module_has_its_notebook():
    nbs = {p.stem for p in (ROOT / "nbs").glob("*.ipynb")}
    for mod in (ROOT / "nossl_nb").glob("*.py"):
        if mod.stem.startswith("_"): continue
        head = mod.read_text().split("\n", 5)
        src = [l for l in head if "File to edit" in l]
        assert src, f"{mod.name} is not exported from a notebook"
        assert Path(src[0].split("File to edit: ")[1].rstrip(".").strip()).stem in nbs, mod.name
