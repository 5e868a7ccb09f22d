"""Train Salimans et al.'s semi-supervised GAN on MNIST with 100 labels (notebook 09) for longer than a live cell can,
and (with --replace) ship its discriminator, the digit classifier, as ``data/pretrained/ssl_classifier.keras``.

    python scripts/train_ssl_gan.py                      # draw 0 of the 100 labels, 40 epochs, into runs/ssl_gan/draw_0
    python scripts/train_ssl_gan.py --draw 1             # another draw of the 100 labels (10 per digit)
    python scripts/train_ssl_gan.py --epochs 60          # continue the same run to 60 epochs (resumes per epoch)
    python scripts/train_ssl_gan.py --replace            # ... and ship the classifier if it is better than the shipped one

The recipe of the paper's code (openai/improved-gan, train_mnist_feature_matching.py): D an MLP of five
weight-normalised ReLU layers (1000-500-250-250-250) with Gaussian noise on its input (0.3) and after every layer (0.5),
data-dependent initialisation; G an MLP 100-500-500-784 with batch norm, softplus and a weight-normalised sigmoid
output; D's unsupervised loss with weight 1/2 (their 0.5 factors); G trained by feature matching on D's last hidden
layer (the mean of the squared differences, as their code); Adam with learning rate 0.003, β1 = 0.5 and ε = 1e-4 for both (their Adam adds 1e-8 under the square root,
about 1e-4 outside it); per iteration 100 labelled digits (the 100 labels, in a new
order each pass), 100 unlabelled digits (all 60,000 training digits) and 100 fakes. One epoch = 600 iterations. Like
the paper, the classifier that is scored and shipped uses a moving average of D's weights (here momentum 0.999, as the
run is shorter than the paper's 300 epochs, which used 0.9999). Float32 (bfloat16 was slower on a CPU here).

Writes ``history.json`` (test accuracy on the 10,000 test digits after every epoch, raw and averaged D) and
``classifier.keras`` into the draw's folder. ``--replace`` ships it only if its test accuracy beats the shipped file's.
"""
import argparse
import json
import time
from pathlib import Path

from shipping import add_run_arguments

