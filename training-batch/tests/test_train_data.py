"""The trainer's data wiring: embsum.data + embsum.teacher -> RunData (MIND sample), and the
empty-history filter."""

import pytest
import torch

from embsum.data.examples import HistorySource, NegativePool, TrainExample, TrainExamples
from embsum.model import TrainBatch
from embsum.text.paths import MIND_DIR
from embsum.train import TrainConfig
from embsum.train.data import KeyedSubset, build_run_data, examples_with_history
from embsum.train.distributed import DistEnv
from model_fixtures import one_torch_thread  # noqa: F401  (autouse fixture)

CPU1 = DistEnv(0, 1, 0, torch.device("cpu"))


def test_examples_without_known_history_are_left_out():
    hist = [HistorySource("u1", ("a", "b")), HistorySource("u2", ("zz",)), HistorySource("u3", ())]
    ex = TrainExamples(
        hist,
        [NegativePool(("n",))],
        [
            TrainExample(0, 2, "p", 0, "i0"),
            TrainExample(0, 0, "p", 0, "i1"),  # prefix 0: empty
            TrainExample(1, 1, "p", 0, "i2"),
            TrainExample(2, 0, "p", 0, "i3"),  # unknown / none
            TrainExample(0, 1, "p", 0, "i4"),
        ],
        neg_ratio=1,
    )
    assert examples_with_history(ex, {"a", "b", "p", "n"}) == [0, 4]

    class Keyed:
        def __getitem__(self, key):
            return key

    sub = KeyedSubset(Keyed(), [0, 4])
    assert (
        len(sub) == 2 and sub[(3, 1)] == (3, 4) and sub[1] == (0, 4)
    )  # negatives keyed by the original index


@pytest.mark.slow
@pytest.mark.skipif(not (MIND_DIR / "behaviors.tsv").is_file(), reason="MIND sample not present")
def test_mind_sample_wiring(tmp_path):
    cfg = TrainConfig(
        dataset="mind",
        model="tiny",
        batch_size=8,
        micro_batch_size=4,
        num_workers=0,
        teacher_cache=str(tmp_path / "teacher"),
        eval_batch_size=8,
        eval_max_impressions=20,
        max_summary_tokens=32,
        progress=False,
    )
    data = build_run_data(cfg, CPU1, 4)
    st = data.stats
    assert (
        st["train"] + st["train_skipped_empty_history"]
        == st["details"]["train_examples"]["examples"]
    )
    assert 0 < st["train_skipped_empty_history"] < 0.05 * st["train"]
    assert st["dev_evaluated"] == 20 and st["dev"] > 100 and st["test"] > 100
    per = data.teacher["per_split"]
    assert data.teacher["kind"] == "template" and data.teacher["users"] == sum(per.values())
    assert per["train"] > 5 * per["dev"] > 0 and per["test"] > 0  # 80/10/10 split by user
    assert len(data.train) == -(-st["train"] // 4)

    batch = next(data.train.batches(0))
    assert isinstance(batch, TrainBatch) and batch.cand_ids.shape[:2] == (4, 5)
    assert (batch.users.user_sessions >= 0).any(1).all()  # every row has a history
    labels = batch.summary_labels
    assert labels is not None and labels.shape[1] <= 32
    assert ((labels == 1).sum(1) == 1).all()  # one </s> per summary
    dev = list(data.dev)
    assert sum(len(b.impression_ids) for b in dev) == 20
    b0 = dev[0]
    assert b0.labels.shape == b0.cand_index.shape and (b0.labels.max(1).values == 1).all()
