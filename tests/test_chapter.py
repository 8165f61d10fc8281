import json

import numpy as np
import pytest
import torch

from samutils import Chapter, checks
from samutils.chapter import ParameterError


def test_parameters_are_validated_by_name(tmp_path):
    with pytest.raises(ParameterError, match="'scale'.*allowed values: ci, paper"):
        Chapter("01_x", scale="huge", seed=0, outdir=tmp_path)
    with pytest.raises(ParameterError, match="'seed'"):
        Chapter("01_x", scale="ci", seed=-1, outdir=tmp_path)
    ch = Chapter("01_x", scale="ci", seed=0, outdir=tmp_path)
    with pytest.raises(ParameterError, match="'steps' is 'many'; expected int"):
        ch.pick("steps", "many", ci=1, paper=2)
    with pytest.raises(ParameterError, match="'rhos'"):
        ch.pick("rhos", 0.1, ci=[0.1], paper=[0.1, 0.2])
    assert ch.pick("eta", 1, ci=0.1, paper=0.01) == 1
    for bad, allowed in ((-5, "> 0"), (0, "> 0")):
        with pytest.raises(
            ParameterError, match=f"'trials' is {bad}; allowed values: numbers {allowed}"
        ):
            ch.pick("trials", bad, ci=100, paper=8000)
    with pytest.raises(ParameterError, match="'every' is -1; allowed values: numbers >= 0"):
        ch.pick("every", -1, ci=0, paper=10)
    assert (
        ch.pick("every", 0, ci=0, paper=10) == 0
        and ch.pick("shift", -1.0, ci=0.5, paper=-0.5) == -1.0
    )
    with pytest.raises(ParameterError, match="'rhos' is \\[\\]; allowed values: a non-empty list"):
        ch.pick("rhos", [], ci=[0.1], paper=[0.1, 0.2])
    with pytest.raises(ParameterError, match="'rhos'.*numbers >= 0"):
        ch.pick("rhos", [0.1, -0.2], ci=[0.0], paper=[0.0, 0.2])
    with pytest.raises(ParameterError, match="'rhos'.*a list of numbers"):
        ch.pick("rhos", [0.1, "x"], ci=[0.1], paper=[0.1, 0.2])
    assert ch.pick("rhos", (0.5,), ci=[0.1], paper=[0.1, 0.2]) == (0.5,)


def test_pick_setup_and_write(tmp_path):
    ch = Chapter("01_x", scale="ci", seed=3, outdir=tmp_path)
    assert torch.get_default_dtype() == torch.float64
    assert torch.tensor(1e-310) * 1 == 0  # subnormals flushed
    assert torch.get_num_threads() == 1
    assert ch.pick("n", None, ci=1, paper=2) == 1 and ch.pick("n", 5, ci=1, paper=2) == 5
    a = torch.rand(2, generator=ch.generator(1))
    assert torch.equal(a, torch.rand(2, generator=ch.generator(1)))
    rec = ch.claim(
        "K-X1", "summary", printed=[checks.close("c", 1, 1, 0)], source="Theorem 0", setting="paper"
    )
    assert rec["verdict"] == "reproduced"
    ch.value("K-X1", {"t": torch.tensor([1.0, 2.0]), "n": np.float64(0.5), "k": (1, 2)})
    data = json.loads(ch.write().read_text())
    assert data["claims"]["K-X1"]["verdict"] == "reproduced"
    assert data["values"]["K-X1"] == {"t": [1.0, 2.0], "n": 0.5, "k": [1, 2]}
    assert data["scale"] == "ci" and data["seed"] == 3


def test_savefig_writes_png_and_reproducible_svg(tmp_path):
    import matplotlib.pyplot as plt

    ch = Chapter("01_x", scale="ci", seed=0, outdir=tmp_path)
    svgs = []
    for _ in range(2):
        fig, ax = plt.subplots()
        ax.plot([0, 1], [1, 0])
        ch.savefig(fig, "line")
        svgs.append((tmp_path / "figures" / "01_x" / "line.svg").read_bytes())
    assert sorted(p.name for p in (tmp_path / "figures" / "01_x").iterdir()) == [
        "line.png",
        "line.svg",
    ]
    assert svgs[0] == svgs[1]


def test_table():
    md = Chapter.table([{"rho": 0.1234, "|x|": 1}, {"rho": 0.5, "|x|": "a|b"}], {"rho": ".2f"}).data
    assert md.splitlines() == ["| rho | \\|x\\| |", "|---|---|", "| 0.12 | 1 |", "| 0.50 | a\\|b |"]


def test_glue_serves_text_and_markdown_roles(tmp_path, monkeypatch):
    import myst_nb
    from IPython.core.formatters import DisplayFormatter

    glued = {}
    monkeypatch.setattr(
        myst_nb, "glue", lambda name, value, display: glued.update({name: (value, display)})
    )
    Chapter("01_x", scale="ci", seed=0, outdir=tmp_path).glue(
        sentence="SAM stops at *the saddle*.", eta=0.01
    )
    bundle, _ = DisplayFormatter().format(glued["sentence"][0])
    assert bundle["text/plain"] == bundle["text/markdown"] == "SAM stops at *the saddle*."
    assert glued["eta"] == (0.01, False) and glued["sentence"][1] is False
