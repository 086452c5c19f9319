"""Recurrent neural network regressor."""

from __future__ import annotations

import numpy as np
from sklearn.base import RegressorMixin, _fit_context
from sklearn.metrics import r2_score
from sklearn.utils._param_validation import StrOptions
from sklearn.utils.validation import check_is_fitted

from .._input.validation import check_numeric, pad_sequences
from .._torch.losses import LOSSES, loss_criterion
from .._training.nets import SequenceRegressorNet
from ._base import BaseRNN, split_step_targets
from ._normalization import TargetNormMixin

__all__ = ["RNNRegressor"]


class RNNRegressor(TargetNormMixin, RegressorMixin, BaseRNN):
    """Recurrent neural network regressor (vanilla RNN, LSTM or GRU) trained with skorch.

    Reads each sequence of ``X`` and predicts one value (or one vector, for multi-output
    ``y``) from its final representation, minimising the mean squared error with
    mini-batch gradient descent.

    Parameters
    ----------
    cell : {"lstm", "gru", "rnn"}, default="lstm"
        Recurrent cell type.
    units : int, default=32
        Hidden units per recurrent layer (and direction).
    num_layers : int, default=1
        Number of stacked recurrent layers.
    bidirectional : bool, default=False
        Read sequences in both directions.
    dropout : float, default=0.0
        Dropout between stacked layers and before the output layer.
    activation : {"tanh", "relu"}, default="tanh"
        Nonlinearity of the vanilla RNN cell (ignored by LSTM and GRU).
    epochs : int or "auto", default="auto"
        The most passes over the training data per call to ``fit``: training stops
        sooner when it has converged (``n_iter_no_change``). ``"auto"``: 150 epochs for
        a table (one time step); for sequences at least 100 epochs and at least 1000
        optimizer steps (mini-batches), so a small training set, which has few batches
        per epoch, gets more epochs (40 samples at batch size 32: 500 epochs).
        Sequences train at least 1000 optimizer steps (or all ``epochs``, when fewer)
        before the convergence rule may stop them: a plateau of the loss is not
        convergence there. ``partial_fit`` always trains one epoch.
    batch_size : int or "auto", default="auto"
        Mini-batch size. ``"auto"``: 200 for a table (one time step; as scikit-learn's
        MLP, all samples when fewer), 32 for sequences.

        .. versionchanged:: 0.2.0
           The default was 32 for every input.
    lr : float, default=1e-3
        Learning rate (with a decaying ``lr_schedule``: that of the first epoch of each
        training call).
    lr_schedule : {"auto", "constant", "cosine", "cooldown"}, default="auto"
        The learning rate over the epochs of each training call (``epochs`` for
        ``fit``; a ``partial_fit`` call, one epoch, trains at ``lr``). ``"constant"``:
        ``lr`` throughout; give it with a learning-rate scheduler of your own in
        ``callbacks`` (with a decaying schedule, a skorch ``LRScheduler`` there is a
        ``ValueError``). ``"cosine"``: from ``lr`` towards 0 along a half cosine, as
        PyTorch's ``CosineAnnealingLR`` stepped once per epoch. ``"cooldown"``: ``lr``
        until the last 30% of the epochs, then falling linearly towards 0 (the
        learning rate of epoch ``e`` of ``E`` is ``lr * min(1, (E - e) / (0.3 E))``,
        ``e`` from 0). ``history_`` records each epoch's rate of a decaying schedule as
        ``event_lr``; with ``epochs="auto"`` it spans the bound of epochs, which
        convergence stopping may cut short. ``"auto"``: ``"constant"`` (a cosine over
        ``epochs`` slowed the next-character model of examples/text_generation.py,
        whose learning is limited by its steps; a cooldown over its last epochs
        helped it, docs/benchmarks.md "Time to accuracy").

        .. versionadded:: 0.2.0
    optimizer : {"adam", "adamw", "sgd", "rmsprop", "adagrad"} or torch optimizer class, \
default="adam"
        Optimizer.
    weight_decay : float, default=0.0
        L2 penalty passed to the optimizer.
    clip_grad_norm : float or None, default=None
        Clip the gradient norm to this value (skorch's ``GradientNormClipping``).
    early_stopping : bool, default=False
        Hold out ``validation_fraction`` of the training data and judge convergence by
        the score on it (R², accuracy) instead of the training loss; the weights of the
        best epoch are restored (as scikit-learn's MLP).
    validation_fraction : float, default=0.1
        Share of the training data held out when ``early_stopping`` is on.
    n_iter_no_change : int or None, default=10
        Training stops when the training loss (with ``early_stopping``: the validation
        score) has not improved by more than ``tol`` for more than this many
        consecutive epochs, as in scikit-learn's MLP (sequences: after their first 1000
        optimizer steps, see ``epochs``); ``epochs`` is the upper bound, and
        a fit that reaches it first gives a ``ConvergenceWarning``, when the rule
        could have stopped it earlier (a bound longer than ``n_iter_no_change`` epochs
        and than the sequences' 1000 steps). ``None``: train exactly ``epochs`` epochs.

        .. versionadded:: 0.2.0
           Before, training always ran ``epochs`` epochs (``patience`` stopped on the
           validation loss with ``early_stopping`` only).
    patience : int, default="deprecated"
        Deprecated alias of ``n_iter_no_change``, to be removed.
    tol : float, default=1e-4
        Least improvement (absolute, as scikit-learn's) of the training loss (or the
        validation score) that counts as progress.
    random_state : int, RandomState instance or None, default=None
        Seeds weight initialisation, shuffling, dropout and the validation split.
        A fixed value gives identical results on CPU.
    device : str, default="cpu"
        Torch device, for example "cuda".
    distributed : bool, default=False
        Train data-parallel across the processes of a ``torch.distributed`` process
        group (a script launched with ``torchrun``, one process per GPU): each global
        batch of ``batch_size`` sequences is split between the processes and
        ``DistributedDataParallel`` averages the gradients, so every process ends with
        the same model, the single-process one up to rounding. Every process passes the
        whole data set to ``fit``. See the user guide's GPU page.
    callbacks : list of skorch callbacks or (name, callback) tuples, default=None
        Extra skorch callbacks (LR schedulers, checkpoints, ...). They are copied at
        ``fit``; the objects passed here are never modified.
    verbose : int, default=0
        0 trains quietly. When positive, ``fit`` prints a table of the per-epoch
        losses; in a terminal or notebook with a progress bar over each epoch's batches
        (skorch's ``ProgressBar``) and the best values coloured, elsewhere (log files,
        pipes) as plain text.
    warm_start : bool, default=False
        When fitted already, continue training instead of starting anew.
    pooling : {"last", "mean", "max"}, default="last"
        How a sequence's outputs become one vector (many-to-one): its true last step
        (padding excluded), or the mean or max over its steps.
    return_sequences : bool, default=False
        Many-to-many: predict one target per time step (sequence labelling); the loss
        skips padded steps of variable-length sequences.
    embedding_dim : int or None, default=None
        Token input: when set, ``X`` holds token ids, a 2D integer array
        ``(n_samples, width)`` padded with 0 after each sequence's tokens (what
        :class:`SequenceTokenizer` gives: ``make_pipeline(SequenceTokenizer("char"),
        RNNRegressor(embedding_dim=8))``), and they go through an embedding layer of
        this size before the recurrent layers; the padding marks each sequence's length.
        ``None``: ``X`` holds numeric sequences.

        .. versionchanged:: 0.2.0
           A 2D integer array holds ids as they are (0: padding). Before, its values
           were tokens mapped through ``vocabulary_``. Texts, lists of string tokens and
           lists of integer tokens are still mapped through ``vocabulary_``, with a
           ``FutureWarning``: that reading is deprecated and will be removed in 0.3.0.
    max_vocab : int or None, default="deprecated"
        Text input (deprecated): keep the ``max_vocab`` most frequent tokens (unset:
        all tokens seen in ``fit``); the others, and tokens not seen in ``fit``, share
        the unknown id.

        .. deprecated:: 0.2.0
           Use ``SequenceTokenizer(max_vocab=...)``; removed in 0.3.0.
    tokenizer : {"char", "word"} or callable, default="deprecated"
        Text input (deprecated): how strings are split (unset: characters):
        characters, scikit-learn's word analyzer (lowercased words of 2+ alphanumeric
        characters), or a callable returning a list of tokens.

        .. deprecated:: 0.2.0
           Use ``SequenceTokenizer(analyzer=...)``; removed in 0.3.0.
    time_steps : int or None, default=1
        How a 2D ``X`` (a table ``(n_samples, n_columns)``, array or DataFrame) is read.
        ``1``: one step of all its columns, what an MLP sees (a table of unordered
        features). ``None``: univariate sequences, one column per time step (the
        time-series convention of sktime and tslearn). An int ``k``: each row holds ``k``
        time steps of ``n_columns / k`` features, step by step (the first
        ``n_columns / k`` columns are step 1). Sequences are 3D ``(n_samples, steps,
        n_features)`` and variable-length lists: they are read as they are.

        .. versionchanged:: 0.2.0
           The default was ``None`` (every column a step); see :doc:`/changes`.
    categorical_features : int, list of int, array-like of bool or None, default=None
        Input features that hold category codes (as scikit-learn's
        ``HistGradientBoostingRegressor(categorical_features=...)``): their positions
        among the features of a time step, or a boolean mask of the features. Each is
        embedded by a learned ``torch.nn.Embedding`` (one row per code, from 0 to the
        largest code seen in ``fit``) and the embedding is appended to the other features
        at every step; ``instance_norm`` leaves the codes as they are. The codes must be
        non-negative integers (encode categories with
        :class:`~sklearn.preprocessing.OrdinalEncoder` first); a code that ``fit`` did
        not see is an error in ``predict`` and in continued training (``partial_fit``:
        its first call must see every code). Numeric input only. ``None``: every
        feature is numeric.

        .. versionadded:: 0.2.0
    categorical_embedding_dim : int or None, default=None
        Size of the embedding of each categorical feature; ``None``:
        ``min(50, (n + 1) // 2)`` for a feature of ``n`` codes (fast.ai's rule of thumb).

        .. versionadded:: 0.2.0
    init : {"keras", "torch"}, default="keras"
        Initial weights. ``"keras"``: Glorot-uniform input weights, orthogonal
        recurrent weights, zero biases with an LSTM forget-gate bias of 1 (Jozefowicz
        et al., 2015), identity recurrent weights for ``cell="rnn"`` with
        ``activation="relu"`` (Le et al., 2015), Glorot output layer: long sequences
        train from the first epochs. ``"torch"``: PyTorch's defaults (every recurrent
        weight uniform in +-1/sqrt(units)). Either is drawn from the fit's own
        generator (``random_state``).
    scale_target : bool, default=True
        Standardise ``y`` per output column (over all samples, and all time steps of
        per-step targets) for training and map the predictions back, so that one
        learning rate suits targets of any unit. ``predict`` is always in ``y``'s units;
        the losses in ``history_`` are on the standardised scale.
    instance_norm : {None, "last", "mean", "standard"}, default=None
        Per-window (reversible instance) normalisation, as in RevIN: before the net,
        each input sequence is shifted by its own last value (``"last"``) or mean
        (``"mean"``), or standardised by its mean and standard deviation
        (``"standard"``), per feature; the target is mapped by the same statistics of
        its input feature (``target_feature``) and predictions are mapped back. For
        forecasting windows of a series with a trend or level changes: the net learns
        changes instead of levels. Numeric input only.
    target_feature : int or list of int, default=0
        With ``instance_norm``: the input feature (position among the features of a
        time step) whose statistics map the target; one int for all outputs or one per
        output column.
    loss : {"squared_error", "pinball"}, default="squared_error"
        The training loss: the mean squared error, or the pinball (quantile) loss at
        ``quantiles`` (``skrnn._torch.losses.PinballLoss``), as scikit-learn's
        ``HistGradientBoostingRegressor(loss="quantile", quantile=...)``.
    quantiles : sequence of float in (0, 1) or None, default=None
        With ``loss="pinball"``: the levels; output column ``j`` of ``y`` is fitted at
        ``quantiles[j % len(quantiles)]``, so several quantiles of one target are fitted
        by repeating its column once per level. ``None``: the median (0.5).

    Attributes
    ----------
    net_ : skorch.NeuralNetRegressor
        The fitted skorch net.
    module_ : torch.nn.Module
        The fitted PyTorch module.
    history_ : skorch.History
        Per-epoch training record (``train_loss``, ``valid_loss``, ``dur``, ...). The
        losses are mean squared errors of the targets as the net sees them: divided by
        ``target_scale_`` (after ``instance_norm``), not in ``y``'s units.
    loss_curve_ : list of float
        Training loss of each epoch (as ``MLPRegressor.loss_curve_``).
    validation_scores_ : list of float or None
        With ``early_stopping=True``: R^2 on the held-out validation set after each
        epoch, ``None`` otherwise. Like the losses, of the targets as the net sees them:
        the same as in ``y``'s units under ``scale_target``, but per normalised window
        with ``instance_norm``.
    n_iter_ : int
        Number of epochs trained.
    n_features_in_ : int
        Columns of a 2D ``X``, or features per time step of a 3D ``X``, seen in ``fit``.
    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Column names, when ``X`` was a DataFrame with string column names.
    input_shape_ : tuple of int
        ``(time_steps, n_features)`` of the sequences seen in ``fit``.
    n_outputs_ : int
        Number of targets.
    target_mean_, target_scale_ : ndarray of shape (`n_outputs_`,)
        Target standardisation learned in ``fit`` (zeros and ones with
        ``scale_target=False``).
    vocabulary_ : dict
        Text or token-list input (deprecated): token to embedding id. Id 0 is padding
        and 1 the unknown token; the tokens follow from 2 in sorted order (integers by
        value). Not set for token ids: their tokenizer holds the vocabulary.
    vocab_size_ : int
        Token input: rows of the embedding, padding and unknown ids included (for ids:
        the largest id seen in ``fit`` plus one; a larger id in ``predict`` is an
        error).
    is_categorical_ : ndarray of shape (`input_shape_[1]`,) or None
        Which features are category codes (``categorical_features``); ``None`` when none.
    categories_ : list of ndarray
        With ``categorical_features``: the codes seen in ``fit``, one sorted array per
        categorical feature (in feature order).

    Examples
    --------
    >>> import numpy as np
    >>> from skrnn import RNNRegressor
    >>> rng = np.random.RandomState(0)
    >>> X = rng.rand(64, 5, 1)
    >>> y = X.sum(axis=(1, 2))
    >>> reg = RNNRegressor(units=8, epochs=3, random_state=0).fit(X, y)
    >>> reg.predict(X[:2]).shape
    (2,)
    """

    _net_class = SequenceRegressorNet
    _lazy_windows = True  # strided windows (a long series, a panel) normalised per batch
    _parameter_constraints: dict = {
        **BaseRNN._parameter_constraints,
        **TargetNormMixin._norm_constraints,
        "loss": [StrOptions(set(LOSSES))],
        "quantiles": ["array-like", None],
    }

    def __init__(
        self,
        *,
        cell="lstm",
        units=32,
        num_layers=1,
        bidirectional=False,
        dropout=0.0,
        activation="tanh",
        epochs="auto",
        batch_size="auto",
        lr=1e-3,
        lr_schedule="auto",
        optimizer="adam",
        weight_decay=0.0,
        clip_grad_norm=None,
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
        pooling="last",
        return_sequences=False,
        embedding_dim=None,
        max_vocab="deprecated",
        tokenizer="deprecated",
        time_steps=1,
        categorical_features=None,
        categorical_embedding_dim=None,
        init="keras",
        scale_target=True,
        instance_norm=None,
        target_feature=0,
        loss="squared_error",
        quantiles=None,
    ):
        super().__init__(
            cell=cell,
            units=units,
            num_layers=num_layers,
            bidirectional=bidirectional,
            dropout=dropout,
            activation=activation,
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
            pooling=pooling,
            return_sequences=return_sequences,
            embedding_dim=embedding_dim,
            max_vocab=max_vocab,
            tokenizer=tokenizer,
            time_steps=time_steps,
            categorical_features=categorical_features,
            categorical_embedding_dim=categorical_embedding_dim,
            init=init,
        )
        self.scale_target = scale_target
        self.instance_norm = instance_norm
        self.target_feature = target_feature
        self.loss = loss
        self.quantiles = quantiles

    def _validate_y(self, y, *, reset, classes=None, lengths=None, n_steps=None):
        if lengths is not None:
            return self._validate_step_targets(y, lengths, n_steps, reset=reset)
        y = check_numeric(y, ensure_2d=False, allow_nd=True, dtype=np.float32, input_name="y")
        if y.ndim not in (1, 2):
            raise ValueError(f"y must be 1D or 2D (n_samples, n_outputs), got a {y.ndim}D array.")
        self._record_outputs(y.ndim == 1, 1 if y.ndim == 1 else y.shape[1], reset=reset)
        return y.reshape(len(y), -1)

    def _validate_step_targets(self, y, lengths, n_steps, *, reset):
        """Per-step targets ``(n, steps, outputs)``, padded with zeros (the loss leaves
        padded steps out: the lengths reach it)."""
        seqs = split_step_targets(y, lengths, n_steps)
        checked = None
        if len({t.shape[1:] for t in seqs}) == 1 and seqs[0].ndim <= 2:
            # all steps checked at once (a check per sequence cost 10x more on thousands
            # of sequences); when that fails, the check per sequence names the one at fault
            try:
                flat = np.concatenate(seqs)
                flat = check_numeric(flat, ensure_2d=False, dtype=np.float32, input_name="y")
                checked = np.split(flat, np.cumsum(lengths)[:-1])
            except (ValueError, TypeError):
                pass
        seqs = checked or [
            check_numeric(t, ensure_2d=False, dtype=np.float32, input_name=f"y[{i}]")
            for i, t in enumerate(seqs)
        ]
        if len({t.shape[1:] for t in seqs}) > 1 or seqs[0].ndim > 2:
            raise ValueError(
                "Per-step targets must all be 1D (t_i,) or all 2D (t_i, n_outputs) with the "
                "same n_outputs."
            )
        is_1d = seqs[0].ndim == 1
        n_outputs = 1 if is_1d else seqs[0].shape[1]
        self._record_outputs(is_1d, n_outputs, reset=reset)
        return pad_sequences(
            [t.reshape(len(t), n_outputs) for t in seqs],
            fill_value=0.0,
            dtype=np.float32,
            length=n_steps,
        )

    def _record_outputs(self, is_1d: bool, n_outputs: int, *, reset: bool) -> None:
        if reset:
            self.n_outputs_ = n_outputs
            self._y_1d = is_1d
        elif n_outputs != self.n_outputs_:
            raise ValueError(
                f"y has {n_outputs} outputs, but {type(self).__name__} was fitted with "
                f"{self.n_outputs_}."
            )

    def _criterion_kwargs(self) -> dict:
        return loss_criterion(self.loss, self.quantiles)

    def _n_outputs(self):
        return self.n_outputs_

    def _encode_training_data(self, X, y, lengths, *, reset, sample_weight=None):
        numeric = not self._reads_tokens()
        self._check_instance_norm(numeric)
        if reset and numeric:
            self._set_target_columns(self.input_shape_[1], self.n_outputs_)
        X, window = self._normalize_X(X, lengths)
        step_lengths = self._step_lengths(X, lengths) if self.return_sequences else None
        y = self._encode_target(
            y, window, reset=reset, sample_weight=sample_weight, lengths=step_lengths
        )
        return X, y

    @_fit_context(prefer_skip_nested_validation=True)
    def partial_fit(self, X, y, lengths=None, sample_weight=None):
        """Train for one epoch, starting from the current weights when already fitted.

        Parameters
        ----------
        X : array-like or list of arrays
            Sequences, as in :meth:`fit`.
        y : array-like
            Targets, as in :meth:`fit`.
        lengths : array-like of shape (n_samples,), default=None
            True lengths of the sequences of a padded ``X``.
        sample_weight : array-like of shape (n_samples,), default=None
            As in :meth:`fit`.

        Returns
        -------
        self : object
            The estimator, trained one more epoch.
        """
        return self._fit(
            X, y, epochs=1, incremental=True, lengths=lengths, sample_weight=sample_weight
        )

    def predict(self, X, lengths=None):
        """Predict targets for sequences ``X``.

        Parameters
        ----------
        X : array-like or list of arrays
            Sequences, as in :meth:`fit`.
        lengths : array-like of shape (n_samples,), default=None
            True lengths of the sequences of a padded ``X``.

        Returns
        -------
        y : ndarray of shape (n_samples,) or (n_samples, n_outputs)
            With ``return_sequences=True``: one prediction per time step, an array
            ``(n_samples, time_steps[, n_outputs])`` for fixed-length input or a list of
            arrays ``(t_i[, n_outputs])`` for variable-length input.
        """
        check_is_fitted(self, "net_")
        X, lengths = self._validate_X(X, reset=False, lengths=lengths)
        X, window = self._normalize_X(X, lengths)
        out = self._decode_target(self._net_output(X, lengths), window)
        if self._y_1d:
            out = out[..., 0]
        return self._unpad(out, lengths) if self.return_sequences else out

    def score(self, X, y, sample_weight=None):
        """R^2 of the predictions; over all time steps with ``return_sequences=True``.

        Parameters
        ----------
        X : array-like or list of arrays
            Sequences, as in :meth:`fit`.
        y : array-like
            True targets, as in :meth:`fit`.
        sample_weight : array-like of shape (n_samples,), default=None
            Weights of the samples (of all their steps with ``return_sequences``).

        Returns
        -------
        score : float
            Coefficient of determination (1 is perfect).
        """
        return self._score_with(r2_score, X, y, sample_weight)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        return tags
