"""Command line: ``python -m gan_utils {train,sample,translate,evaluate,student-edition}``.

  train {mlp,dcgan,wgan,wgan-gp,cgan,pix2pix-superres,pix2pix-inpaint,cyclegan}
        (--epochs N | --minutes M | --iterations N) [--steps N] [--batch-size B] [--seed S]
        [--precision P] [--strategy {default,mirrored,multi-worker}] [--xla X] [--fused F] [--keep K] --out DIR
  sample MODEL.keras --n N [--seed S] [--labels D ... | --code K] [--truncation PSI] --out FILE.npz
  translate MODEL.keras IMAGES.npz --out FILE.npz   (a translator of 07_image_to_image.ipynb)
  evaluate SAMPLES.npz
  student-edition --out DIR [--notebooks DIR]   (gan_utils/teaching/student.py, TEACHING.md)

What ``train`` saves at the end is the steps object's ``export`` (a generator, or a translator); what ``sample``
and ``translate`` accept is read from the model file's kind (``core/kinds.py``), not its name.
Rerunning ``train`` with the same ``--out`` resumes from its last checkpoint. Bad input
gets a one-line message and exit code 2; a diverged run exits with code 3.
Introduced in the README; used in 02_dcgan.ipynb.
"""
import argparse
import json
import sys
from pathlib import Path

import numpy as np


def positive_int(text):
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}")
    if value <= 0:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {value}")
    return value


def positive_float(text):
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive number, got {text!r}")
    if not value > 0:
        raise argparse.ArgumentTypeError(f"expected a positive number, got {value}")
    return value


def digit(text):
    if text not in [str(d) for d in range(10)]:
        raise argparse.ArgumentTypeError(f"labels must be digits 0-9, got {text!r}")
    return int(text)


def build_parser():
    from gan_utils.core.models import GAN_BUILDERS
    from gan_utils.variants.translation import TRANSLATION_MODELS

    parser = argparse.ArgumentParser(prog="python -m gan_utils", description="Train, sample and evaluate the course's GANs.")
    commands = parser.add_subparsers(dest="command", required=True)
    train = commands.add_parser("train", help="train a GAN on MNIST (resumes if --out has checkpoints)")
    train.add_argument("model", choices=list(GAN_BUILDERS) + list(TRANSLATION_MODELS))
    train.add_argument("--epochs", type=positive_int, default=None, help="total epochs (a resumed run continues)")
    train.add_argument("--minutes", type=positive_float, default=None,
                       help="wall-clock budget of this call, in minutes (a resumed run gets a new budget)")
    train.add_argument("--iterations", type=positive_int, default=None, help="total generator iterations")
    train.add_argument("--steps", type=positive_int, default=None, help="cap discriminator steps per epoch")
    train.add_argument("--batch-size", type=positive_int, default=None, help="default: the model's recipe")
    train.add_argument("--checkpoint-minutes", type=positive_float, default=5.0,
                       help="also checkpoint every M minutes of training (besides epoch ends)")
    train.add_argument("--seed", type=int, default=0)
    train.add_argument("--out", type=Path, required=True, help="run folder: checkpoints, frames, GIF, history")
    train.add_argument("--precision", choices=["auto", "float32", "mixed_bfloat16", "mixed_float16"], default="auto")
    train.add_argument("--strategy", choices=["default", "mirrored", "multi-worker"], default="default",
                       help="one device (default), all local GPUs (mirrored), or several machines configured by "
                            "TF_CONFIG (multi-worker); --batch-size is then the global batch")
    train.add_argument("--xla", choices=["auto", "on", "off"], default="auto",
                       help="compile steps with XLA (auto: on with a GPU, off on CPUs where it is slower)")
    train.add_argument("--fused", choices=["on", "off"], default="on",
                       help="fused BatchNorm, dropout and Adam kernels of gan_utils.core.fast (same math, faster)")
    train.add_argument("--keep", type=positive_int, default=3, help="checkpoints to keep")
    train.add_argument("--no-determinism", action="store_true", help="allow faster, non-bit-reproducible ops")
    sample = commands.add_parser("sample", help="draw digits from a saved generator")
    sample.add_argument("model", type=Path)
    sample.add_argument("--n", type=positive_int, default=10000)
    sample.add_argument("--seed", type=int, default=0)
    sample.add_argument("--labels", type=digit, nargs="+", default=None,
                        help="digits for a conditional model (cycled to --n); default: n/10 of each")
    sample.add_argument("--code", type=int, default=None,
                        help="an InfoGAN's categorical code, 0-9 (notebook 09; default: random codes)")
    sample.add_argument("--truncation", type=float, default=None, metavar="PSI",
                        help="truncation ψ of a style-based generator (notebook 08): w' = w_avg + ψ·(w − w_avg); "
                             "default 1 (none), 0.7 is StyleGAN's typical choice")
    sample.add_argument("--out", type=Path, required=True)
    translate = commands.add_parser("translate", help="translate images with a saved translation model (07)")
    translate.add_argument("model", type=Path, help="e.g. data/pretrained/pix2pix_superres.keras")
    translate.add_argument("images", type=Path,
                           help="an .npz with `images`, uint8 (N, s, s) at the source's own size (7, 8 or 28)")
    translate.add_argument("--out", type=Path, required=True, help="an .npz with `images`, uint8 (N, 28, 28)")
    evaluate = commands.add_parser("evaluate", help="score samples with the course's classifier")
    evaluate.add_argument("samples", type=Path)
    student = commands.add_parser("student-edition",
                                  help="copy the notebooks with solution cells replaced by skeletons")
    student.add_argument("--out", type=Path, required=True, help="folder for the student copies")
    student.add_argument("--notebooks", type=Path, default=None, help="default: the course's notebooks/")
    return parser


