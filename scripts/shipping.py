"""What the training scripts of shipped generators share: score a run's generator on 10,000 samples with the course
classifier, write ``score.json`` beside it, and copy it to ``data/pretrained/`` only if it meets the bar.

Used by ``train_wgan.py`` (04) and ``train_mlp_gan.py`` (01).
"""
import json


def score_and_ship(generator_path, shipped_name, report, min_confidence, replace):
    """Score ``generator_path`` (10,000 samples, seed 0), add the scores to ``report`` (a dict: command, time, budget),
    write it to ``score.json`` in the generator's folder and print it; with ``replace``, ship the generator as
    ``data/pretrained/<shipped_name>`` if every digit has >= 5 % of the samples and the mean confidence is
    >= ``min_confidence``, else stop with a message (nothing shipped)."""
    from gan_utils import metrics
    from gan_utils.config import PRETRAINED_DIR, relative
    from gan_utils.sampling import generate_digits, load_generator, save_generator

    if not generator_path.exists():
        raise SystemExit(f"{relative(generator_path)} is missing: train first (without --score-only).")
    images, _ = generate_digits(load_generator(generator_path), 10_000, seed=0)
    result = metrics.evaluate_samples(images)
    ok = metrics.meets_quality_bar(result, min_confidence=min_confidence)
    report = {**report, "mean_confidence": result["mean_confidence"], "min_class_share": result["min_class_share"],
              "inception_score": result["inception_score"], "fid": result["fid"], "meets_bar": bool(ok)}
    (generator_path.parent / "score.json").write_text(json.dumps(report, indent=1))
    print(json.dumps(report, indent=1))
    if replace:
        if not ok:
            raise SystemExit(f"misses the bar (every digit >= 5 %, confidence >= {min_confidence}): not shipped")
        path = save_generator(load_generator(generator_path), PRETRAINED_DIR / shipped_name, replace_shipped=True)
        print(f"shipped {relative(path)}")
    return report
