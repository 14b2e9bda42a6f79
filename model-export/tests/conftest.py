"""Session fixtures: each bundle is exported once per test session (export + golden ~3 s)."""

from __future__ import annotations

import json
import shutil

import pytest
import torch

from embsum.model import load_checkpoint
from embsum_export.cli import main as cli_main
from export_fixtures import RANDOM_VERSION, VERSION, export_trained, short_summary_model


@pytest.fixture(autouse=True)
def one_torch_thread():
    """Tiny models are faster without intra-op threads on a shared 2-core box."""
    n = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(n)


@pytest.fixture(scope="session")
def checkpoint(tmp_path_factory):
    torch.set_num_threads(1)
    path = tmp_path_factory.mktemp("ckpt") / "tiny.pt"
    short_summary_model().save_checkpoint(path, step=45)
    return path


@pytest.fixture(scope="session")
def model(checkpoint):
    return load_checkpoint(checkpoint).model.eval()


@pytest.fixture(scope="session")
def training_json(tmp_path_factory):
    path = tmp_path_factory.mktemp("meta") / "training.json"
    path.write_text(
        json.dumps(
            {
                "note": "test model: decoder trained 45 steps on the 8 golden users' "
                "title-prefix summaries",
                "users": 8,
            }
        )
    )
    return path


@pytest.fixture(scope="session")
def bundle(checkpoint, training_json, tmp_path_factory):
    """The trained-tiny bundle, exported through the CLI (checkpoint path)."""
    torch.set_num_threads(1)
    out = tmp_path_factory.mktemp("bundles")
    assert export_trained(checkpoint, training_json, out) == 0
    return out / VERSION


@pytest.fixture(scope="session")
def random_tar(tmp_path_factory):
    """An untrained tiny bundle as .tar.gz, exported through the CLI (--random-init path)."""
    torch.set_num_threads(1)
    out = tmp_path_factory.mktemp("random")
    rc = cli_main(
        [
            "export",
            "--random-init",
            "tiny",
            "--seed",
            "3",
            "--m",
            "2",
            "--n",
            "2",
            "--max-summary-tokens",
            "6",
            "--out",
            str(out),
            "--model-version",
            RANDOM_VERSION,
            "--tar",
            "--threads",
            "1",
        ]
    )
    assert rc == 0
    return out / f"{RANDOM_VERSION}.tar.gz"


@pytest.fixture(scope="session")
def manifest(bundle):
    return json.loads((bundle / "manifest.json").read_text())


@pytest.fixture(scope="session")
def golden(bundle):
    index = json.loads((bundle / "golden/index.json").read_text())
    docs = {"golden/index.json": index}
    for rel in index["files"].values():
        docs[rel] = json.loads((bundle / rel).read_text())
    return docs


@pytest.fixture(scope="session")
def rt(bundle):
    from embsum_export.runtime import OnnxEmbSum

    return OnnxEmbSum(bundle, threads=1)


@pytest.fixture
def bundle_copy(bundle, tmp_path):
    """A private copy to tamper with."""
    dst = tmp_path / VERSION
    shutil.copytree(bundle, dst)
    return dst
