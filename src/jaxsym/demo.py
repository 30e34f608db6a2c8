"""`jaxsym demo`: the user's memo, end to end, on scikit-learn's handwritten digits.

Trains a LeNet-style network written with `mx.sym` through `FeedForward` (Speedometer,
progress bar, do_checkpoint), reloads the checkpoint with `FeedForward.load`, fine-tunes a
copy with one renamed layer through `mx.init.Load(..., default_init=Xavier)`, reads a hidden
layer with `get_internals()`, scores a held-out split, and writes the layer table and a
picture of the network.
"""

from __future__ import annotations

import contextlib
import io
import logging
import os
import time
from typing import Any

import numpy as np

import jaxsym as mx

BATCH_SIZE = 32


def lenet(num_classes: int = 10, fc_name: str = "fc2") -> Any:
    """A LeNet-style network for 1x8x8 digits; `fc_name` names the classifier layer."""
    data = mx.sym.Variable("data")
    net = mx.sym.Convolution(data, kernel=(3, 3), pad=(1, 1), num_filter=16, name="conv1")
    net = mx.sym.Activation(net, act_type="relu", name="relu1")
    net = mx.sym.Pooling(net, kernel=(2, 2), stride=(2, 2), pool_type="max", name="pool1")
    net = mx.sym.Convolution(net, kernel=(3, 3), pad=(1, 1), num_filter=32, name="conv2")
    net = mx.sym.Activation(net, act_type="relu", name="relu2")
    net = mx.sym.Pooling(net, kernel=(2, 2), stride=(2, 2), pool_type="max", name="pool2")
    net = mx.sym.Flatten(net, name="flatten")
    net = mx.sym.FullyConnected(net, num_hidden=64, name="fc1")
    net = mx.sym.Activation(net, act_type="relu", name="relu3")
    net = mx.sym.FullyConnected(net, num_hidden=num_classes, name=fc_name)
    return mx.sym.SoftmaxOutput(net, name="softmax")


def load_digits() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """scikit-learn's 1797 digits as (N, 1, 8, 8) floats in [0, 1]: 80% train, 20% held out."""
    try:
        from sklearn.datasets import load_digits as sk_digits
    except ImportError as err:
        raise mx.MXNetError("the demo needs scikit-learn's digits dataset: "
                            "pip install 'jaxsym[demo]'") from err
    digits = sk_digits()
    images = (digits.images / 16.0).astype(np.float32)[:, None, :, :]
    labels = digits.target.astype(np.float32)
    order = np.random.RandomState(0).permutation(len(labels))
    images, labels = images[order], labels[order]
    split = int(0.8 * len(labels))
    return images[:split], labels[:split], images[split:], labels[split:]


def _xavier() -> Any:
    return mx.init.Xavier(rnd_type="gaussian", factor_type="in", magnitude=2)


def _accuracy(model: Any, x: np.ndarray, y: np.ndarray) -> float:
    return float(np.mean(model.predict(x).argmax(axis=1) == y))


def _logs_above_progress_bar(progress: bool) -> contextlib.AbstractContextManager[Any]:
    """Route log lines through tqdm so that they print above the live bar, not into it."""
    if not progress:
        return contextlib.nullcontext()
    from tqdm.contrib.logging import logging_redirect_tqdm
    return logging_redirect_tqdm()


