"""Encoder-decoder RNN (sequence to sequence) as a scikit-learn transformer."""

from __future__ import annotations

import math
import warnings
from numbers import Integral, Real

import numpy as np
import torch
from sklearn.base import (
    BaseEstimator,
    ClassNamePrefixFeaturesOutMixin,
    TransformerMixin,
    _fit_context,
)
from sklearn.utils import check_scalar
from sklearn.utils._param_validation import Hidden, Interval, StrOptions
from sklearn.utils.validation import check_is_fitted

from ._base import (
    PREDICT_BATCH_SIZE,
    TRAINING_CONSTRAINTS,
    SkorchNetMixin,
    plain_scalars,
    resolve_device,
)
from ._nets import TARGET_LENGTHS, Seq2SeqNet
from ._normalization import TargetNormMixin
from ._progress import progress
from ._random import fit_seed
from ._seq2seq_modules import Seq2SeqModule
from ._sequences import check_container, read_sequences, sequence_kind
from ._transaction import transactional
from ._vocab import EOS, SEQ2SEQ_RESERVED, Vocabulary

__all__ = ["Seq2SeqTransformer"]


def _holds_labels(Y_kind: str, X_kind: str) -> bool:
    """Whether a ``Y`` of :func:`~skrnn._sequences.sequence_kind` ``Y_kind`` is one
    scalar per sample (class labels, as a Pipeline passes them) rather than target
    sequences: numbers, or strings beside numeric ``X`` (beside text they are texts)."""
    return Y_kind == "scalars" or (Y_kind == "text" and X_kind == "numeric")


