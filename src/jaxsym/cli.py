"""The `jaxsym` command: summary, plot, predict, demo and im2rec.

Errors in what the user gave (missing or corrupt files, bad `--shape`) print one line on
stderr and exit with status 2; anything else is a bug and keeps its traceback.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence


def _shapes(items: Sequence[str]) -> dict[str, tuple[int, ...]]:
    shapes = {}
    for item in items:
        name, sep, dims = item.partition("=")
        if not sep:
            raise ValueError(f"--shape expects NAME=D1,D2,..., got {item!r}")
        try:
            shapes[name] = tuple(int(d) for d in dims.split(",") if d)
        except ValueError:
            raise ValueError(f"--shape {item!r}: dimensions must be integers") from None
    return shapes


_EXAMPLES = """examples:
  jaxsym demo                  # train LeNet on digits; files go to ./jaxsym-demo
  jaxsym summary lenet-symbol.json --shape data=1,1,8,8
  jaxsym plot lenet-symbol.json --shape data=1,1,8,8 -o lenet.svg
  jaxsym predict jaxsym-demo/lenet 12 --input batch.npy
  jaxsym im2rec data images/ --list --recursive   # data.lst: one label per folder
  jaxsym im2rec data images/ --resize 256          # data.rec + data.idx, as MXNet's im2rec
"""


def main(argv: Sequence[str] | None = None) -> int:
    """Run the `jaxsym` command line; returns the exit status."""
    from . import __version__
    parser = argparse.ArgumentParser(
        prog="jaxsym", description="Apache MXNet 1.x symbolic models on JAX.",
        epilog=_EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--version", action="version", version=f"jaxsym {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)
    shape_help = "an input's shape, batch axis first (repeat for several inputs)"
    p = sub.add_parser("summary", help="print the layer table of a -symbol.json file")
    p.add_argument("symbol_json", help="MXNet symbol file, e.g. resnet-18-symbol.json")
    p.add_argument("--shape", action="append", default=[], metavar="NAME=D1,D2,...",
                   help=shape_help + "; without it the table has no shapes or counts")
    p = sub.add_parser("plot", help="draw a -symbol.json file with graphviz (needs 'dot')")
    p.add_argument("symbol_json", help="MXNet symbol file, e.g. resnet-18-symbol.json")
    p.add_argument("--shape", action="append", default=[], metavar="NAME=D1,D2,...",
                   help=shape_help + "; the edges then carry the tensor shapes")
    p.add_argument("-o", "--output", default="network.svg",
                   help="output file; the extension picks the format (default network.svg)")
    p.add_argument("--fixed-size", action="store_true",
                   help="MXNet's fixed-size boxes (long labels overflow); default: boxes fit "
                        "their labels")
    p = sub.add_parser("predict", help="run a checkpoint on a .npy input, print top classes")
    p.add_argument("prefix", help="checkpoint prefix: reads PREFIX-symbol.json")
    p.add_argument("epoch", type=int, help="reads PREFIX-EPOCH.params (epoch as %%04d)")
    p.add_argument("--input", required=True, help=".npy file with a batch of inputs")
    p.add_argument("--top", type=int, default=5, help="classes to show per sample")
    p = sub.add_parser("demo", help="train, checkpoint, fine-tune and draw LeNet on digits")
    p.add_argument("--out", default="jaxsym-demo", help="folder for the files it writes")
    p.add_argument("--epochs", type=int, default=10, help="training epochs (default 10)")
    p.add_argument("--no-progress", action="store_true", help="hide the progress bar")
    from .tools import im2rec
    sub.add_parser("im2rec", parents=[im2rec.build_parser(add_help=False)],
                   help="MXNet's im2rec: list images, or pack a .lst into .rec/.idx",
                   description=im2rec.build_parser().description,
                   formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    args = parser.parse_args(argv)
    try:
        return _run(args)
    except Exception as err:  # one clear line, no traceback
        from .base import MXNetError
        if isinstance(err, (MXNetError, ValueError, OSError, ImportError, KeyError)):
            print(f"jaxsym {args.command}: error: {err}", file=sys.stderr)
            return 2
        raise


def _run(args: argparse.Namespace) -> int:
    import os

    import numpy as np

    import jaxsym as mx
    if args.command == "summary":
        mx.viz.print_summary(mx.sym.load(args.symbol_json), shape=_shapes(args.shape) or None)
    elif args.command == "plot":
        stem, ext = os.path.splitext(args.output)
        graph = mx.viz.plot_network(mx.sym.load(args.symbol_json),
                                    shape=_shapes(args.shape) or None,
                                    save_format=ext.lstrip(".") or "svg",
                                    node_attrs={} if args.fixed_size else {"fixedsize": "false"})
        print(graph.render(filename=stem, cleanup=True))
    elif args.command == "predict":
        if not os.path.exists(args.input):
            raise OSError(f"input file {args.input!r} does not exist")
        batch = np.load(args.input, allow_pickle=False).astype(np.float32)
        model = mx.model.FeedForward.load(args.prefix, args.epoch)
        probs = np.asarray(model.predict(batch))
        for i, row in enumerate(probs.reshape(probs.shape[0], -1)):
            top = np.argsort(-row)[: args.top]
            print(f"sample {i}: " + ", ".join(f"class {c} ({row[c]:.4f})" for c in top))
    elif args.command == "demo":
        from .demo import run
        result = run(args.out, args.epochs, progress=not args.no_progress)
        return 0 if result["accuracy"] >= 0.95 else 1
    elif args.command == "im2rec":
        from .tools import im2rec
        return im2rec.run(args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
