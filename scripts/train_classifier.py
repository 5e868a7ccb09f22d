"""Train the course's MNIST digit classifier and save data/pretrained/mnist_classifier.keras (and the test digits'
feature statistics beside it, mnist_classifier_test_stats.npz).

Usage: python scripts/train_classifier.py [--epochs 4]
It must reach >= 99 % test accuracy (checked here and in tests/test_metrics.py).
"""
import argparse

import gan_utils
from gan_utils.config import PRETRAINED_DIR
from gan_utils.data import load_mnist, to_model_range
from gan_utils.metrics import CLASSIFIER_PATH, TEST_STATS_PATH, build_classifier, save_test_statistics


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--epochs", type=int, default=4)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    gan_utils.set_seed(args.seed, deterministic=True)
    x_train, y_train = load_mnist(split="train")
    x_test, y_test = load_mnist(split="test")
    model = build_classifier()
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    model.fit(to_model_range(x_train), y_train, batch_size=128, epochs=args.epochs, verbose=2,
              validation_split=0.0)
    _, accuracy = model.evaluate(to_model_range(x_test), y_test, verbose=0)
    print(f"test accuracy: {accuracy:.4f}")
    if accuracy < 0.99:
        raise SystemExit("accuracy below 99 %: not saved")
    PRETRAINED_DIR.mkdir(parents=True, exist_ok=True)
    portable = build_classifier()  # uncompiled copy: no optimizer state in the file
    portable.set_weights(model.get_weights())
    portable.save(CLASSIFIER_PATH)
    print(f"saved {CLASSIFIER_PATH} ({CLASSIFIER_PATH.stat().st_size / 1e6:.1f} MB)")
    save_test_statistics()
    print(f"saved {TEST_STATS_PATH} (the Fréchet distance's reference: test digits' feature mean and covariance)")


if __name__ == "__main__":
    main()
