"""The one interface between a GAN variant and the loops that train it (``Trainer``, ``keras_fit.GANModel``).

Every steps class of the package subclasses ``Steps``: ``train.GANSteps`` (and through it the WGANs,
``conditional``, ``infogan``, ``progressive``, ``style``, ``semisupervised``, ``sequences``, ``remedies``),
``translation.Pix2PixSteps`` / ``CycleGANSteps`` and ``aae.AdversarialAutoencoderSteps``. The loops read the
attributes and call the methods below, with the defaults declared here; they never ask whether a hook
exists. A new GAN variant is a subclass that overrides what differs (see gan_utils/README.md).

``apply_gradients_of`` is the one "gradients of a loss, applied" helper of the steps. The updates a notebook prints
as part of its lesson (``GANSteps._d_step``/``_g_step`` in 01, ``FeatureMatchingSteps`` in 03,
``AuxiliaryClassifierSteps._g_step`` in 05, ``Pix2PixSteps``/``CycleGANSteps._train_step`` in 07, the adversarial
autoencoder's in 09) keep ``tape.gradient`` and ``apply_gradients`` written out: the student reads the two lines
the lesson is about, and the notebooks' committed outputs show that source (tests/test_notebook_hygiene.py).
Introduced in 01_vanilla_gan.ipynb (``GANSteps``); the translation hooks in 07_image_to_image.ipynb.
"""
import types

_EMPTY = types.MappingProxyType({})


def apply_gradients_of(tape, loss, variables, optimizer):
    """``tape.gradient(loss, variables)``, applied by ``optimizer``; returns the gradients (for logged norms).

    ``loss`` is what the step took inside the tape: with a ``LossScaleOptimizer`` (float16) the loss already
    multiplied by its scale (``GANSteps.scale_for_gradients``); Keras' ``apply_gradients`` then unscales."""
    grads = tape.gradient(loss, variables)
    optimizer.apply_gradients(zip(grads, variables))
    return grads


class Steps:
    """What one GAN variant does per batch, and what the loop needs to know about it.

    Attributes (class-level defaults; a subclass or its ``__init__`` sets its own):

    - ``generator``, ``discriminator``, ``g_optimizer``, ``d_optimizer``, ``rng`` (a ``tf.random.Generator``):
      checkpointed by the ``Trainer``;
    - ``conditional`` (False): batches are ``(images, labels)`` and the live grid shows one digit per row;
    - ``simultaneous`` (False): one ``joint_step(real[, labels])`` per batch updates both networks;
    - ``own_train_step`` (False): one ``train_step(real)`` per batch updates every network (translation, AAE);
      the trainer's ``d_steps`` must then be 1;
    - ``strategy`` (None: one device): a ``tf.distribute`` strategy the models were built under;
    - ``gp_rng`` (None): a second random generator to checkpoint (the gradient penalty's alphas);
    - ``extra_models`` ({}): networks beyond generator and discriminator, by name, checkpointed too
      (CycleGAN's second pair);
    - ``extra_variables`` ({}): other state to checkpoint, by name (the progressive GAN's stage and α);
    - ``preview_rows`` (None): names of the rows of the live grid when ``preview`` returns rows, else None.

    Methods: ``d_step``/``g_step`` (Algorithm 1), ``joint_step``, ``train_step`` (see above),
    ``fixed_inputs(n)``, ``preview(generator, fixed, labels)``, ``run_name`` and ``export(trainer)``.
    """

    conditional = False
    simultaneous = False
    own_train_step = False
    strategy = None
    gp_rng = None
    extra_models = _EMPTY
    extra_variables = _EMPTY
    preview_rows = None

    # -- the updates: a subclass implements the ones its flags say the loop calls ------------------------
    def d_step(self, real, labels=None):
        """One discriminator update on a real batch; returns a dict of scalar logs."""
        raise NotImplementedError(f"{type(self).__name__} has no d_step: it trains with train_step "
                                  "(own_train_step = True) or must implement d_step and g_step.")

    def g_step(self, batch_size):
        """One generator update on ``batch_size`` fresh inputs; returns a dict of scalar logs."""
        raise NotImplementedError(f"{type(self).__name__} has no g_step: implement it (see Steps).")

    def joint_step(self, real, labels=None):
        """One simultaneous update of both networks (``simultaneous = True``)."""
        raise NotImplementedError(f"{type(self).__name__} has no joint_step: set simultaneous = False.")

    def train_step(self, real):
        """One update of every network on a batch (``own_train_step = True``)."""
        raise NotImplementedError(f"{type(self).__name__} has no train_step: set own_train_step = False and "
                                  "implement d_step and g_step.")

    # -- what the loop shows and saves ----------------------------------------------------------------
    def noise(self, n):
        """``n`` generator inputs from the run's random generator."""
        raise NotImplementedError(f"{type(self).__name__} draws no noise: override fixed_inputs.")

    def fixed_inputs(self, n):
        """The ``n`` inputs of the live grid, drawn once per run and checkpointed: fixed noise by default."""
        return self.noise(n)

    def preview(self, generator, fixed, labels=None):
        """The live grid's images in [-1, 1] from ``generator`` (the trainer's sampling generator) and the
        fixed inputs (and, for a conditional model, ``labels``: one digit per row)."""
        inputs = [fixed, labels] if self.conditional else fixed
        return generator(inputs, training=False).numpy()

    @property
    def run_name(self):
        """What ``run.json`` records under ``"loss"``: a resumed run must use the same losses."""
        return self.loss.name

    def export(self, trainer):
        """What ``python -m gan_utils train`` saves after training: ``(model, file name, how to use it)``.
        Default: the generator to sample from (the moving average when the trainer keeps one)."""
        which = " (the moving average of its weights)" if trainer.ema_generator is not None else ""
        return trainer.sampling_generator, "generator.keras", which
