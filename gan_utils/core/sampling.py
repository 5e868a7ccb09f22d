"""Load a saved generator safely and draw digits from it.

Introduced in 01_vanilla_gan.ipynb (shipped weights); used by ``python -m gan_utils sample``.
"""
from pathlib import Path

import keras
import numpy as np
import tensorflow as tf

from gan_utils.core.data import check_labels, to_uint8
from gan_utils.core.kinds import legacy_kind, model_kind, stored_kind, with_kind
from gan_utils.core.models import is_conditional


def _float32_config(config):
    """Copy of a model config with every mixed dtype policy replaced by float32."""
    if isinstance(config, dict):
        if config.get("class_name") == "DTypePolicy":
            return {**config, "config": {**config["config"], "name": "float32"}}
        return {k: _float32_config(v) for k, v in config.items()}
    if isinstance(config, list):
        return [_float32_config(v) for v in config]
    return config


class ShippedFileProtected(FileExistsError):
    """Saving would replace a file shipped in data/pretrained/ without ``replace_shipped=True``."""


def save_generator(generator, path, replace_shipped=False):
    """Save ``generator`` as a float32 ``.keras`` file (portable whatever precision it was trained in).

    The file computes in float32 whatever the loading session's policy: ``sample``, ``translate`` and a direct
    call of the loaded model give the same images. A generator still in memory after mixed-precision training
    computes in bfloat16/float16, so its images differ from the saved file's by rounding (a few uint8 levels;
    tests/test_control.py states the tolerance).

    The generators shipped in ``data/pretrained/`` are what ``TRAIN = False``, quick mode, the other
    notebooks and the tests rely on: replacing one needs ``replace_shipped=True``; otherwise a
    ``ShippedFileProtected`` error says so and nothing is written."""
    from gan_utils.core.config import PRETRAINED_DIR
    from gan_utils.core.config import relative

    target = Path(path)
    if target.exists() and not replace_shipped and target.resolve().parent == PRETRAINED_DIR.resolve():
        raise ShippedFileProtected(
            f"{relative(target)} is a shipped generator; it is left as it is. Save your run elsewhere (its run "
            f"folder), or pass replace_shipped=True to replace it on purpose.")
    portable = generator.__class__.from_config(_float32_config(generator.get_config()))
    portable.set_weights(generator.get_weights())
    if stored_kind(portable) is None:  # every file saved here says what it is (kinds.py)
        portable = with_kind(portable, **model_kind(generator))
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    portable.save(path)
    return Path(path)


def load_model_file(path):
    """Load a ``.keras`` model; a missing or unreadable file gets a one-sentence error (FileNotFoundError,
    ValueError) instead of Keras' traceback. Shared by ``load_generator`` and ``translation.load_translator``.

    A legacy file (saved before models carried their kind) gets its kind from the old detection
    (``kinds.legacy_kind``, names included), stamped on the loaded model; files that carry one are taken at
    their word."""
    import gan_utils.variants.image_layers  # noqa: F401 (registers the translators' layers, so they load anywhere)

    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"No model file at {path}.")
    try:
        model = keras.models.load_model(path, compile=False)
    except Exception as err:  # Keras raises many types for a bad file
        raise ValueError(f"{path} is not a readable Keras model file ({type(err).__name__}: {err}).") from err
    if stored_kind(model) is None and type(model).__name__ == "Functional":  # not a Sequential (the classifier)
        model = with_kind(model, **legacy_kind(model))
    return model


def load_generator(path):
    """Load a ``.keras`` generator, refusing files that are missing or are not an MNIST generator."""
    model = load_model_file(path)
    if model_kind(model)["kind"] == "translator":
        raise ValueError(f"{path} is a translation model (notebook 07), not a generator: translate images with "
                         "`python -m gan_utils translate MODEL INPUT.npz --out OUT.npz`.")
    if model_kind(model)["kind"] == "sequence":
        raise ValueError(f"{path} generates time series (notebook 10), not digits: load it with "
                         "keras.models.load_model and feed it noise sequences (see 10_beyond_images.ipynb).")
    shape = tuple(model.outputs[0].shape[1:]) if len(model.outputs) == 1 else None
    first_input = tuple(model.inputs[0].shape[1:])
    if shape != (28, 28, 1) or len(first_input) != 1 or len(model.inputs) > 2:
        raise ValueError(f"{path} is not a generator: it maps inputs {[tuple(i.shape) for i in model.inputs]} "
                         f"to {[tuple(o.shape) for o in model.outputs]}, expected z (None, latent) -> (None, 28, 28, 1).")
    return model


def generate_digits(generator, n, seed=0, labels=None, batch_size=500, code=None):
    """Draw ``n`` uint8 digits (n, 28, 28). For a conditional generator ``labels`` default to
    n/10 of each digit in order (0,0,…,1,1,…); returns ``(images, labels or None)``.

    An InfoGAN generator (09, its kind says so: ``kinds.model_kind``) gets its inputs drawn as in training (z, a
    uniform categorical code, uniform continuous codes), not 74 Gaussian numbers; ``code=K`` fixes its
    categorical code to K (what K means is for the model to have learned: 09 maps each value to a digit).
    ``labels`` is then None: the codes are not labels."""
    from gan_utils.variants.infogan import sample_codes

    if n <= 0:
        raise ValueError(f"n must be positive, got {n}.")
    latent_dim = int(generator.inputs[0].shape[-1])
    kind = model_kind(generator)
    if kind["kind"] == "infogan":
        categories, continuous = kind["num_categories"], kind["num_continuous"]
        if labels is not None:
            raise ValueError("labels were given but this is an InfoGAN generator: fix its categorical code with "
                             "code=K (`--code K` on the command line) instead.")
        rng = np.random.default_rng(seed)
        chunks = []
        for start in range(0, n, batch_size):
            size = min(batch_size, n - start)
            latent, _ = sample_codes(size, rng, code=code, num_categories=categories, num_continuous=continuous,
                                     noise_dim=latent_dim - categories - continuous)
            chunks.append(to_uint8(generator(latent, training=False).numpy()))
        return np.concatenate(chunks), None
    if code is not None:
        raise ValueError(f"a code was given but {generator.name} is not an InfoGAN generator: --code fixes the "
                         "categorical code of an InfoGAN (data/pretrained/infogan.keras, notebook 09).")
    conditional = is_conditional(generator)
    if conditional:
        labels = np.repeat(np.arange(10), -(-n // 10))[:n] if labels is None else np.asarray(labels)
        labels = check_labels(labels, n)
    elif labels is not None:
        raise ValueError("labels were given but this generator is not conditional.")
    rng = tf.random.Generator.from_seed(seed)
    chunks = []
    for start in range(0, n, batch_size):
        size = min(batch_size, n - start)
        z = rng.normal((size, latent_dim))
        inputs = [z, tf.constant(labels[start:start + size])] if conditional else z
        chunks.append(to_uint8(generator(inputs, training=False).numpy()))
    return np.concatenate(chunks), labels