ROOT = Path(__file__).resolve().parent.parent
BATCH, LABELS_PER_CLASS, LEARNING_RATE, BETA_1, EMA = 100, 10, 3e-3, 0.5, 0.999
UNSUPERVISED_WEIGHT = 0.5


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--epochs", type=int, default=40, help="passes over the 60,000 unlabelled digits (default 40)")
    parser.add_argument("--draw", type=int, default=0, help="which draw of the 100 labels (seed of the draw, default 0)")
    parser.add_argument("--adam-epsilon", type=float, default=1e-4,
                        help="Adam's epsilon (default 1e-4: the paper's Adam adds 1e-8 under the square root, which "
                             "acts like 1e-4 added to it; Keras's default is 1e-7)")
    parser.add_argument("--minutes", type=float, default=None, help="also stop after this many minutes (resumable)")
    add_run_arguments(parser, ROOT / "runs" / "ssl_gan", "replace data/pretrained/ssl_classifier.keras if better")
    args = parser.parse_args()
    if args.epochs < 1 or args.draw < 0:
        parser.error("--epochs must be >= 1 and --draw >= 0")

    import gan_utils  # noqa: F401  (first: keeps TensorFlow's native log lines out)
    import keras
    import numpy as np
    import tensorflow as tf

    from gan_utils import data, semisupervised as ss
    from gan_utils.config import PRETRAINED_DIR, relative

    folder = args.out / f"draw_{args.draw}"
    folder.mkdir(parents=True, exist_ok=True)
    gan_utils.choose_precision("float32")
    x_train, y_train = data.load_mnist()
    x_test, y_test = data.load_mnist(split="test")
    labeled = ss.balanced_labeled_indices(y_train, per_class=LABELS_PER_CLASS, seed=args.draw)

    keras.utils.set_random_seed(args.seed)
    discriminator, generator = ss.build_salimans_discriminator(), ss.build_salimans_generator()
    ss.data_dependent_init(discriminator, data.to_model_range(x_train[:500]))
    d_opt = keras.optimizers.Adam(LEARNING_RATE, beta_1=BETA_1, epsilon=args.adam_epsilon, use_ema=True,
                                  ema_momentum=EMA)
    g_opt = keras.optimizers.Adam(LEARNING_RATE, beta_1=BETA_1, epsilon=args.adam_epsilon)
    steps = ss.SemiSupervisedSteps(generator, discriminator, g_opt, d_opt,
                                   unsupervised_weight=UNSUPERVISED_WEIGHT, feature_matching_reduction="mean",
                                   seed=args.seed)
    averaged = keras.models.clone_model(discriminator)

    def averaged_classifier():
        averaged.set_weights(discriminator.get_weights())  # non-trainable scales; then the averaged trainable ones
        for target, ema in zip(averaged.trainable_variables, d_opt._model_variables_moving_average):
            target.assign(ema)
        return averaged

    checkpoint = tf.train.Checkpoint(g=generator, d=discriminator, g_opt=steps.g_optimizer, d_opt=d_opt,
                                     feature_mean=steps.real_feature_mean, rng=steps.rng)
    history_path, ckpt_dir = folder / "history.json", folder / "checkpoint"
    history = json.loads(history_path.read_text()) if history_path.exists() else {"epochs": []}
    if history["epochs"] and not args.score_only:
        checkpoint.restore(tf.train.latest_checkpoint(ckpt_dir)).expect_partial()
        print(f"resumed {relative(folder)} after epoch {history['epochs'][-1]['epoch']}")
    began, done = time.perf_counter(), len(history["epochs"])
    for epoch in range(done, 0 if args.score_only else args.epochs):
        if args.minutes is not None and time.perf_counter() - began > 60 * args.minutes:
            print(f"stopped after {args.minutes} minutes: rerun the same command to continue")
            break
        started = time.perf_counter()
        logs = ss.fit_semi_supervised(steps, x_train[labeled], y_train[labeled], x_train, iterations=60_000 // BATCH,
                                      batch_size=BATCH, labeled_batch_size=BATCH, seed=1000 * args.draw + epoch)
        row = {"epoch": epoch + 1, "unlabelled_images": (epoch + 1) * 60_000,
               "test_accuracy": ss.classification_accuracy(discriminator, x_test, y_test),
               "test_accuracy_averaged": ss.classification_accuracy(averaged_classifier(), x_test, y_test),
               "d_unsupervised_loss": float(np.mean(logs["d_unsupervised_loss"])),
               "g_loss": float(np.mean(logs["g_loss"])), "seconds": round(time.perf_counter() - started, 1)}
        history["epochs"].append(row)
        checkpoint.write(str(ckpt_dir / "ckpt"))
        averaged_classifier().save(folder / "classifier.keras")
        history.update(command=f"python scripts/train_ssl_gan.py --draw {args.draw} --epochs {args.epochs}"
                               f" --adam-epsilon {args.adam_epsilon:g}", adam_epsilon=args.adam_epsilon,
                       draw=args.draw, labeled_indices=labeled.tolist(),
                       minutes=round(sum(r["seconds"] for r in history["epochs"]) / 60, 1))
        history_path.write_text(json.dumps(history, indent=1))
        print(json.dumps({k: row[k] for k in ("epoch", "test_accuracy", "test_accuracy_averaged", "seconds")}), flush=True)
    if not history["epochs"]:
        raise SystemExit(f"{relative(folder)} holds no trained epoch: train first (without --score-only).")
    if not args.score_only and len(history["epochs"]) == args.epochs:  # the command that reproduces this run
        history.update(command=f"python scripts/train_ssl_gan.py --draw {args.draw} --epochs {args.epochs}"
                               f" --adam-epsilon {args.adam_epsilon:g}")
        history_path.write_text(json.dumps(history, indent=1))
    last = history["epochs"][-1]
    print(f"{relative(folder)}: {last['epoch']} epochs, test accuracy {last['test_accuracy_averaged']:.4f} "
          f"(averaged D; raw {last['test_accuracy']:.4f}), {history['minutes']} min of training")
    if args.replace:
        shipped = PRETRAINED_DIR / "ssl_classifier.keras"
        if shipped.exists():
            old = ss.classification_accuracy(keras.models.load_model(shipped), x_test, y_test)
            if old >= last["test_accuracy_averaged"]:
                raise SystemExit(f"{relative(shipped)} scores {old:.4f}, not below this run: not shipped")
        model = keras.models.load_model(folder / "classifier.keras")
        model.save(shipped)
        (PRETRAINED_DIR / "ssl_classifier_training.json").write_text(json.dumps(
            {k: history[k] for k in ("command", "draw", "minutes", "labeled_indices")}
            | {"last_epoch": last, "curve": [{k: r[k] for k in ("epoch", "unlabelled_images", "test_accuracy",
                                                                 "test_accuracy_averaged")} for r in history["epochs"]]},
            indent=1))
        print(f"shipped {relative(shipped)}")


if __name__ == "__main__":
    main()