def run_train(args):
    import gan_utils
    from gan_utils.core.callbacks import FrameSaver, ProgressBar
    from gan_utils.core.data import load_mnist
    from gan_utils.variants.recipes import make_trainer
    from gan_utils.core.sampling import save_generator

    from gan_utils.variants.recipes import RECIPES
    from gan_utils.core.config import relative

    if args.epochs is None and args.minutes is None and args.iterations is None:
        raise ValueError("give a budget: --epochs N (total), --minutes M or --iterations N (total).")
    strategy = gan_utils.choose_strategy(args.strategy)  # first: multi-worker must start before other TF work
    gan_utils.set_seed(args.seed, deterministic=not args.no_determinism)
    precision = gan_utils.choose_precision(args.precision)
    xla = gan_utils.choose_xla(args.xla)
    images, labels = load_mnist()
    batch_size = args.batch_size or RECIPES[args.model].batch_size
    if batch_size > len(images):
        raise ValueError(f"--batch-size {batch_size} is larger than the data ({len(images)} images).")
    trainer = make_trainer(args.model, out_dir=args.out, seed=args.seed, max_to_keep=args.keep, jit_compile=xla,
                           fused=args.fused == "on", strategy=strategy)
    out = trainer.out_dir  # args.out, or args.out/worker-i on a multi-worker run's other workers
    trainer.checkpoint_minutes = args.checkpoint_minutes
    done = int(trainer.epoch.numpy())
    budget = ", ".join(f"{name} {value}" for name, value in (("epochs", args.epochs), ("minutes", args.minutes),
                                                             ("iterations", args.iterations)) if value is not None)
    print(f"{args.model}: precision {precision}, XLA {'on' if xla else 'off'}, fused kernels {args.fused}, "
          f"batch {batch_size}, EMA {trainer.ema_decay or 'off'}, epochs {done} -> {args.epochs or '?'} "
          f"(budget: {budget}), run folder {relative(out)}"
          + (f", strategy {args.strategy} ({strategy.num_replicas_in_sync} replica{'s' if strategy.num_replicas_in_sync > 1 else ''})" if strategy is not None else ""),
          flush=True)
    trainer.fit(images, labels if trainer.steps.conditional else None, epochs=args.epochs, minutes=args.minutes,
                iterations=args.iterations, batch_size=batch_size, steps_per_epoch=args.steps,
                callbacks=[ProgressBar(), FrameSaver(out)])
    model, filename, note = trainer.steps.export(trainer)  # a generator, or a translator with its preprocessing
    path = save_generator(model, out / filename)
    print(f"saved {relative(path)}{note.format(path=relative(path))}, {relative(out / 'history.json')}, "
          f"{relative(out / 'training.gif')}")


