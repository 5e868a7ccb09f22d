"""Saved models say what they are: a model's *kind*, stored in its config and read back, never guessed.

A generator or translator built by the package is a ``KindedModel``: a functional ``keras.Model`` whose config
carries ``gan_kind``, a small dict saved inside the ``.keras`` file and restored by ``keras.models.load_model``:

- ``{"kind": "plain"}``: z (N, latent) -> image;
- ``{"kind": "conditional", "num_classes": 10}``: [z, label] -> image (05);
- ``{"kind": "infogan", "num_categories": 10, "num_continuous": 2}``: [z | c1 one-hot | c2, c3] -> image (09);
- ``{"kind": "style", "truncation": True}``: a style-based generator with a truncation layer (08);
- ``{"kind": "translator", "task": "superres"}``: source image at its own size -> digit (07);
- ``{"kind": "sequence", "length": 24, "features": 5}``: noise sequence -> time series (10), not a digit generator.

``model_kind`` reads it; ``sampling``, ``translation``, ``infogan``, ``style`` and ``models.is_conditional`` ask it.
A model's ``name`` is never the signal: renaming a model changes nothing (tests/test_kinds.py).

Models without the field: an in-memory ``keras.Model`` built outside the package's builders gets its kind from
its structure (a ``style.Truncation`` layer: style; two inputs: conditional; else plain). Files saved before
kinds existed (*legacy files*) are recognised on loading by the old rules, name prefixes included
(``legacy_kind``); ``scripts/migrate_model_kinds.py`` stamped the shipped files in data/pretrained/ once.
Introduced with issue 32; the kinds are taught where each model is (05, 07, 08, 09).
"""
import keras

KINDS = ("plain", "conditional", "infogan", "style", "translator", "sequence")
_FIELDS = {"plain": (), "conditional": ("num_classes",), "infogan": ("num_categories", "num_continuous"),
           "style": ("truncation",), "translator": ("task",), "sequence": ("length", "features")}


def make_kind(kind, **fields):
    """A checked kind dict, e.g. ``make_kind("infogan", num_categories=10, num_continuous=2)``."""
    if kind not in KINDS:
        raise ValueError(f"unknown model kind {kind!r}; choose one of {', '.join(KINDS)}.")
    missing = [f for f in _FIELDS[kind] if f not in fields]
    extra = [f for f in fields if f not in _FIELDS[kind]]
    if missing or extra:
        raise ValueError(f"a {kind!r} model kind takes the fields {list(_FIELDS[kind])}; "
                         f"missing {missing}, unexpected {extra}.")
    return {"kind": kind, **fields}


@keras.saving.register_keras_serializable("gan_utils")
class KindedModel(keras.Model):
    """A functional model that carries its kind (``gan_kind``) in its config, so it survives save/load.

    Build it as ``keras.Model``: ``KindedModel(inputs, outputs, name=..., gan_kind=make_kind(...))``."""

    def __init__(self, inputs, outputs, name=None, **kwargs):
        kind = kwargs.pop("gan_kind", None)
        super().__init__(inputs, outputs, name=name, **kwargs)
        self._gan_kind_json = None if kind is None else _freeze(make_kind(**dict(kind)))

    @property
    def gan_kind(self):
        """The kind dict (a copy), or None for a copy made by ``keras.models.clone_model`` (use ``clone_with_kind``)."""
        return None if self._gan_kind_json is None else dict(self._gan_kind_json)

    def get_config(self):
        config = super().get_config()
        if self._gan_kind_json is not None:
            config["gan_kind"] = dict(self._gan_kind_json)
        return config


def _freeze(kind):
    """A tuple of pairs: Keras tracks dict attributes of layers, a tuple of strings and numbers stays plain."""
    return tuple(sorted(kind.items()))


def with_kind(model, kind, **fields):
    """``model``'s graph (the same layers and weights, not copies) as a ``KindedModel`` of the given kind."""
    return KindedModel(model.inputs if len(model.inputs) > 1 else model.inputs[0],
                       model.outputs if len(model.outputs) > 1 else model.outputs[0],
                       name=model.name, gan_kind=make_kind(kind, **fields))


def stored_kind(model):
    """The kind stored in ``model`` (a dict), or None when it carries none."""
    return model.gan_kind if isinstance(model, KindedModel) else None


def structural_kind(model):
    """The kind of a model that carries none, from its structure (not its name): a ``style.Truncation`` layer
    makes it ``style``, two inputs ``conditional``, else ``plain``."""
    from gan_utils.variants.style import Truncation

    if any(isinstance(layer, Truncation) for layer in model.layers):
        return make_kind("style", truncation=True)
    if len(model.inputs) == 2:
        return make_kind("conditional", num_classes=_num_classes(model))
    return make_kind("plain")


def _num_classes(model):
    embeddings = [layer for layer in model.layers if isinstance(layer, keras.layers.Embedding)]
    return int(embeddings[0].input_dim) if embeddings else 10


def legacy_kind(model):
    """The kind of a model loaded from a file saved before kinds existed: the old detection, names included
    (``translator_<task>``, ``infogan_generator*``), then ``structural_kind``. Only ``load_model_file`` uses it,
    for legacy files; ``scripts/migrate_model_kinds.py`` stamps files so that it is no longer needed."""
    from gan_utils.variants.infogan import NUM_CATEGORIES, NUM_CONTINUOUS

    name = model.name
    task = name[len("translator_"):] if name.startswith("translator_") else None
    if task in ("superres", "inpaint", "sklearn", "mnist"):
        return make_kind("translator", task=task)
    if name.startswith("infogan_generator"):
        return make_kind("infogan", num_categories=NUM_CATEGORIES, num_continuous=NUM_CONTINUOUS)
    return structural_kind(model)


def model_kind(model):
    """The kind of ``model``: the stored one, else its structure's (``structural_kind``)."""
    return stored_kind(model) or structural_kind(model)


def clone_with_kind(model):
    """``keras.models.clone_model(model)`` with the same weights and the same stored kind."""
    clone = keras.models.clone_model(model)
    clone.set_weights(model.get_weights())
    kind = stored_kind(model)
    return with_kind(clone, **kind) if kind is not None else clone
