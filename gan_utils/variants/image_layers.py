"""Small registered image layers of the translators (07_image_to_image.ipynb): ``Clip`` and ``MaskRows``.

A leaf module (Keras only), so that loading any ``.keras`` file (``sampling.load_model_file``) registers them
without importing ``translation``; ``translation.Clip`` / ``translation.MaskRows`` are the same classes.
"""
import keras
from keras import layers


@keras.saving.register_keras_serializable("gan_utils")
class Clip(layers.Layer):
    """Clip to [low, high] (bicubic interpolation overshoots the [-1, 1] range near strokes)."""

    def __init__(self, low=-1.0, high=1.0, **kwargs):
        super().__init__(**kwargs)
        self.low, self.high = float(low), float(high)

    def call(self, x):
        return keras.ops.clip(x, self.low, self.high)

    def get_config(self):
        return {**super().get_config(), "low": self.low, "high": self.high}


@keras.saving.register_keras_serializable("gan_utils")
class MaskRows(layers.Layer):
    """Replace rows ``start:`` of an image batch (N, H, W, C) by ``value``: the inpainting task's missing part
    (0 = mid-grey in [-1, 1], "unknown", distinct from the black background -1)."""

    def __init__(self, start=14, value=0.0, **kwargs):
        super().__init__(**kwargs)
        self.start, self.value = int(start), float(value)

    def call(self, x):
        rows = keras.ops.arange(keras.ops.shape(x)[1])
        keep = keras.ops.reshape(keras.ops.cast(rows < self.start, x.dtype), (1, -1, 1, 1))
        return x * keep + self.value * (1.0 - keep)

    def get_config(self):
        return {**super().get_config(), "start": self.start, "value": self.value}
