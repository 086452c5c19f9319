"""Recurrent neural network classifier."""

from __future__ import annotations

import math
from numbers import Integral

import numpy as np
import torch
from sklearn.base import ClassifierMixin, _fit_context
from sklearn.metrics import accuracy_score
from sklearn.preprocessing import LabelEncoder
from sklearn.utils import assert_all_finite
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.class_weight import compute_class_weight
from sklearn.utils.multiclass import check_classification_targets, unique_labels
from sklearn.utils.validation import column_or_1d

from .._input.validation import pad_sequences
from .._training.batch_norm import BatchNormStatistics
from .._training.nets import SequenceClassifierNet
from ._base import BaseRNN, plain_scalars, split_step_targets

__all__ = ["RNNClassifier"]

#: ``conv_filters="auto"``: the filters of the convolutional branch for numeric sequences
#: of at least :data:`AUTO_CONV_MIN_STEPS` steps (FCN's kernels, half its 128-256-128
#: filters to keep CPU fits short: OSULeaf 0.89 vs 0.85 with 32-64-32, docs/quality.md).
AUTO_CONV_FILTERS = (64, 128, 64)
AUTO_CONV_MIN_STEPS = 8
#: ``downsample="auto"``: longer sequences reach the recurrent and convolutional layers
#: as at most this many steps (blocks of consecutive steps folded into features).
AUTO_MAX_STEPS = 128