def run_sample(args):
    from gan_utils.core.sampling import generate_digits, load_generator
    from gan_utils.variants.style import has_truncation, set_truncation

    generator = load_generator(args.model)
    truncation = args.truncation
    if truncation is None and has_truncation(generator):
        truncation = 1.0  # a style-based generator samples without truncation unless asked
    if truncation is not None:
        set_truncation(generator, truncation)  # another generator: a one-sentence ValueError (exit code 2)
    labels = None
    if args.labels is not None:
        labels = np.resize(np.array(args.labels, dtype="int32"), args.n)
    images, labels = generate_digits(generator, args.n, seed=args.seed, labels=labels, code=args.code)
    arrays = {"images": images} if labels is None else {"images": images, "labels": labels}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(args.out, **arrays)
    from gan_utils.core.config import relative

    psi = f" (truncation ψ = {truncation:g})" if truncation is not None else ""
    print(f"wrote {len(images)} images{' with labels' if labels is not None else ''}{psi} to {relative(args.out)}")


def load_samples(path):
    """Read a samples file written by ``sample``: ``images`` uint8 (N, 28, 28), optional ``labels``."""
    if not Path(path).exists():
        raise FileNotFoundError(f"No samples file at {path}.")
    try:
        with np.load(path) as archive:
            if "images" not in archive:
                raise ValueError(f"{path} has no 'images' array (found {list(archive.keys())}).")
            images = archive["images"]
            labels = archive["labels"] if "labels" in archive else None
    except (OSError, ValueError) as err:
        raise ValueError(f"{path} is not a samples .npz file: {err}") from err
    if images.ndim != 3 or images.shape[1:] != (28, 28):
        raise ValueError(f"{path}: images must have shape (N, 28, 28), got {images.shape}.")
    return images, labels


def run_translate(args):
    from gan_utils.core.config import relative
    from gan_utils.variants.translation import load_translator, translate_images

    model, task = load_translator(args.model)
    if not args.images.exists():
        raise FileNotFoundError(f"No images file at {args.images}.")
    try:
        with np.load(args.images) as archive:
            if "images" not in archive:
                raise ValueError(f"{args.images} has no 'images' array (found {list(archive.keys())}).")
            images = archive["images"]
    except OSError as err:
        raise ValueError(f"{args.images} is not an .npz file: {err}") from err
    translated = translate_images(model, images)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(args.out, images=translated)
    print(f"translated {len(images)} images ({task}: {images.shape[1]}×{images.shape[2]} -> 28×28) to "
          f"{relative(args.out)}")


def run_evaluate(args):
    from gan_utils.evaluation.metrics import evaluate_samples

    images, labels = load_samples(args.samples)
    result = evaluate_samples(images, labels)
    for key, value in result.items():
        print(f"{key:>20}: {value:.4f}" if isinstance(value, float) else f"{key:>20}: {value}")
    print(json.dumps(result))


def run_student_edition(args):
    from gan_utils.core.config import relative
    from gan_utils.teaching.student import NOTEBOOKS_DIR, build_student_edition

    written = build_student_edition(args.out, args.notebooks or NOTEBOOKS_DIR)
    for path, counts in written:
        print(f"{relative(path)}: {counts['solution']} solution cells replaced, {counts['check']} check cells cleared")
    print(f"wrote {len(written)} student notebooks to {relative(args.out)}")


def main(argv=None):
    args = build_parser().parse_args(argv)
    from gan_utils.core.data import DataFileError
    from gan_utils.core.native_logs import quiet_native_stderr
    from gan_utils.core.runtime import preserved_global_state
    from gan_utils.core.trainer import RunFolderError, TrainingDiverged

    try:
        # a command's precision, seeds and determinism are its own: the caller's (a notebook, a test) come back
        # afterwards; TensorFlow's native log lines (grappler's "remapper failed"…) stay out of the output
        with preserved_global_state(), quiet_native_stderr():
            {"train": run_train, "sample": run_sample, "translate": run_translate, "evaluate": run_evaluate,
             "student-edition": run_student_edition}[args.command](args)
    except TrainingDiverged as err:
        print(f"error: {err}", file=sys.stderr)
        return 3
    except RunFolderError as err:
        print(f"error: {err}", file=sys.stderr)
        return 4
    except KeyboardInterrupt:
        print("interrupted (outside training: nothing to save).", file=sys.stderr)
        return 130
    except (ValueError, FileNotFoundError, DataFileError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    return 0
