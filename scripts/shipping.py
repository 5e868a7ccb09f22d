"""What the training scripts of shipped generators share: score a run's generator on 10,000 samples with the course
classifier, write ``score.json`` beside it, and copy it to ``data/pretrained/`` only if it meets the bar.

Used by ``train_wgan.py`` (04), ``train_mlp_gan.py`` (01) and ``train_dcgan.py`` (02).
"""
import json


def score_and_ship(generator_path, shipped_name, report, min_confidence, replace, must_improve=False):
    """Score ``generator_path`` (10,000 samples, seed 0), add the scores to ``report`` (a dict: command, time, budget),
    write it to ``score.json`` in the generator's folder and print it; with ``replace``, ship the generator as
    ``data/pretrained/<shipped_name>`` if every digit has >= 5 % of the samples and the mean confidence is
    >= ``min_confidence``, else stop with a message (nothing shipped). With ``must_improve``, the file already shipped
    is scored the same way and replaced only if the new generator has both a higher mean confidence and a lower FID."""
    from gan_utils import metrics
    from gan_utils.config import PRETRAINED_DIR, relative
    from gan_utils.sampling import generate_digits, load_generator, save_generator

    if not generator_path.exists():
        raise SystemExit(f"{relative(generator_path)} is missing: train first (without --score-only).")
    images, _ = generate_digits(load_generator(generator_path), 10_000, seed=0)
    result = metrics.evaluate_samples(images)
    ok = metrics.meets_quality_bar(result, min_confidence=min_confidence)
    keys = ("mean_confidence", "min_class_share", "inception_score", "fid")
    report = {**report, **{k: result[k] for k in keys}, "meets_bar": bool(ok)}
    shipped_path = PRETRAINED_DIR / shipped_name
    if must_improve and shipped_path.exists():
        old = metrics.evaluate_samples(generate_digits(load_generator(shipped_path), 10_000, seed=0)[0])
        report["shipped_before"] = {k: old[k] for k in keys}
        report["improves_on_shipped"] = bool(result["mean_confidence"] > old["mean_confidence"]
                                             and result["fid"] < old["fid"])
    (generator_path.parent / "score.json").write_text(json.dumps(report, indent=1))
    print(json.dumps(report, indent=1))
    if replace:
        if not ok:
            raise SystemExit(f"misses the bar (every digit >= 5 %, confidence >= {min_confidence}): not shipped")
        if report.get("improves_on_shipped") is False:
            raise SystemExit(f"no better than {relative(shipped_path)} (higher confidence and lower FID needed): not shipped")
        path = save_generator(load_generator(generator_path), PRETRAINED_DIR / shipped_name, replace_shipped=True)
        print(f"shipped {relative(path)}")
    return report


def train_with_cli(arguments, out, root):
    """Run ``python -m gan_utils train <arguments> --out <out>`` from ``root`` (a run folder holding a checkpoint is
    resumed) and return the seconds it took. A subprocess, so TensorFlow's native log lines stay out of this output."""
    import subprocess
    import sys
    import time

    began = time.perf_counter()
    command = [sys.executable, "-m", "gan_utils", "train", *map(str, arguments), "--out", str(out.relative_to(root))]
    print(" ".join(command[1:]), flush=True)
    subprocess.run(command, cwd=root, check=True)
    return time.perf_counter() - began


def add_run_arguments(parser, out, replace_help):
    """The options every training script shares: ``--seed``, ``--out`` (its resumable run folder, default ``out``),
    ``--replace`` (ship the result if it qualifies) and ``--score-only`` (score the run folder, train nothing)."""
    from pathlib import Path

    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, default=out, help="run folder (an interrupted call resumes from it)")
    parser.add_argument("--replace", action="store_true", help=replace_help)
    parser.add_argument("--score-only", action="store_true", help="score the run folder's model, train nothing")