def run(out_dir: str = "jaxsym-demo", epochs: int = 10, progress: bool = True,
        tune_epochs: int = 3) -> dict[str, Any]:
    """Run the demo, writing files under `out_dir`.

    Returns:
        {"accuracy": held-out accuracy of the reloaded checkpoint,
         "tuned_accuracy": held-out accuracy after fine-tuning, "files": paths written}.
    """
    start = time.time()
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    logging.getLogger("jax").setLevel(logging.WARNING)  # JAX's backend probing is noise here
    os.makedirs(out_dir, exist_ok=True)
    mx.random.seed(42)  # initializers
    np.random.seed(42)  # NDArrayIter's shuffling, as in MXNet
    x_train, y_train, x_test, y_test = load_digits()
    print(f"digits: {len(y_train)} training and {len(y_test)} held-out 8x8 images")
    net = lenet()
    prefix = os.path.join(out_dir, "lenet")
    files = []

    # Memo 18 (print_summary), kept beside the checkpoint.
    table = io.StringIO()
    with contextlib.redirect_stdout(table):
        mx.viz.print_summary(net, shape={"data": (1, 1, 8, 8)})
    print(table.getvalue(), end="")
    files.append(f"{prefix}-summary.txt")
    with open(files[-1], "w") as fh:
        fh.write(table.getvalue())

    # Memo 1, 12, 13: optimizer by name (rescale_grad = 1/batch), MXNet's callbacks.
    model = mx.model.FeedForward(net, num_epoch=epochs, optimizer="sgd", learning_rate=0.05,
                                 momentum=0.9, wd=1e-4, numpy_batch_size=BATCH_SIZE,
                                 initializer=_xavier())
    with _logs_above_progress_bar(progress):
        model.fit(x_train, y_train, eval_data=(x_test, y_test),
                  batch_end_callback=mx.callback.Speedometer(BATCH_SIZE, 20),
                  epoch_end_callback=mx.callback.do_checkpoint(prefix, period=epochs),
                  progress=progress)
    files += [f"{prefix}-symbol.json", f"{prefix}-{epochs:04d}.params"]

    # Memo 11: reload the checkpoint; parameters are matched by name.
    reloaded = mx.model.FeedForward.load(prefix, epochs, numpy_batch_size=BATCH_SIZE)
    accuracy = _accuracy(reloaded, x_test, y_test)
    print(f"reloaded {files[-1]}: held-out accuracy {accuracy:.4f}")

    # Memo 14: fine-tune a copy whose classifier is renamed ("fc2" -> "fc_new"): Load fills
    # the parameters found in the file, Xavier initialises the renamed layer.
    tuned_net = lenet(fc_name="fc_new")
    tuned = mx.model.FeedForward(
        tuned_net, num_epoch=tune_epochs, numpy_batch_size=BATCH_SIZE,
        optimizer=mx.optimizer.SGD(momentum=0.9, learning_rate=0.05,
                                   rescale_grad=1.0 / BATCH_SIZE),
        initializer=mx.init.Load(files[-1], default_init=_xavier()))
    tuned.fit(x_train, y_train)
    tuned_prefix = os.path.join(out_dir, "lenet-tuned")
    tuned.save(tuned_prefix)  # memo 15: FeedForward.save, epoch = num_epoch
    files += [f"{tuned_prefix}-symbol.json", f"{tuned_prefix}-{tune_epochs:04d}.params"]
    tuned_accuracy = _accuracy(tuned, x_test, y_test)
    print(f"fine-tuned with a renamed classifier: held-out accuracy {tuned_accuracy:.4f}")

    # Memo 10/16: any layer's output through get_internals().
    hidden = tuned_net.get_internals()["fc1_output"]
    features = mx.model.FeedForward(hidden, arg_params=tuned.arg_params,
                                    aux_params=tuned.aux_params, allow_extra_params=True,
                                    numpy_batch_size=BATCH_SIZE).predict(x_test)
    print(f"hidden layer fc1_output for the held-out set: shape {features.shape}")

    # Memo 18: draw the network with shapes on the edges (boxes sized to their labels).
    graph = mx.viz.plot_network(net, shape={"data": (BATCH_SIZE, 1, 8, 8)}, save_format="svg",
                                node_attrs={"fixedsize": "false"})
    try:
        files.append(graph.render(filename=prefix, cleanup=True))
    except mx.MXNetError as err:
        files.append(f"{prefix}.gv")
        with open(files[-1], "w") as fh:
            fh.write(graph.source)
        print(f"note: {err}; wrote the graph source instead")

    print(f"held-out accuracy: {accuracy:.4f} (fine-tuned {tuned_accuracy:.4f}), "
          f"{time.time() - start:.1f} s")
    print("files written:")
    for path in files:
        print(f"  {os.path.abspath(path)}")
    return {"accuracy": accuracy, "tuned_accuracy": tuned_accuracy, "files": files}
