"""Encoder-decoder RNN (sequence to sequence) as a scikit-learn transformer."""

from __future__ import annotations

import math
import warnings
from numbers import Integral, Real

import numpy as np
import torch
from sklearn.base import ClassNamePrefixFeaturesOutMixin, TransformerMixin, _fit_context
from sklearn.utils import check_scalar
from sklearn.utils._param_validation import Hidden, Interval, StrOptions
from sklearn.utils.validation import check_is_fitted

from .._input.sequences import check_container, read_sequences, sequence_kind
from .._input.vocab import EOS, SEQ2SEQ_RESERVED, Vocabulary
from .._torch.losses import LOSSES, loss_criterion
from .._torch.seq2seq import Seq2SeqModule
from .._training.nets import SAMPLE_WEIGHT, TARGET_LENGTHS, Seq2SeqNet
from .._training.progress import progress
from ._base import BaseNetEstimator, plain_scalars
from ._normalization import TargetNormMixin

__all__ = ["Seq2SeqTransformer"]

#: ``batch_size="auto"``: the largest of these that leaves :data:`AUTO_MIN_BATCHES`
#: batches per epoch (the first when none does).
AUTO_BATCH_SIZES = (32, 64, 128)
AUTO_MIN_BATCHES = 256


def auto_batch_size(n_pairs: int) -> int:
    """``batch_size="auto"`` for ``n_pairs`` training pairs.

    Examples
    --------
    >>> [auto_batch_size(n) for n in (100, 16_383, 16_384, 32_768, 50_000)]
    [32, 32, 64, 128, 128]
    """
    fits = [b for b in AUTO_BATCH_SIZES if n_pairs // b >= AUTO_MIN_BATCHES]
    return max(fits, default=AUTO_BATCH_SIZES[0])


def _holds_labels(Y_kind: str, X_kind: str) -> bool:
    """Whether a ``Y`` of :func:`~skrnn._input.sequences.sequence_kind` ``Y_kind`` is one
    scalar per sample (class labels, as a Pipeline passes them) rather than target
    sequences: numbers, or strings beside numeric ``X`` (beside text they are texts)."""
    return Y_kind == "scalars" or (Y_kind == "text" and X_kind == "numeric")


class Seq2SeqTransformer(
    TargetNormMixin,
    ClassNamePrefixFeaturesOutMixin,
    TransformerMixin,
    BaseNetEstimator,
):
    """Encoder-decoder RNN with teacher forcing, attention and beam search.

    An encoder RNN reads each input sequence; a decoder RNN, started from the encoder's
    final state, emits the output sequence one step at a time, optionally attending over
    all encoder outputs. Trained with skorch (mini-batches, Adam by default) on the
    cross-entropy of the next token (token outputs) or the squared error (continuous
    outputs). Token outputs end with an end token that ``predict`` strips; padding and
    start tokens are never predicted.

    Three kinds of sequences are accepted, for ``X`` and ``Y`` independently:

    - **numeric**: a rectangular array ``(n, time_steps, n_features)`` or
      ``(n, time_steps)`` (univariate) of continuous values. ``predict`` returns
      ``(n, t_out, f_out)`` (or ``(n, t_out)`` when ``Y`` was 2D).
    - **text**: a list of strings of any lengths. A character vocabulary is learned in
      ``fit``; padding, start and end tokens are handled inside. ``predict`` returns an
      object array of strings. Characters not seen in ``fit`` raise a ``ValueError``
      naming them.
    - **integer tokens**: a list of integer sequences of any lengths (pass them as a
      Python list, an integer NumPy array is numeric). ``predict`` returns a list of
      lists of ints. Integers are tokens as strings are: mapped through a vocabulary in
      sorted order (by value) after the padding, start and end ids, as
      :class:`RNNClassifier` maps them after its padding and unknown ids.

    ``fit(X)`` without ``Y`` trains a sequence autoencoder (``Y = X``), and so does
    ``autoencoder=True`` whatever ``Y`` holds: set it when the estimator sits in a
    :class:`~sklearn.pipeline.Pipeline` in front of a supervised model, which passes its
    labels as ``Y`` (``make_pipeline(Seq2SeqTransformer(autoencoder=True),
    LogisticRegression())``; a ``Y`` of one number per sample without it is a
    ``ValueError`` naming the switch). With ``autoencoder=False`` (the default) ``Y``
    holds the target sequences; the estimator never decides from the values of ``Y``.
    ``transform`` returns the encoder's embedding of each sequence.

    Parameters
    ----------
    cell : {"lstm", "gru", "rnn"}, default="lstm"
        Recurrent cell of encoder and decoder.
    units : int, default=64
        Hidden units per encoder layer and direction (and token embedding size).
    num_layers : int, default=1
        Stacked recurrent layers in encoder and decoder.
    bidirectional : bool, default=False
        Read inputs in both directions (the encoder; the decoder runs forward). The
        decoder's hidden size is then ``2 * units``.
    dropout : float, default=0.0
        Dropout on embeddings, between stacked layers and before the output layer.
    attention : {"auto", "additive", "dot", None}, default="auto"
        Attention over the encoder outputs (Luong et al., 2015): at each output step the
        decoder's new hidden state scores every input position, additively
        (``v^T tanh(W_q q + W_k k)``) or by scaled dot product; the weighted sum of the
        encoder outputs is concatenated with the hidden state before the output layer.
        Padding positions of variable-length inputs get zero weight. ``None``: the
        decoder sees the input only through the encoder's final state. ``"auto"``:
        ``"additive"`` for token targets (texts or integer sequences given as ``Y``),
        ``None`` for numeric targets and autoencoders, whose ``transform`` embedding
        attention would bypass (measured in docs/benchmarks.md, "Time to accuracy":
        attention took learn-to-add and sequence reversal far, but raised the airline
        multi-step RMSE and lowered the accuracy of autoencoder embeddings).

        .. versionchanged:: 0.2.0
           The default was ``None``.
    teacher_forcing : float in [0, 1], default=1.0
        Probability, per sample and step, of feeding the true previous output to the
        decoder during training instead of its own prediction (its most likely token,
        or its predicted values). With 1.0 the whole target sequence is fed at once,
        which trains fastest.
    decoding : {"greedy", "beam"}, default="greedy"
        Decoding of token outputs in ``predict``; can be changed after ``fit``.
        Continuous outputs are always decoded step by step (greedy).
    beam_width : int, default=3
        Hypotheses kept by beam search. ``predict`` returns the ended hypothesis with the
        highest joint probability found in the beam (no length normalisation);
        ``beam_width=1`` is greedy decoding.
    max_output_length : int or None, default=None
        Token outputs: the longest output (in tokens, end token excluded) produced by
        ``predict``; ``None`` infers it from the training targets as their longest
        length plus ``max(2, 20%)``. Continuous outputs: the number of steps
        ``predict`` returns; ``None`` uses the training targets' length.
    epochs : int, default=50
        Passes over the training data per call to ``fit``; ``partial_fit`` always
        trains one epoch.
    batch_size : int or "auto", default="auto"
        Mini-batch size. ``"auto"``: the largest of 32, 64 and 128 that leaves at least
        256 batches per epoch (32 below 16,384 training pairs, 128 from 32,768): small
        sets keep many steps per epoch, large ones take fewer, larger steps, which cost
        less per pair on CPU (a batch of 128 took 2.7x the time of a batch of 32 on
        learn-to-add, for 4x the pairs).

        .. versionchanged:: 0.2.0
           The default was 32.
    lr : float or "auto", default="auto"
        Learning rate (with a decaying ``lr_schedule``: that of the first epoch of each
        training call). ``"auto"``: Adam's (and Keras's) 1e-3 for batches of up to 32
        (Keras's default batch), scaled linearly with larger ones
        (``1e-3 * batch_size / 32``): 1e-3 for small training sets, 4e-3 with the
        batches of 128 of large ones.

        .. versionchanged:: 0.2.0
           The default was 1e-3.
    lr_schedule : {"auto", "constant", "cosine", "cooldown"}, default="auto"
        ``"cosine"``: the learning rate falls from ``lr`` towards 0 along a half cosine
        over the epochs of each training call (``epochs`` for ``fit``; a
        ``partial_fit`` call, one epoch, trains at ``lr``), as PyTorch's
        ``CosineAnnealingLR`` stepped once per epoch; ``history_`` records each
        epoch's rate as ``event_lr``. ``"cooldown"``: ``lr`` until the last 30% of the
        epochs of the call, then falling linearly towards 0, as :class:`RNNRegressor`'s.
        ``"constant"``: ``lr`` throughout; give it with a learning-rate scheduler of
        your own in ``callbacks`` (with a decaying schedule, a skorch ``LRScheduler``
        there is a ``ValueError``). ``"auto"``: ``"cosine"`` for token targets, as
        ``attention``; ``"constant"`` otherwise (the decay raised the airline
        multi-step RMSE within its 300 epochs).

        .. versionadded:: 0.2.0
    optimizer : {"adam", "adamw", "sgd", "rmsprop", "adagrad"} or torch optimizer class, \
default="adam"
        Optimizer.
    weight_decay : float, default=0.0
        L2 penalty passed to the optimizer.
    clip_grad_norm : float or None, default=1.0
        Clip the gradient norm to this value (skorch's ``GradientNormClipping``).
    early_stopping : bool, default=False
        Hold out ``validation_fraction`` of the training pairs and judge convergence by
        the score on it instead of the training loss; the best weights are restored.
        ``validation_scores_`` holds the validation score of each epoch: per-token
        accuracy (teacher-forced) for token outputs, R^2 on the net's scale for numeric
        ones.
    validation_fraction : float, default=0.1
        Share of the training pairs held out when ``early_stopping`` is on.
    n_iter_no_change : int or None, default=10
        Training stops when the training loss (with ``early_stopping``: the validation
        score) has not improved by more than ``tol`` for more than this many
        consecutive epochs, after the first 1000 optimizer steps (or all ``epochs``,
        when fewer), as :class:`RNNRegressor`'s on sequences; ``epochs`` is the bound.
        ``None``: train exactly ``epochs`` epochs.
    patience : int, default="deprecated"
        Deprecated alias of ``n_iter_no_change``, to be removed.
    tol : float, default=1e-4
        Least improvement (absolute) of the training loss (or the validation score)
        that counts as progress.
    random_state : int, RandomState instance or None, default=None
        Seeds weight initialisation, shuffling, dropout, teacher forcing and the
        validation split. A fixed value gives identical results on CPU.
    device : str, default="cpu"
        Torch device, for example "cuda".
    distributed : bool, default=False
        Train data-parallel across the processes of a ``torch.distributed`` process
        group, as :class:`RNNRegressor`.
    callbacks : list of skorch callbacks or (name, callback) tuples, default=None
        Extra skorch callbacks; copied at ``fit``.
    verbose : int, default=0
        0 trains quietly. When positive, ``fit`` prints a table of the per-epoch
        losses; in a terminal or notebook with a progress bar over each epoch's batches
        (skorch's ``ProgressBar``) and the best values coloured, elsewhere (log files,
        pipes) as plain text; ``predict`` shows a bar over its batches of inputs in a
        terminal when decoding takes more than 2 seconds.
    warm_start : bool, default=False
        When fitted already, ``fit`` continues training the fitted network on the new
        pairs (of the kinds, vocabularies and shapes seen first) instead of starting anew.
    init : {"keras", "torch"}, default="keras"
        Initial weights, as :class:`RNNRegressor`'s ``init``: ``"keras"``
        (Glorot-uniform input weights, orthogonal recurrent weights, LSTM forget-gate
        bias 1, embeddings uniform in +-0.05) or PyTorch's ``"torch"``.

        .. versionchanged:: 0.1.0
           The default was PyTorch's initialisation.
    scale_target : bool, default=True
        Numeric targets: standardise each output feature (over all samples and steps)
        for training and map the predictions back; the losses in ``history_`` are on the
        standardised scale.
    instance_norm : {None, "last", "mean", "standard"}, default=None
        Numeric input: per-window (reversible instance) normalisation, as in
        :class:`RNNRegressor`. Each input sequence is shifted by its last value or mean
        (``"standard"``: also divided by its standard deviation), per feature; numeric
        targets are mapped by the statistics of their input feature (``target_feature``)
        and predictions are mapped back. ``transform`` embeds the normalised sequences.
    target_feature : int or list of int, default=0
        With ``instance_norm`` and numeric targets: the input feature whose statistics
        map the targets, one int for all output features or one per output feature. An
        autoencoder maps each feature to itself.
    loss : {"squared_error", "pinball"}, default="squared_error"
        Numeric targets: the mean squared error, or the pinball (quantile) loss at
        ``quantiles`` (``skrnn._torch.losses.PinballLoss``). Token targets: cross-entropy.
    quantiles : sequence of float in (0, 1) or None, default=None
        With ``loss="pinball"``: the levels; output feature ``j`` is fitted at
        ``quantiles[j % len(quantiles)]``. ``None``: the median (0.5).
    autoencoder : bool, default=False
        ``True``: train an autoencoder of ``X`` and ignore ``Y`` (the labels a Pipeline
        passes). ``False``: ``Y`` holds the target sequences (``None``: ``X``).

        .. versionchanged:: 0.2.0
           The default was ``"auto"``: as ``False``, except that a ``Y`` of one scalar
           per sample was ignored, with a ``UserWarning``. ``"auto"`` is deprecated (a
           ``FutureWarning``) and will be removed in 0.3.0.
    bidirectional_encoder : bool, default="deprecated"
        The former name of ``bidirectional``; when set, it is used instead.

        .. deprecated:: 0.1.0
           ``bidirectional_encoder`` is renamed ``bidirectional`` (the name
           :class:`RNNRegressor` and :class:`RNNClassifier` use) and will be removed.

    Attributes
    ----------
    net_ : Seq2SeqNet
        The fitted skorch net.
    module_ : Seq2SeqModule
        The fitted PyTorch module.
    history_ : skorch.History
        Per-epoch training record.
    loss_curve_ : list of float
        Training loss of each epoch.
    validation_scores_ : list of float or None
        With ``early_stopping=True``: the score on the held-out pairs after each epoch
        (see ``early_stopping``), ``None`` otherwise.
    n_iter_ : int
        Number of epochs trained.
    embedding_dim_ : int
        Width of ``transform``'s output: ``units * (2 if bidirectional else 1)``,
        the encoder's final top-layer hidden state (both directions concatenated).
    supervised_ : bool
        False when trained as an autoencoder.
    input_kind_, output_kind_ : {"numeric", "text", "int"}
        Kinds of ``X`` and of the targets.
    input_vocabulary_, output_vocabulary_ : Vocabulary or None
        Token vocabularies (``None`` for numeric sequences): ``index_`` maps each token
        to its id (0, 1 and 2 are padding, start and end; tokens from 3 in sorted
        order, integers by value).
    output_shape_ : tuple of int or None
        ``(t_out, f_out)`` of numeric targets.
    max_output_length_ : int
        Steps produced by ``predict`` (token outputs: excluding the end token).
    n_features_in_ : int
        For numeric ``X``: columns of a 2D ``X`` or features per step of a 3D ``X``.
    input_shape_ : tuple of int
        For numeric ``X``: ``(time_steps, n_features)``.
    target_mean_, target_scale_ : ndarray of shape (f_out,)
        Numeric targets: the standardisation learned in ``fit``.

    Examples
    --------
    >>> from skrnn import Seq2SeqTransformer
    >>> X = ["abc", "ba", "cab", "ca"] * 8
    >>> s2s = Seq2SeqTransformer(units=8, epochs=2, random_state=0).fit(X, [x[::-1] for x in X])
    >>> s2s.predict(["abc"]).shape, s2s.transform(["abc", "b"]).shape
    ((1,), (2, 8))
    >>> import numpy as np
    >>> ae = Seq2SeqTransformer(units=4, epochs=2, random_state=0).fit(np.random.rand(16, 6, 2))
    >>> ae.transform(np.random.rand(3, 6, 2)).shape, ae.predict(np.random.rand(3, 6, 2)).shape
    ((3, 4), (3, 6, 2))
    """

    _parameter_constraints: dict = {
        **BaseNetEstimator._parameter_constraints,
        "bidirectional_encoder": ["boolean", Hidden(StrOptions({"deprecated"}))],
        "attention": [StrOptions({"auto", "additive", "dot"}), None],
        "batch_size": [
            *BaseNetEstimator._parameter_constraints["batch_size"],
            StrOptions({"auto"}),
        ],
        "lr": [*BaseNetEstimator._parameter_constraints["lr"], StrOptions({"auto"})],
        "teacher_forcing": [Interval(Real, 0, 1, closed="both")],
        "decoding": [StrOptions({"greedy", "beam"})],
        "beam_width": [Interval(Integral, 1, None, closed="left")],
        "max_output_length": [Interval(Integral, 1, None, closed="left"), None],
        "autoencoder": ["boolean", Hidden(StrOptions({"auto"}))],
        **TargetNormMixin._norm_constraints,
        "loss": [StrOptions(set(LOSSES))],
        "quantiles": ["array-like", None],
    }

    def __init__(
        self,
        *,
        cell="lstm",
        units=64,
        num_layers=1,
        bidirectional=False,
        dropout=0.0,
        attention="auto",
        teacher_forcing=1.0,
        decoding="greedy",
        beam_width=3,
        max_output_length=None,
        epochs=50,
        batch_size="auto",
        lr="auto",
        lr_schedule="auto",
        optimizer="adam",
        weight_decay=0.0,
        clip_grad_norm=1.0,
        early_stopping=False,
        validation_fraction=0.1,
        n_iter_no_change=10,
        patience="deprecated",
        tol=1e-4,
        random_state=None,
        device="cpu",
        distributed=False,
        callbacks=None,
        verbose=0,
        warm_start=False,
        init="keras",
        scale_target=True,
        instance_norm=None,
        target_feature=0,
        loss="squared_error",
        quantiles=None,
        autoencoder=False,
        bidirectional_encoder="deprecated",
    ):
        super().__init__(
            cell=cell,
            units=units,
            num_layers=num_layers,
            bidirectional=bidirectional,
            dropout=dropout,
            epochs=epochs,
            batch_size=batch_size,
            lr=lr,
            lr_schedule=lr_schedule,
            optimizer=optimizer,
            weight_decay=weight_decay,
            clip_grad_norm=clip_grad_norm,
            early_stopping=early_stopping,
            validation_fraction=validation_fraction,
            n_iter_no_change=n_iter_no_change,
            patience=patience,
            tol=tol,
            random_state=random_state,
            device=device,
            distributed=distributed,
            callbacks=callbacks,
            verbose=verbose,
            warm_start=warm_start,
            init=init,
        )
        self.attention = attention
        self.teacher_forcing = teacher_forcing
        self.decoding = decoding
        self.beam_width = beam_width
        self.max_output_length = max_output_length
        self.scale_target = scale_target
        self.instance_norm = instance_norm
        self.target_feature = target_feature
        self.loss = loss
        self.quantiles = quantiles
        self.autoencoder = autoencoder
        self.bidirectional_encoder = bidirectional_encoder

    # -- input handling -------------------------------------------------------------------
    def _validate_X(self, X, *, reset: bool, lengths=None):
        """Validated ``X``: values ``(n, time, features)`` and ``None``, or token ids
        ``(n, time)`` and their lengths."""
        seqs = read_sequences(
            self,
            X,
            reset=reset,
            tokens="auto",
            lengths=lengths,
            fitted_kind=None if reset else self.input_kind_,
        )
        if reset:
            self.input_kind_ = seqs.kind
            self.input_vocabulary_ = self._fit_vocabulary(seqs)
        if seqs.kind == "numeric":
            return seqs.values, None
        return self.input_vocabulary_.encode(seqs.values, input_name="X")

    @staticmethod
    def _fit_vocabulary(seqs) -> Vocabulary | None:
        """The vocabulary of token sequences ``seqs`` (``None`` for numeric ones)."""
        if seqs.kind == "numeric":
            return None
        token_name = "characters" if seqs.kind == "text" else "tokens"
        return Vocabulary(SEQ2SEQ_RESERVED, token_name=token_name).fit(seqs.values)

    def _validate_targets(self, Y, X, lengths, *, reset: bool, X_given):
        """Target ids (end token appended, padded) and their lengths, or values
        ``(n, T, F)`` and ``None``: of ``Y``, or of ``X`` for an autoencoder."""
        n = len(X)
        Y = None if Y is None else check_container(Y, "Y")
        if isinstance(self.autoencoder, str):  # "auto": deprecated
            warnings.warn(
                "autoencoder='auto' is deprecated in 0.2.0 and will be removed in 0.3.0; "
                "set autoencoder=True (train an autoencoder of X, ignoring the labels a "
                "Pipeline passes as Y) or False (the default: Y holds target sequences).",
                FutureWarning,
                stacklevel=6,
            )
        Y_kind = None if Y is None else sequence_kind(Y, tokens="auto", input_name="Y")
        # the deprecated "auto" guesses labels from Y's kind (strings beside numeric X too)
        labels = Y is not None and _holds_labels(Y_kind, self.input_kind_)
        auto = isinstance(self.autoencoder, str)
        ignore_Y = Y is not None and (labels if auto else bool(self.autoencoder))
        if (ignore_Y or Y_kind == "scalars") and len(Y) != n:
            # an error first: no warning or advice about a Y that cannot pair
            raise ValueError(
                f"X and Y must pair up: X has {n} sequences but Y has {len(Y)} values."
            )
        if labels and auto:
            warnings.warn(
                "Y holds one scalar per sample (class labels, as a Pipeline passes them), "
                "not target sequences, so it is ignored and an autoencoder of X is trained. "
                "Set autoencoder=True to ask for this (no warning), or autoencoder=False to "
                "have Y read as target sequences.",
                UserWarning,
                stacklevel=6,
            )
        if Y_kind == "scalars" and not ignore_Y:
            raise ValueError(
                "Y holds one number per sample, not target sequences (a Pipeline passes "
                "its labels or targets as Y). To embed X in front of a supervised model, "
                "set autoencoder=True (Y is then ignored); otherwise give Y as target "
                "sequences, (n_samples, t_out[, f_out]), strings or lists of tokens."
            )
        if ignore_Y:
            Y = None
        if reset:
            self.supervised_ = Y is not None
        elif self.supervised_ != (Y is not None):
            kinds = ["an autoencoder of X", "a model of target sequences Y"]
            raise ValueError(
                f"This Seq2SeqTransformer was fitted as {kinds[self.supervised_]}; continued "
                f"training (partial_fit, warm_start) cannot make it {kinds[not self.supervised_]}. "
                "Fit anew with warm_start=False to change it."
            )
        return self._validate_Y(X_given if Y is None else Y, n, reset=reset)

    def _validate_Y(self, Y, n_samples: int, *, reset: bool = True):
        """Training targets: ids ``(n, T)`` (end token appended, padded) and their
        lengths, or values ``(n, T, F)`` and ``None``; records the output metadata on
        ``reset`` and checks the targets against it otherwise."""
        seqs = read_sequences(None, Y, reset=True, tokens="auto", input_name="Y")
        if reset:
            self.output_kind_ = seqs.kind
            self.output_vocabulary_ = self._fit_vocabulary(seqs)
        elif seqs.kind != self.output_kind_:
            raise ValueError(
                f"Y holds {seqs.kind} sequences, but this Seq2SeqTransformer was fitted on "
                f"{self.output_kind_} targets; continued training needs the same kind."
            )
        if seqs.kind == "numeric":
            Y = seqs.values
            if Y.ndim not in (2, 3) or Y.shape[1] == 0 or (Y.ndim == 3 and Y.shape[2] == 0):
                raise ValueError(
                    "Numeric Y must be an array (n_samples, t_out) or (n_samples, t_out, "
                    f"f_out) with t_out, f_out >= 1; got shape {Y.shape}."
                )
            shape = (Y.shape[1], int(np.prod(Y.shape[2:])))
            if reset:
                self._y_ndim = Y.ndim
                self.output_shape_ = shape
                self.max_output_length_ = int(self.max_output_length or Y.shape[1])
            elif Y.ndim != self._y_ndim or shape != tuple(self.output_shape_):
                raise ValueError(
                    f"Y has shape {Y.shape}, but this Seq2SeqTransformer was fitted on "
                    f"targets (n_samples, {', '.join(map(str, self.output_shape_))}) of "
                    f"{self._y_ndim} dimensions; continued training needs the same."
                )
            targets, lengths = np.ascontiguousarray(Y.reshape(len(Y), Y.shape[1], -1)), None
        else:
            targets, lengths = self.output_vocabulary_.encode(
                seqs.values, add_end=True, input_name="Y"
            )
            if reset:
                self.output_shape_ = None
                longest = int(lengths.max()) - 1
                self.max_output_length_ = int(
                    self.max_output_length or (longest + max(2, math.ceil(0.2 * longest)))
                )
        if len(targets) != n_samples:
            raise ValueError(
                f"X and Y must pair up: X has {n_samples} sequences but Y has {len(targets)}."
            )
        return targets, lengths

    def _net_input(self, X, lengths, *, y=None, target_lengths=None, sample_weight=None):
        """The module's inputs ``{"X", "lengths"}`` (token input); for training also the
        teacher's targets ``"y_teacher"`` and what the loss only reads: the target
        lengths of token targets and the sample weights."""
        inputs = {"X": X}
        if lengths is not None:
            inputs["lengths"] = lengths
        if y is not None:
            inputs["y_teacher"] = y
        if target_lengths is not None:  # token targets: the loss skips their padding
            inputs[TARGET_LENGTHS] = target_lengths
        if sample_weight is not None:
            inputs[SAMPLE_WEIGHT] = sample_weight
        return inputs

    # -- training -------------------------------------------------------------------------
    _net_class = Seq2SeqNet

    #: ``decoding`` and ``beam_width`` are read by ``predict`` only.
    _per_call_params = BaseNetEstimator._per_call_params | {"decoding", "beam_width"}

    def _criterion_kwargs(self) -> dict:
        """The loss, as skorch ``criterion`` arguments: a subclass hook (as in ``BaseRNN``)."""
        if self.output_kind_ != "numeric":
            return dict(criterion=torch.nn.CrossEntropyLoss)
        return loss_criterion(self.loss, self.quantiles) or dict(criterion=torch.nn.MSELoss)

    def _batch_size(self) -> int:
        """``batch_size``, or :func:`auto_batch_size` of the pairs of the fit that built
        the network (continued training keeps its batch size)."""
        if self.batch_size != "auto":
            return self.batch_size
        return auto_batch_size(self._n_build_pairs)

    # -- "auto" settings, resolved from the fitted kinds of data ---------------------------
    def _token_targets(self) -> bool:
        """Whether the network is trained on token targets given as ``Y`` (not an
        autoencoder): the fits that ``attention`` and ``lr_schedule`` "auto" serve."""
        return bool(self.supervised_) and self.output_kind_ != "numeric"

    def _attention(self) -> str | None:
        """``attention``, resolved when it is ``"auto"``."""
        if self.attention != "auto":
            return self.attention
        return "additive" if self._token_targets() else None

    def _auto_lr_schedule(self) -> str:
        """``lr_schedule="auto"``: ``"cosine"`` for token targets, else ``"constant"``."""
        return "cosine" if self._token_targets() else "constant"

    def _lr(self) -> float:
        """``lr``, resolved when it is ``"auto"``: 1e-3, times the batch size over 32
        for larger batches."""
        if self.lr != "auto":
            return self.lr
        return 1e-3 * max(1.0, self._batch_size() / 32)

    def _common_net_kwargs(self) -> dict:
        return {**super()._common_net_kwargs(), "lr": float(self._lr())}

    def _module_kwargs(self) -> dict:
        tokens_in = self.input_kind_ != "numeric"
        tokens_out = self.output_kind_ != "numeric"
        return plain_scalars(
            dict(
                module=Seq2SeqModule,
                module__n_inputs=(
                    len(self.input_vocabulary_) if tokens_in else self.input_shape_[1]
                ),
                module__n_outputs=(
                    len(self.output_vocabulary_) if tokens_out else self.output_shape_[1]
                ),
                module__tokens_in=tokens_in,
                module__tokens_out=tokens_out,
                module__cell=self.cell,
                module__units=self.units,
                module__num_layers=self.num_layers,
                module__bidirectional=self._bidirectional(),
                module__dropout=self.dropout,
                module__attention=self._attention(),
                module__teacher_forcing=self.teacher_forcing,
            )
        )

    def _bidirectional(self) -> bool:
        """``bidirectional``, or the deprecated ``bidirectional_encoder`` when it is set."""
        if isinstance(self.bidirectional_encoder, str):  # "deprecated": not set
            return self.bidirectional
        return self.bidirectional_encoder

    def _fit(self, X, Y, **kwargs):
        if not isinstance(self.bidirectional_encoder, str):
            warnings.warn(
                "bidirectional_encoder was renamed bidirectional and will be removed in a "
                f"future release; use bidirectional={self.bidirectional_encoder!r} instead.",
                FutureWarning,
                stacklevel=4,
            )
        return super()._fit(X, Y, **kwargs)

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, Y=None, sample_weight=None):
        """Train on input sequences ``X`` and target sequences ``Y``.

        Parameters
        ----------
        X : array-like (n_samples, time_steps[, n_features]), list of str or list of \
int sequences
            Input sequences.
        Y : same kinds as X, or None
            Target sequences, one per input sequence. ``None`` trains an autoencoder
            that reconstructs ``X``; see ``autoencoder`` for labels passed by a Pipeline.
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative weight of each pair in the loss (the weighted mean over the
            batch; every output step of a pair has its weight). ``None``: equal weights.

        Returns
        -------
        self : object
            The fitted estimator.
        """
        return self._fit(
            X, Y, epochs=self.epochs, incremental=self.warm_start, sample_weight=sample_weight
        )

    @_fit_context(prefer_skip_nested_validation=True)
    def partial_fit(self, X, Y=None, sample_weight=None):
        """Train for one epoch, starting from the current weights when already fitted.

        Parameters
        ----------
        X : array-like (n_samples, time_steps[, n_features]), list of str or list of \
int sequences
            Input sequences, as in :meth:`fit` (after the first call: of the kind and
            vocabulary seen first).
        Y : same kinds as X, or None
            Target sequences, as in :meth:`fit`.
        sample_weight : array-like of shape (n_samples,), default=None
            As in :meth:`fit`.

        Returns
        -------
        self : object
            The estimator, trained one more epoch.
        """
        return self._fit(X, Y, epochs=1, incremental=True, sample_weight=sample_weight)

    def _encode_training_data(self, X, y, lengths, *, reset: bool, sample_weight=None):
        """Per-window normalised numeric ``X`` and numeric targets on the net's scale."""
        numeric_in, numeric_out = self.input_kind_ == "numeric", self.output_kind_ == "numeric"
        self._check_instance_norm(numeric_in)
        if reset:
            self.embedding_dim_ = self.units * (2 if self._bidirectional() else 1)
            self._n_build_pairs = len(X)  # batch_size="auto" of the network built now
        window = None
        if numeric_in:
            if reset:
                n_outputs = self.output_shape_[1] if numeric_out else 0
                self._set_target_columns(
                    self.input_shape_[1], n_outputs, identity=not (self.supervised_ and numeric_out)
                )
            X, window = self._normalize_X(X)
        if numeric_out:
            y = self._encode_target(y, window, reset=reset, sample_weight=sample_weight)
        return X, y

    # -- inference ------------------------------------------------------------------------
    def _inputs(self, X):
        """Validated (and per-window normalised) module inputs, and the window
        statistics that map numeric outputs back."""
        check_is_fitted(self, "net_")
        X, lengths = self._validate_X(X, reset=False)
        window = None
        if self.input_kind_ == "numeric":
            X, window = self._normalize_X(X)
        return self._net_input(X, lengths), window

    def predict(self, X):
        """Decode the output sequence of each input sequence.

        Parameters
        ----------
        X : array-like (n_samples, time_steps[, n_features]), list of str or list of \
int sequences
            Input sequences of the kind seen in :meth:`fit`.

        Returns
        -------
        Y : ndarray (n_samples, t_out[, f_out]) of float64, ndarray of str, or list of \
lists of int
            The kind of the training targets (``X`` itself for an autoencoder).
        """
        check_is_fitted(self, "net_")
        beam = self._beam()
        tokens_out = self.output_vocabulary_ is not None
        steps = self.max_output_length_ + (1 if tokens_out else 0)
        outputs = []
        # many inputs (beam search above all) take a while: with verbose, a progress bar
        inputs, window = self._inputs(X)
        batches = progress(
            self.net_.decode_iter(inputs, max_steps=steps, beam_width=beam),
            total=-(-len(inputs["X"]) // self._predict_batch_size()),
            desc="decoding",
            verbose=None if self.verbose else False,
        )
        for out in batches:
            if tokens_out:
                # at most max_output_length_ tokens: the last step may only end
                ids = out.numpy()[:, : self.max_output_length_]
                tokens = self.output_vocabulary_.decode(ids)
                if self.output_kind_ == "text":
                    tokens = ["".join(t) for t in tokens]
                outputs.extend(tokens)
            else:
                outputs.append(out.numpy().astype(np.float64))
        if tokens_out:
            if self.output_kind_ == "text":
                return np.array(outputs, dtype=object)
            return outputs
        Y = self._check_finite_output(self._decode_target(np.concatenate(outputs), window), X)
        return Y[:, :, 0] if self._y_ndim == 2 else Y

    def _beam(self) -> int:
        """Width of ``predict``'s beam search (1: greedy decoding). ``decoding`` and
        ``beam_width`` may be changed after ``fit`` (``set_params``), so ``predict``
        checks the two it reads."""
        options = sorted(self._parameter_constraints["decoding"][0].options)
        if not (isinstance(self.decoding, str) and self.decoding in options):
            raise ValueError(f"decoding={self.decoding!r} is not a decoding; use one of {options}.")
        if self.decoding == "greedy":
            return 1
        return int(check_scalar(self.beam_width, "beam_width", Integral, min_val=1))

    def _attention_map(self, x) -> tuple[np.ndarray, list[str], list[str]]:
        """The decoder's attention over one input sequence ``x`` while it produces the
        output ``predict`` gives: weights ``(output steps, input steps)`` (each row sums
        to 1), and the labels of the input and output steps. Token outputs end with the
        step that emits the end token. Used by :class:`~skrnn.AttentionDisplay`."""
        check_is_fitted(self, "net_")
        if self._attention() is None:
            which = (
                "attention='auto', which is None for numeric targets and autoencoders"
                if self.attention == "auto"
                else "attention=None"
            )
            raise ValueError(
                f"This Seq2SeqTransformer has {which}, so there are no attention weights; "
                "fit it with attention='additive' or 'dot'."
            )
        X = np.asarray(x, dtype=np.float32)[None] if self.input_kind_ == "numeric" else [x]
        inputs = self._inputs(X)[0]
        # the decoder is fed its own outputs back (teacher forcing), so it takes the
        # same steps as when it produced them, greedy or beam search alike
        if self.output_vocabulary_ is None:  # values on the net's (scaled) side
            targets = next(self.net_.decode_iter(inputs, max_steps=self.max_output_length_))
            out_labels = [str(t) for t in range(targets.shape[1])]
        else:
            pred = self.predict(X)[0]
            targets = (
                self.output_vocabulary_.encode([list(pred)], add_end=True, input_name="Y")[0]
                if len(pred)
                else np.array([[EOS]])
            )
            out_labels = [str(t) for t in pred] + ["<end>"]
        weights = self.net_.attention_weights(inputs, targets)[0]
        in_labels = (
            [str(t) for t in range(weights.shape[1])]
            if self.input_kind_ == "numeric"
            else [str(t) for t in x]
        )
        return weights, in_labels, out_labels

    def transform(self, X) -> np.ndarray:
        """Fixed-length encoder embeddings of the sequences.

        Parameters
        ----------
        X : array-like (n_samples, time_steps[, n_features]), list of str or list of \
int sequences
            Input sequences of the kind seen in :meth:`fit`.

        Returns
        -------
        E : ndarray of shape (n_samples, `embedding_dim_`), float64
            The encoder's final top-layer hidden state (both directions concatenated).
        """
        parts = [out.numpy() for out in self.net_.embed_iter(self._inputs(X)[0])]
        return self._check_finite_output(np.concatenate(parts).astype(np.float64), X)

    @property
    def _n_features_out(self) -> int:
        return self.embedding_dim_

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.required = False
        return tags
