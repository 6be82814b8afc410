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


def test_readme_first_command_trains_on_the_samples():
    first = readme_commands()[0].strip()
    assert first == "pip install -e . && python -m nossl_nb.train", first


def test_shipped_checkpoint_is_small_fp16_and_loads():
    import torch
    from nossl_nb.model import load_network
    path = ROOT / "data_samples" / "nossl_samples.pt"
    assert path.stat().st_size <= 12 * 2**20, f"{path} is {path.stat().st_size / 2**20:.1f} MB (at most 12)"
    net, ck = load_network(path)
    assert ck["config"]["preset"] == "samples"
    assert {v.dtype for v in ck["model"].values() if v.is_floating_point()} == {torch.float16}
    assert "samples-mixed" in ck["eval"] and "s_per_iter" in ck["cost"]