class RNNClassifier(ClassifierMixin, BaseRNN):
    """Recurrent neural network classifier (vanilla RNN, LSTM or GRU) trained with skorch.

    Reads each sequence of ``X`` and predicts its class with a softmax output layer
    trained on the cross-entropy loss. Labels may be of any type (ints, strings, ...);
    binary and multiclass problems are handled alike.

    Parameters
    ----------
    cell, units, num_layers, bidirectional, dropout, activation, epochs, batch_size, \
lr, lr_schedule, optimizer, weight_decay, clip_grad_norm, early_stopping, validation_fraction, \
n_iter_no_change, patience, tol : see RNNRegressor
        As in :class:`RNNRegressor`, with the same defaults. With ``early_stopping``
        the validation split is stratified.
    class_weight : dict, "balanced" or None, default=None
        Weights of the classes in the loss, as in scikit-learn's linear models.
    random_state, device, distributed, callbacks, verbose, warm_start, pooling, \
return_sequences, embedding_dim, max_vocab, tokenizer, time_steps, categorical_features, \
categorical_embedding_dim, init : see RNNRegressor
        As in :class:`RNNRegressor`, with the same defaults.
    conv_filters : "auto", tuple of int or None, default="auto"
        Filters of a convolutional branch beside the recurrent one (LSTM-FCN: blocks of
        ``Conv1d``, batch normalisation and ReLU, averaged over the steps; its features
        are concatenated with the pooled RNN outputs before the output layer). ``"auto"``:
        ``(64, 128, 64)`` for numeric sequences of 8 or more steps read many-to-one, no
        branch otherwise (tokens, ``return_sequences=True``, one-step tables). ``None``
        or ``()``: no branch.
    conv_kernel_sizes : tuple of int, default=(8, 5, 3)
        Kernel size of each convolution (FCN's): the first ``len(conv_filters)`` are used.
    downsample : "auto" or int, default="auto"
        Make each block of this many consecutive steps one step before the recurrent and
        convolutional layers, so that long series reach them shorter (each sequence's
        blocks start at its first step). ``"auto"``: the smallest factor that brings the
        longest training sequence to at most 128 steps (1 with ``return_sequences=True``
        or tokens).
    downsample_method : {"fold", "mean"}, default="fold"
        How a block becomes one step. ``"fold"``: its steps side by side as features
        (``downsample`` times the features; nothing is lost, and the first convolution
        becomes a strided one over the original steps, as patches are in PatchTST);
        ``"mean"``: their mean, the default before (it smooths away what changes within a
        block: ACSF1's power readings, 1,460 steps, 0.567 against 0.887 folded;
        docs/quality.md).
    zscore : "auto" or bool, default="auto"
        Standardise each sequence per feature over its own steps (z-normalisation, as
        the UCR archive's univariate series are) inside the network, before both
        branches. ``"auto"``: for univariate numeric sequences of 8 or more steps read
        many-to-one; not for several features, whose levels tell series apart (it cost
        JapaneseVowels and BasicMotions 0.1-0.2 accuracy, docs/quality.md).

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        Class labels.
    net_ : skorch.NeuralNetClassifier
        The fitted skorch net.
    module_ : torch.nn.Module
        The fitted PyTorch module.
    history_ : skorch.History
        Per-epoch training record.
    loss_curve_ : list of float
        Training loss of each epoch (as ``MLPRegressor.loss_curve_``).
    validation_scores_ : list of float or None
        With ``early_stopping=True``: the score (accuracy) on the held-out validation
        set after each epoch; ``None`` otherwise.
    n_iter_ : int
        Number of epochs trained.
    n_features_in_ : int
        Columns of a 2D ``X``, or features per time step of a 3D ``X``, seen in ``fit``.
    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Column names, when ``X`` was a DataFrame with string column names.
    input_shape_ : tuple of int
        ``(time_steps, n_features)`` of the sequences seen in ``fit``.
    is_categorical_ : ndarray of shape (`input_shape_[1]`,) or None
        Which features are category codes (``categorical_features``); ``None`` when none.
    categories_ : list of ndarray
        With ``categorical_features``: the codes seen in ``fit``, one sorted array per
        categorical feature.

    Examples
    --------
    >>> import numpy as np
    >>> from skrnn import RNNClassifier
    >>> rng = np.random.RandomState(0)
    >>> X = rng.randn(60, 6, 2)
    >>> y = np.where(X[:, :, 0].sum(axis=1) > 0, "up", "down")
    >>> clf = RNNClassifier(units=8, epochs=3, random_state=0).fit(X, y)
    >>> clf.classes_
    array(['down', 'up'], dtype='<U4')
    >>> clf.predict_proba(X[:3]).shape
    (3, 2)

    Texts go through :class:`SequenceTokenizer`, which turns them into token ids:

    >>> from sklearn.pipeline import make_pipeline
    >>> from skrnn import SequenceTokenizer
    >>> texts = ["good", "bad", "fine", "awful"] * 10
    >>> labels = ["pos", "neg", "pos", "neg"] * 10
    >>> clf = RNNClassifier(embedding_dim=8, random_state=0)
    >>> model = make_pipeline(SequenceTokenizer("char"), clf)
    >>> model.fit(texts, labels).predict(["good", "awful"]).shape
    (2,)
    """

    _net_class = SequenceClassifierNet
    _stratify_validation = True
    _parameter_constraints: dict = {
        **BaseRNN._parameter_constraints,
        "class_weight": [dict, StrOptions({"balanced"}), None],
        "conv_filters": [StrOptions({"auto"}), tuple, list, None],
        "conv_kernel_sizes": [tuple, list],
        "downsample": [StrOptions({"auto"}), Interval(Integral, 1, None, closed="left")],
        "downsample_method": [StrOptions({"fold", "mean"})],
        "zscore": [StrOptions({"auto"}), "boolean"],
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
        class_weight=None,
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
        conv_filters="auto",
        conv_kernel_sizes=(8, 5, 3),
        downsample="auto",
        downsample_method="fold",
        zscore="auto",
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
        self.class_weight = class_weight
        self.conv_filters = conv_filters
        self.conv_kernel_sizes = conv_kernel_sizes
        self.downsample = downsample
        self.downsample_method = downsample_method
        self.zscore = zscore

    def _encode_training_data(self, X, y, lengths, *, reset: bool, sample_weight=None):
        if reset:  # the longest training sequence sets downsample="auto"
            self._fit_max_steps = int(X.shape[1])
        return X, y

    def _architecture(self) -> dict:
        """The module's convolutional branch, down-sampling and z-normalisation, with
        ``"auto"`` resolved for the data seen in ``fit``; a ``ValueError`` for settings
        that cannot apply."""
        many_to_one_numbers = not self._reads_tokens() and not self.return_sequences
        steps = self._fit_max_steps
        series = many_to_one_numbers and steps >= AUTO_CONV_MIN_STEPS
        filters = self.conv_filters
        if isinstance(filters, str):
            filters = AUTO_CONV_FILTERS if series else ()
        filters = tuple(filters or ())
        kernels = tuple(self.conv_kernel_sizes)
        bad = [v for v in (*filters, *kernels) if not isinstance(v, Integral) or v < 1]
        if bad or len(kernels) < len(filters):
            raise ValueError(
                f"conv_filters={self.conv_filters!r} and conv_kernel_sizes="
                f"{self.conv_kernel_sizes!r} must be tuples of positive integers, with "
                "one kernel size per convolution, e.g. conv_filters=(64, 128, 64) "
                "and conv_kernel_sizes=(8, 5, 3); conv_filters=None for no branch."
            )
        factor = self.downsample
        if factor == "auto":
            factor = math.ceil(steps / AUTO_MAX_STEPS) if many_to_one_numbers else 1
        if self.return_sequences and (filters or factor > 1):
            raise ValueError(
                "return_sequences=True predicts at every step, which a convolutional "
                f"branch (conv_filters={self.conv_filters!r}) or down-sampling "
                f"(downsample={self.downsample!r}) would not keep; set conv_filters=None "
                "and downsample=1 (or leave them 'auto')."
            )
        return dict(
            conv_filters=filters,
            conv_kernel_sizes=kernels[: len(filters)],
            downsample=int(factor),
            downsample_method=self.downsample_method,
            zscore=bool(series and self._n_numeric_features() == 1)
            if self.zscore == "auto"
            else bool(self.zscore),
        )

    def _module_kwargs(self) -> dict:
        kwargs = super()._module_kwargs()
        kwargs.update({f"module__{k}": v for k, v in self._architecture().items()})
        return plain_scalars(kwargs)

    def _common_net_kwargs(self) -> dict:
        kwargs = super()._common_net_kwargs()
        if self._architecture()["conv_filters"]:
            # batches of equal size: no tiny last batch (67 series in batches of 32, 32
            # and 3) whose batch-normalisation statistics are noise (ItalyPowerDemand)
            kwargs["iterator_train__equal_batches"] = True
        return kwargs

    def _common_callbacks(self) -> list:
        callbacks = super()._common_callbacks()
        if self._architecture()["conv_filters"]:
            # the branch's batch normalisation: running statistics of the training data
            # under the final weights (after convergence stopping restored the best
            # ones, before the user's callbacks), not of the last, possibly tiny, batches
            at = next((i + 1 for i, (name, _) in enumerate(callbacks) if name == "convergence"), 0)
            callbacks.insert(at, ("batch_norm_statistics", BatchNormStatistics()))
        return callbacks

    def _validate_y(self, y, *, reset, classes=None, lengths=None, n_steps=None):
        if lengths is not None:
            # the labels of all steps checked at once: a check per sequence took 0.3 s
            # of a 12 s fit of examples/text_generation.py (2421 sequences); a column
            # (t_i, 1) is flattened and other shapes refused per sequence, as before
            seqs = split_step_targets(y, lengths, n_steps)
            labels = np.concatenate([t if t.ndim == 1 else column_or_1d(t) for t in seqs])
            codes = self._encode_labels(column_or_1d(labels), reset=reset, classes=classes)
            # padded steps: any label, the loss leaves them out (the lengths reach it)
            return pad_sequences(
                np.split(codes, np.cumsum(lengths)[:-1]),
                fill_value=0,
                dtype=np.int64,
                length=n_steps,
            )
        return self._encode_labels(column_or_1d(y, warn=True), reset=reset, classes=classes)

    def _encode_labels(self, y, *, reset, classes=None) -> np.ndarray:
        if y.dtype.kind == "f":
            # before scikit-learn's target-type check, which casts NaN to int (a
            # RuntimeWarning) on its way to the same error
            assert_all_finite(y, input_name="y")
        try:
            check_classification_targets(y)
        except TypeError as exc:  # e.g. strings mixed with numbers cannot be sorted
            raise ValueError(
                f"y mixes label types that cannot be compared, such as strings and numbers: {exc}"
            ) from None
        if reset:
            classes_ = unique_labels(y if classes is None else column_or_1d(classes))
            if len(classes_) < 2:  # as scikit-learn's classifiers: nothing to tell apart
                raise ValueError(
                    f"{type(self).__name__} needs samples of at least 2 classes, but y holds "
                    f"only one class: {classes_[:1].tolist()[0]!r}. (partial_fit: pass all "
                    "classes with classes=...)"
                )
            self.classes_ = classes_
            self._encoder = LabelEncoder().fit(self.classes_)
            self._class_weights = self._check_class_weight(y)
        elif classes is not None and not np.array_equal(
            unique_labels(column_or_1d(classes)), self.classes_
        ):
            raise ValueError(
                f"classes={np.asarray(classes).tolist()} differs from the classes "
                f"{self.classes_.tolist()} of the first call to partial_fit; the classes "
                "are fixed by the first call (fit anew to change them)."
            )
        unseen = np.setdiff1d(y, self.classes_)
        if unseen.size:
            raise ValueError(
                f"y contains labels not seen in the classes {self.classes_.tolist()}: "
                f"{unseen.tolist()}."
            )
        return self._encoder.transform(y).astype(np.int64)

    def _check_class_weight(self, y) -> np.ndarray | None:
        """Per-class loss weights, or a ``ValueError`` for weights that cannot train."""
        if self.class_weight is None:
            return None
        if isinstance(self.class_weight, str):  # "balanced": n / (n_classes * count)
            absent = np.setdiff1d(self.classes_, y)
            if absent.size:
                raise ValueError(
                    f"class_weight='balanced' weighs each class by its frequency in y, but y "
                    f"has no sample of the classes {absent.tolist()} (given in classes). "
                    "Give class_weight as a dict of weights, or start partial_fit with a y "
                    "that holds every class."
                )
        weights = compute_class_weight(self.class_weight, classes=self.classes_, y=y)
        weights = np.asarray(weights, dtype=np.float64)
        if not np.isfinite(weights).all() or (weights < 0).any() or not weights.any():
            raise ValueError(
                f"class_weight={self.class_weight!r} must give every class a finite, "
                "non-negative weight, and some class a positive one; got weights "
                f"{dict(zip(self.classes_.tolist(), weights.tolist(), strict=True))}."
            )
        return weights

    def _n_outputs(self):
        return len(self.classes_)

    def _criterion_kwargs(self):
        kwargs = {
            "criterion": torch.nn.CrossEntropyLoss,
            "classes": list(range(len(self.classes_))),
        }
        if self.return_sequences:
            kwargs["callbacks__valid_acc"] = None  # skorch's accuracy is per sequence
        if self._class_weights is not None:
            kwargs["criterion__weight"] = torch.as_tensor(self._class_weights, dtype=torch.float32)
        return kwargs

    @_fit_context(prefer_skip_nested_validation=True)
    def partial_fit(self, X, y, classes=None, lengths=None, sample_weight=None):
        """Train for one epoch, starting from the current weights when already fitted.

        Parameters
        ----------
        X : array-like or list of arrays
            Sequences, as in :meth:`fit`.
        y : array-like of shape (n_samples,)
            Labels (one per time step with ``return_sequences=True``).
        classes : array-like, default=None
            All classes that can appear in ``y`` over all calls. Needed on the first call
            when a batch may miss some classes; inferred from ``y`` when omitted.
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
            X,
            y,
            epochs=1,
            incremental=True,
            classes=classes,
            lengths=lengths,
            sample_weight=sample_weight,
        )

    def predict_proba(self, X, lengths=None):
        """Class probabilities of sequences ``X``.

        Parameters
        ----------
        X : array-like or list of arrays
            Sequences, as in :meth:`fit`.
        lengths : array-like of shape (n_samples,), default=None
            True lengths of the sequences of a padded ``X``.

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
            Rows sum to one; columns follow ``classes_``. With ``return_sequences=True``
            one row per time step: ``(n_samples, time_steps, n_classes)``, or a list of
            ``(t_i, n_classes)`` arrays for variable-length input.
        """
        logits, lengths = self._forward(X, lengths)
        proba = torch.softmax(torch.from_numpy(logits), dim=-1).numpy()
        return self._unpad(proba, lengths) if self.return_sequences else proba

    def predict(self, X, lengths=None):
        """Predict the class of each sequence of ``X`` (of each step, with ``return_sequences``).

        Parameters
        ----------
        X : array-like or list of arrays
            Sequences, as in :meth:`fit`.
        lengths : array-like of shape (n_samples,), default=None
            True lengths of the sequences of a padded ``X``.

        Returns
        -------
        y : ndarray of shape (n_samples,)
            With ``return_sequences=True``: ``(n_samples, time_steps)`` or a list of
            ``(t_i,)`` label arrays for variable-length input.
        """
        logits, lengths = self._forward(X, lengths)
        labels = self.classes_[np.argmax(logits, axis=-1)]
        return self._unpad(labels, lengths) if self.return_sequences else labels

    def score(self, X, y, sample_weight=None):
        """Accuracy; over all time steps with ``return_sequences=True``.

        Parameters
        ----------
        X : array-like or list of arrays
            Sequences, as in :meth:`fit`.
        y : array-like
            True labels, as in :meth:`fit`.
        sample_weight : array-like of shape (n_samples,), default=None
            Weights of the samples (of all their steps with ``return_sequences``).

        Returns
        -------
        score : float
            Share of correct predictions.
        """
        return self._score_with(accuracy_score, X, y, sample_weight)
