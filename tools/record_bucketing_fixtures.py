"""Record MXNet 1.9.1's BucketingModule into tests/data/training/.

Run with the reference interpreter, from the repository root:

    MXNET_SUBGRAPH_BACKEND=NONE /tmp/mxref/bin/python tools/record_bucketing_fixtures.py

The network, data, weights and iterator come from tests/train/bucketing_scenario.py,
which the tests run unchanged under jaxsym. Writes:
- bucketing.json / bucketing.npz: the callback rows and final parameters of 2 epochs of
  `fit` over 3 buckets, the checkpoint's file names and bucket keys, the score after
  `BucketingModule.load`, and the step-by-step API (`manual`);
- mx_bucketing-*: the checkpoint MXNet wrote (params, one symbol per bucket, .buckets).
"""

from __future__ import annotations

import json
import logging
import os
import sys
import tempfile

import mxnet as mx
import numpy as np

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
OUT = os.path.join(ROOT, "tests", "data", "training")
sys.path.insert(0, os.path.join(ROOT, "tests", "train"))
import bucketing_scenario as bs
import training_scenarios as sc

CKPT = "mx_bucketing"


def main() -> None:
    logging.getLogger().setLevel(logging.ERROR)
    facts: dict = {}
    arrays: dict[str, np.ndarray] = {}
    rec = sc.Recorder()
    mod = bs.train(mx, rec)
    facts["run"] = rec.as_json()
    args, auxs = mod.get_params()
    arrays.update({f"final/{k}": v.asnumpy() for k, v in {**args, **auxs}.items()})
    arrays.update({f"epoch0/{k}": v for k, v in rec.epoch_params[0].items()})

    for old in os.listdir(OUT):
        if old.startswith(CKPT):
            os.remove(os.path.join(OUT, old))
    prefix = os.path.join(OUT, CKPT)
    mod.save_checkpoint(prefix, 2)
    facts["checkpoint_files"] = sorted(f for f in os.listdir(OUT) if f.startswith(CKPT))
    facts["bucket_keys"] = [int(k) for k in mx.nd.load(prefix + ".buckets")[0].asnumpy()]
    with tempfile.TemporaryDirectory() as tmp:
        # The same checkpoint under another prefix: what a jaxsym save must reproduce.
        mod.save_checkpoint(os.path.join(tmp, "b"), 7)
        facts["checkpoint_files_b7"] = sorted(os.listdir(tmp))

    loaded = mx.mod.BucketingModule.load(prefix, 2, bs.sym_gen(mx), bs.DEFAULT_KEY)
    loaded.bind([("data", (bs.BATCH, bs.DEFAULT_KEY))],
                [("softmax_label", (bs.BATCH, bs.DEFAULT_KEY))], for_training=False)
    facts["loaded_score"] = [[n, float(v)] for n, v in
                             loaded.score(bs.make_iter(mx, 2, 1), bs.metric(mx))]

    manual_facts, manual_arrays = bs.manual(mx)
    facts["manual"] = manual_facts
    arrays.update({f"manual/{k}": v for k, v in manual_arrays.items()})

    with open(os.path.join(OUT, "bucketing.json"), "w") as f:
        json.dump(facts, f, indent=1)
    np.savez_compressed(os.path.join(OUT, "bucketing.npz"), **arrays)
    print("wrote", sorted(facts), len(arrays), "arrays")


if __name__ == "__main__":
    main()