class Seq2SeqTransformer(
    TargetNormMixin,
    ClassNamePrefixFeaturesOutMixin,
    TransformerMixin,
    SkorchNetMixin,
    BaseEstimator,
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
    labels as ``Y``. With ``autoencoder="auto"`` (the default), a ``Y`` holding one scalar
    per sample (class labels or a 1D numeric target; for numeric ``X``, also 1D string
    labels) is ignored too, with a warning. ``transform`` returns the encoder's embedding
    of each sequence.

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
    attention : {None, "additive", "dot"}, default=None
        Attention over the encoder outputs (Luong et al., 2015): at each output step the
        decoder's new hidden state scores every input position, additively
        (``v^T tanh(W_q q + W_k k)``) or by scaled dot product; the weighted sum of the
        encoder outputs is concatenated with the hidden state before the output layer.
        Padding positions of variable-length inputs get zero weight.
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
        Passes over the training data.
    batch_size : int, default=32
        Mini-batch size.
    lr : float, default=1e-3
        Learning rate.
    optimizer : {"adam", "adamw", "sgd", "rmsprop", "adagrad"} or torch optimizer class, \
default="adam"
        Optimizer.
    clip_grad_norm : float or None, default=1.0
        Clip the gradient norm to this value (skorch's ``GradientNormClipping``).
    random_state : int, RandomState instance or None, default=None
        Seeds weight initialisation, shuffling, dropout and teacher forcing. A fixed
        value gives identical results on CPU.
    device : str, default="cpu"
        Torch device, for example "cuda".
    callbacks : list of skorch callbacks or (name, callback) tuples, default=None
        Extra skorch callbacks; copied at ``fit``.
    verbose : int, default=0
        0 trains quietly. When positive, ``fit`` prints a table of the per-epoch
        losses; in a terminal or notebook with a progress bar over each epoch's batches
        (skorch's ``ProgressBar``) and the best values coloured, elsewhere (log files,
        pipes) as plain text; ``predict`` shows a bar over its batches of inputs in a
        terminal when decoding takes more than 2 seconds.
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
    autoencoder : bool or "auto", default="auto"
        ``True``: train an autoencoder of ``X`` and ignore ``Y`` (a Pipeline's labels).
        ``False``: ``Y`` holds the target sequences (``None``: ``X``). ``"auto"``: as
        ``False``, except that a ``Y`` of one scalar per sample is ignored, with a
        ``UserWarning``.
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
        **TRAINING_CONSTRAINTS,
        "bidirectional_encoder": ["boolean", Hidden(StrOptions({"deprecated"}))],
        "attention": [StrOptions({"additive", "dot"}), None],
        "teacher_forcing": [Interval(Real, 0, 1, closed="both")],
        "decoding": [StrOptions({"greedy", "beam"})],
        "beam_width": [Interval(Integral, 1, None, closed="left")],
        "max_output_length": [Interval(Integral, 1, None, closed="left"), None],
        "autoencoder": ["boolean", StrOptions({"auto"})],
        **TargetNormMixin._norm_constraints,
    }

    def __init__(
        self,
        *,
        cell="lstm",
        units=64,
        num_layers=1,
        bidirectional=False,
        dropout=0.0,
        attention=None,
        teacher_forcing=1.0,
        decoding="greedy",
        beam_width=3,
        max_output_length=None,
        epochs=50,
        batch_size=32,
        lr=1e-3,
        optimizer="adam",
        clip_grad_norm=1.0,
        random_state=None,
        device="cpu",
        callbacks=None,
        verbose=0,
        scale_target=True,
        instance_norm=None,
        target_feature=0,
        autoencoder="auto",
        bidirectional_encoder="deprecated",
    ):
        self.cell = cell
        self.units = units
        self.num_layers = num_layers
        self.bidirectional = bidirectional
        self.dropout = dropout
        self.attention = attention
        self.teacher_forcing = teacher_forcing
        self.decoding = decoding
        self.beam_width = beam_width
        self.max_output_length = max_output_length
        self.epochs = epochs
        self.batch_size = batch_size
        self.lr = lr
        self.optimizer = optimizer
        self.clip_grad_norm = clip_grad_norm
        self.random_state = random_state
        self.device = device
        self.callbacks = callbacks
        self.verbose = verbose
        self.scale_target = scale_target
        self.instance_norm = instance_norm
        self.target_feature = target_feature
        self.autoencoder = autoencoder
        self.bidirectional_encoder = bidirectional_encoder

    # -- input handling -------------------------------------------------------------------
    def _validate_X(self, X, *, reset: bool) -> dict:
        """Module inputs for ``X``: ``{"X": ...}`` plus ``"lengths"`` for tokens."""
        seqs = read_sequences(
            self,
            X,
            reset=reset,
            tokens="auto",
            fitted_kind=None if reset else self.input_kind_,
        )
        if reset:
            self.input_kind_ = seqs.kind
            self.input_vocabulary_ = self._fit_vocabulary(seqs)
        if seqs.kind == "numeric":
            return {"X": seqs.values}
        ids, lengths = self.input_vocabulary_.encode(seqs.values, input_name="X")
        return {"X": ids, "lengths": lengths}

    @staticmethod
    def _fit_vocabulary(seqs) -> Vocabulary | None:
        """The vocabulary of token sequences ``seqs`` (``None`` for numeric ones)."""
        if seqs.kind == "numeric":
            return None
        token_name = "characters" if seqs.kind == "text" else "tokens"
        return Vocabulary(SEQ2SEQ_RESERVED, token_name=token_name).fit(seqs.values)

    def _validate_Y(self, Y, n_samples: int) -> tuple[np.ndarray, np.ndarray | None]:
        """Training targets: ids ``(n, T)`` (end token appended, padded) and their
        lengths, or values ``(n, T, F)`` and ``None``; records the output metadata."""
        seqs = read_sequences(None, Y, reset=True, tokens="auto", input_name="Y")
        self.output_kind_ = seqs.kind
        self.output_vocabulary_ = self._fit_vocabulary(seqs)
        if seqs.kind == "numeric":
            Y = seqs.values
            if Y.ndim not in (2, 3) or Y.shape[1] == 0 or (Y.ndim == 3 and Y.shape[2] == 0):
                raise ValueError(
                    "Numeric Y must be an array (n_samples, t_out) or (n_samples, t_out, "
                    f"f_out) with t_out, f_out >= 1; got shape {Y.shape}."
                )
            self._y_ndim = Y.ndim
            Y = np.ascontiguousarray(Y.reshape(len(Y), Y.shape[1], -1))
            self.output_shape_ = Y.shape[1:]
            self.max_output_length_ = int(self.max_output_length or Y.shape[1])
            targets, lengths = Y, None
        else:
            self.output_shape_ = None
            targets, lengths = self.output_vocabulary_.encode(
                seqs.values, add_end=True, input_name="Y"
            )
            longest = int(lengths.max()) - 1
            self.max_output_length_ = int(
                self.max_output_length or (longest + max(2, math.ceil(0.2 * longest)))
            )
        if len(targets) != n_samples:
            raise ValueError(
                f"X and Y must pair up: X has {n_samples} sequences but Y has {len(targets)}."
            )
        return targets, lengths

    # -- training -------------------------------------------------------------------------
    def _criterion_kwargs(self) -> dict:
        """The loss, as skorch ``criterion`` arguments: a subclass hook (as in ``BaseRNN``)."""
        if self.output_kind_ != "numeric":
            return dict(criterion=torch.nn.CrossEntropyLoss)
        return dict(criterion=torch.nn.MSELoss)

    def _build_net(self):
        tokens_in = self.input_kind_ != "numeric"
        tokens_out = self.output_kind_ != "numeric"
        callbacks = self._common_callbacks()
        module_kwargs = plain_scalars(
            dict(
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
                module__attention=self.attention,
                module__teacher_forcing=self.teacher_forcing,
            )
        )
        return Seq2SeqNet(
            module=Seq2SeqModule,
            **module_kwargs,
            **self._criterion_kwargs(),
            **self._common_net_kwargs(),
            iterator_valid__batch_size=PREDICT_BATCH_SIZE,
            train_split=None,
            callbacks=callbacks,
        )

    def _bidirectional(self) -> bool:
        """``bidirectional``, or the deprecated ``bidirectional_encoder`` when it is set."""
        if isinstance(self.bidirectional_encoder, str):  # "deprecated": not set
            return self.bidirectional
        return self.bidirectional_encoder

    @transactional
    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, Y=None):
        """Train on input sequences ``X`` and target sequences ``Y``.

        Parameters
        ----------
        X : array-like (n_samples, time_steps[, n_features]), list of str or list of \
int sequences
            Input sequences.
        Y : same kinds as X, or None
            Target sequences, one per input sequence. ``None`` trains an autoencoder
            that reconstructs ``X``; see ``autoencoder`` for labels passed by a Pipeline.

        Returns
        -------
        self : object
            The fitted estimator.
        """
        if not isinstance(self.bidirectional_encoder, str):
            warnings.warn(
                "bidirectional_encoder was renamed bidirectional and will be removed in a "
                f"future release; use bidirectional={self.bidirectional_encoder!r} instead.",
                FutureWarning,
                stacklevel=3,
            )
        resolve_device(self.device)
        X = check_container(X)  # once: the autoencoder's targets are X too
        inputs = self._validate_X(X, reset=True)
        n = len(inputs["X"])
        Y = None if Y is None else check_container(Y, "Y")
        labels = Y is not None and _holds_labels(
            sequence_kind(Y, tokens="auto", input_name="Y"), self.input_kind_
        )
        if labels and self.autoencoder == "auto":
            warnings.warn(
                "Y holds one scalar per sample (class labels, as a Pipeline passes them), "
                "not target sequences, so it is ignored and an autoencoder of X is trained. "
                "Set autoencoder=True to ask for this (no warning), or autoencoder=False to "
                "have Y read as target sequences.",
                UserWarning,
                stacklevel=3,
            )
        if Y is not None and (self.autoencoder is True or (labels and self.autoencoder)):
            if len(Y) != n:
                raise ValueError(
                    f"X and Y must pair up: X has {n} sequences but Y has {len(Y)} values."
                )
            Y = None
        self.supervised_ = Y is not None
        targets, target_lengths = self._validate_Y(X if Y is None else Y, n)
        if target_lengths is not None:  # token targets: the loss skips their padding
            inputs[TARGET_LENGTHS] = target_lengths
        inputs["X"], targets = self._normalize_training_data(inputs["X"], targets)
        self.embedding_dim_ = self.units * (2 if self._bidirectional() else 1)
        seed = fit_seed(self.random_state)
        self.net_ = self._initialize_net(self._build_net(), seed)
        self._train(self.net_, seed, {**inputs, "y_teacher": targets}, targets)
        self.n_iter_ = len(self.net_.history)
        return self

    def _normalize_training_data(self, X, targets):
        """Per-window normalised numeric ``X`` and numeric targets on the net's scale."""
        numeric_in, numeric_out = self.input_kind_ == "numeric", self.output_kind_ == "numeric"
        self._check_instance_norm(numeric_in)
        window = None
        if numeric_in:
            n_outputs = self.output_shape_[1] if numeric_out else 0
            self._set_target_columns(
                self.input_shape_[1], n_outputs, identity=not (self.supervised_ and numeric_out)
            )
            X, window = self._normalize_X(X)
        if numeric_out:
            targets = self._encode_target(targets, window, reset=True)
        return X, targets

    # -- inference ------------------------------------------------------------------------
    def _inputs(self, X):
        """Validated (and per-window normalised) module inputs, and the window
        statistics that map numeric outputs back."""
        check_is_fitted(self, "net_")
        inputs = self._validate_X(X, reset=False)
        window = None
        if self.input_kind_ == "numeric":
            inputs["X"], window = self._normalize_X(inputs["X"])
        return inputs, window

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
            total=-(-len(inputs["X"]) // PREDICT_BATCH_SIZE),
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
        if self.attention is None:
            raise ValueError(
                "This Seq2SeqTransformer has attention=None, so there are no attention "
                "weights; fit it with attention='additive' or 'dot'."
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
