"""Saved models say what they are (gan_utils/kinds.py): a model's name never changes what `sample` does."""
import json
import zipfile

import keras
import numpy as np
import pytest

from gan_utils import kinds, models
from gan_utils.config import PRETRAINED_DIR
from gan_utils.infogan import build_infogan_mlp_generator, is_infogan_generator
from gan_utils.sampling import generate_digits, load_generator, load_model_file, save_generator
from gan_utils.translation import build_translator, build_unet, load_translator, translator_task

# these compare a generator in memory with its saved file image for image: in float32 (the saved file computes in
# float32 under any policy; the in-memory difference under mixed_bfloat16 is tested in test_control.py)
pytestmark = pytest.mark.float32


def small_infogan():
    return build_infogan_mlp_generator(noise_dim=6, num_categories=10, num_continuous=2, hidden=(16,))


def rename(model, name):
    model.name = name
    return model


def test_renaming_an_infogan_generator_does_not_change_what_sample_does(tmp_path):
    g = small_infogan()
    want, labels = generate_digits(g, 30, seed=3, code=4)
    assert labels is None
    save_generator(rename(g, "anything_else"), tmp_path / "renamed.keras")
    loaded = load_generator(tmp_path / "renamed.keras")
    assert loaded.name == "anything_else" and is_infogan_generator(loaded)
    got, _ = generate_digits(loaded, 30, seed=3, code=4)
    np.testing.assert_array_equal(got, want)   # codes drawn as in training, not 18 Gaussian numbers


def test_a_plain_generator_named_like_an_infogan_or_a_translator_stays_plain(tmp_path):
    for name in ("infogan_generator", "translator_superres"):
        g = rename(models.build_mlp_generator(latent_dim=18, hidden=(16,)), name)
        want, _ = generate_digits(g, 20, seed=1)
        with pytest.raises(ValueError, match="not an InfoGAN generator"):
            generate_digits(g, 5, code=1)
        save_generator(g, tmp_path / f"{name}.keras")
        loaded = load_generator(tmp_path / f"{name}.keras")   # not refused as a translator
        assert kinds.model_kind(loaded) == {"kind": "plain"}
        np.testing.assert_array_equal(generate_digits(loaded, 20, seed=1)[0], want)


def test_a_translator_keeps_its_task_under_another_name(tmp_path):
    t = rename(build_translator(build_unet(filters=(4, 4, 4)), "superres"), "my_model")
    t.save(tmp_path / "t.keras")
    model, task = load_translator(tmp_path / "t.keras")
    assert task == "superres" and model.name == "my_model"
    with pytest.raises(ValueError, match="is not a translation model"):
        translator_task(models.build_mlp_generator(hidden=(8,)))


def test_the_kind_is_in_the_saved_config_and_survives_clones(tmp_path):
    g = models.build_conditional_generator()
    save_generator(g, tmp_path / "c.keras")
    with zipfile.ZipFile(tmp_path / "c.keras") as archive:
        config = json.loads(archive.read("config.json"))
    assert config["config"]["gan_kind"] == {"kind": "conditional", "num_classes": 10}
    assert kinds.stored_kind(kinds.clone_with_kind(small_infogan()))["kind"] == "infogan"
    with pytest.raises(ValueError, match="unknown model kind"):
        kinds.make_kind("gan")


def test_a_legacy_file_without_a_kind_still_loads_by_the_old_rules(tmp_path):
    g = small_infogan()
    legacy = keras.Model(g.inputs[0], g.outputs[0], name="infogan_generator")   # as saved before kinds
    legacy.save(tmp_path / "legacy.keras")
    assert kinds.stored_kind(keras.models.load_model(tmp_path / "legacy.keras")) is None
    assert is_infogan_generator(load_model_file(tmp_path / "legacy.keras"))


@pytest.mark.parametrize("name, kind", [
    ("dcgan.keras", "plain"), ("cgan.keras", "conditional"), ("infogan.keras", "infogan"), ("style_gan.keras", "style"),
    ("pix2pix_superres.keras", "translator"), ("cyclegan_sklearn_to_mnist.keras", "translator")])
def test_the_shipped_files_carry_their_kind(name, kind):
    model = keras.models.load_model(PRETRAINED_DIR / name, compile=False)
    assert kinds.stored_kind(model)["kind"] == kind


def test_a_sequence_generator_says_what_it_is_and_sample_refuses_it_with_a_clear_message(tmp_path):
    from gan_utils import sequences
    from gan_utils.sampling import load_generator

    g = sequences.build_sequence_generator(length=6, features=2, noise_dim=3, units=4)
    assert kinds.stored_kind(g) == {"kind": "sequence", "length": 6, "features": 2}
    g.save(tmp_path / "series.keras")
    assert kinds.model_kind(keras.models.load_model(tmp_path / "series.keras"))["kind"] == "sequence"
    with pytest.raises(ValueError, match="time series"):
        load_generator(tmp_path / "series.keras")
